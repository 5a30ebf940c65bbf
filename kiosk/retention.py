"""Retention: delete search, screening and phone detail older than a date, keeping the marks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select
from sqlalchemy.orm import Session

from records.audit import append_audit
from records.models import (
    FoundItemRecord,
    NotificationRecord,
    PhoneHandinRecord,
    ScreeningRecord,
    SearchRecord,
)


class PurgeRefused(Exception):
    """A purge that is never intended (a cutoff of today or later)."""


@dataclass(frozen=True)
class PurgeReport:
    """How many rows a purge removed (or, in a dry run, would remove)."""

    searches: int
    found_items: int
    screenings: int
    phone_handins: int
    sent_notifications: int

    def summary(self) -> str:
        return (
            f"{self.searches} search(es), {self.found_items} found item(s), "
            f"{self.screenings} screening(s), {self.phone_handins} phone hand-in(s), "
            f"{self.sent_notifications} sent notification(s)"
        )


def cutoff_instant(before: date, zone: tzinfo) -> datetime:
    """The first instant of `before` in the school's time zone, in UTC."""
    return datetime.combine(before, time(0), tzinfo=zone).astimezone(UTC)


def purge(
    session: Session, *, before: date, today: date, zone: tzinfo, now: datetime
) -> PurgeReport:
    """Delete the detail dated before `before` in the caller's transaction and audit it.

    Kept on purpose: session marks (registers are kept for years, and the purge never
    touches them), refusals (they explain an O mark: attendance, not search detail), the audit
    log (append-only), notifications not yet sent (no one has read them yet), and phones
    not yet given back, confiscated or not: such a phone is still in a slot, and its hand-in
    is the only record of whose it is. Sent notifications go: their bodies copy search and
    police detail.
    """
    if before >= today:
        raise PurgeRefused(
            f"--before {before} is today or in the future; purging today's records is never "
            "intended (give an earlier date)"
        )
    cutoff = cutoff_instant(before, zone)
    old_searches = select(SearchRecord.id).where(SearchRecord.started_at < cutoff)
    found_items = _delete(
        session, delete(FoundItemRecord).where(FoundItemRecord.search_id.in_(old_searches))
    )
    searches = _delete(session, delete(SearchRecord).where(SearchRecord.started_at < cutoff))
    # A screening still named by a kept search stays with it, or the search would dangle.
    still_named = select(SearchRecord.screening_id).where(SearchRecord.screening_id.is_not(None))
    screenings = _delete(
        session,
        delete(ScreeningRecord).where(
            ScreeningRecord.date < before, ScreeningRecord.id.not_in(still_named)
        ),
    )
    phone_handins = _delete(
        session,
        delete(PhoneHandinRecord).where(
            PhoneHandinRecord.date < before,
            or_(PhoneHandinRecord.returned_at.is_not(None), PhoneHandinRecord.no_phone.is_(True)),
        ),
    )
    notifications = _delete(
        session,
        delete(NotificationRecord).where(
            NotificationRecord.sent_at.is_not(None), NotificationRecord.created_at < cutoff
        ),
    )
    report = PurgeReport(searches, found_items, screenings, phone_handins, notifications)
    append_audit(
        session,
        at=now,
        actor_staff_id=None,
        action="retention.purge",
        entity="retention",
        entity_id=before.isoformat(),
        detail={"before": before.isoformat(), **asdict(report)},
    )
    return report


def _delete(session: Session, statement: Any) -> int:
    # Bulk deletes: no ORM objects are loaded, and the session holds none of these rows.
    result = cast(
        CursorResult[Any],
        session.execute(statement, execution_options={"synchronize_session": False}),
    )
    return int(result.rowcount)
