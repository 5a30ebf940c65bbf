"""Retention: delete search, screening and phone detail older than a date, keeping the marks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
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
    return _purge(session, before, before, zone=zone, now=now)


def purge_configured(
    session: Session,
    *,
    search_days: int,
    routine_days: int,
    today: date,
    zone: tzinfo,
    now: datetime,
) -> PurgeReport:
    """The school's retention periods (`[retention]`), as the daily timer runs them: searches
    and their items older than `search_days`, screenings, returned phones and sent messages
    older than `routine_days`; 0 keeps that kind. What `purge` keeps on purpose stays."""
    if search_days < 0 or routine_days < 0:
        raise PurgeRefused("retention periods are whole numbers of days, 0 or more")
    searches_before = today - timedelta(days=search_days) if search_days else None
    routine_before = today - timedelta(days=routine_days) if routine_days else None
    return _purge(session, searches_before, routine_before, zone=zone, now=now)


def _purge(
    session: Session,
    searches_before: date | None,
    routine_before: date | None,
    *,
    zone: tzinfo,
    now: datetime,
) -> PurgeReport:
    """`None` for a cutoff keeps that kind of record."""
    searches = found_items = screenings = phone_handins = notifications = 0
    if searches_before is not None:
        cutoff = cutoff_instant(searches_before, zone)
        old_searches = select(SearchRecord.id).where(SearchRecord.started_at < cutoff)
        found_items = _delete(
            session, delete(FoundItemRecord).where(FoundItemRecord.search_id.in_(old_searches))
        )
        searches = _delete(session, delete(SearchRecord).where(SearchRecord.started_at < cutoff))
    if routine_before is not None:
        cutoff = cutoff_instant(routine_before, zone)
        # A screening still named by a kept search stays with it, or the search would dangle.
        still_named = select(SearchRecord.screening_id).where(
            SearchRecord.screening_id.is_not(None)
        )
        screenings = _delete(
            session,
            delete(ScreeningRecord).where(
                ScreeningRecord.date < routine_before, ScreeningRecord.id.not_in(still_named)
            ),
        )
        phone_handins = _delete(
            session,
            delete(PhoneHandinRecord).where(
                PhoneHandinRecord.date < routine_before,
                or_(
                    PhoneHandinRecord.returned_at.is_not(None),
                    PhoneHandinRecord.no_phone.is_(True),
                ),
            ),
        )
        notifications = _delete(
            session,
            delete(NotificationRecord).where(
                NotificationRecord.sent_at.is_not(None), NotificationRecord.created_at < cutoff
            ),
        )
    report = PurgeReport(searches, found_items, screenings, phone_handins, notifications)
    same = searches_before == routine_before
    cutoffs = (
        {"before": _iso(searches_before)}
        if same
        else {"searches_before": _iso(searches_before), "routine_before": _iso(routine_before)}
    )
    append_audit(
        session,
        at=now,
        actor_staff_id=None,
        action="retention.purge",
        entity="retention",
        entity_id=_iso(searches_before or routine_before),
        detail={**cutoffs, **asdict(report)},
    )
    return report


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else "kept"


def _delete(session: Session, statement: Any) -> int:
    # Bulk deletes: no ORM objects are loaded, and the session holds none of these rows.
    result = cast(
        CursorResult[Any],
        session.execute(statement, execution_options={"synchronize_session": False}),
    )
    return int(result.rowcount)
