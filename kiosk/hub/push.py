"""Push this door's visit events and marks to the hub, each row kept there once however often
it is offered.

- Visit events go in the order they were recorded, a batch per hub transaction, each row
  `ON CONFLICT (event_id) DO NOTHING`. How far the door has got is read back from the hub (the
  largest local id it holds for this door), not trusted to a local note: a round cut short
  anywhere (the network, the hub restarting, the kiosk killed) just offers the unconfirmed
  batch again, and the hub keeps each event once.
- Admissions and refusals (the facts behind its marks) go the same way, keyed by door,
  learner, session and time; the hub's `hub_session_marks` view then gives the one mark.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.attendance import RefusalKind
from records.hub import ADMISSION, REFUSAL, HubEventRecord, HubMarkRecord
from records.models import (
    LearnerRecord,
    RefusalRecord,
    SessionMarkRecord,
    StaffRecord,
    VisitEventRecord,
)

log = logging.getLogger(__name__)

# Marks are offered again from this long before the newest day the hub holds from this door,
# so a refusal overturned or a mark written the day after still reaches it.
_MARKS_LOOKBACK = timedelta(days=1)


def push_events(
    reader: sessionmaker[Session],
    hub: Engine,
    station: str,
    batch_size: int,
    on_batch: Callable[[int], None] | None,
) -> tuple[int, int, int]:
    with hub.connect() as conn:
        pushed_to = conn.execute(
            select(func.coalesce(func.max(HubEventRecord.local_id), 0)).where(
                HubEventRecord.station == station
            )
        ).scalar_one()
    with reader() as db:
        newest = db.execute(select(func.coalesce(func.max(VisitEventRecord.id), 0))).scalar_one()
    if pushed_to > newest:
        # The hub holds more of this door than its log has: a new book under an old name.
        # Offer everything again; the hub keeps what it already has once.
        log.warning(
            "the hub holds events up to %d from %r but this log ends at %d; offering all again",
            pushed_to,
            station,
            newest,
        )
        pushed_to = 0
    offered = sent = 0
    while True:
        with reader() as db:
            rows = _event_rows(db, pushed_to, batch_size)
        if not rows:
            return offered, sent, pushed_to
        with hub.begin() as conn:
            result = conn.execute(
                pg_insert(HubEventRecord)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(HubEventRecord.id)
            )
            added = len(result.all())
        # Only after the hub's commit: a crash before this line offers the batch again.
        pushed_to = rows[-1]["local_id"]
        offered += len(rows)
        sent += added
        if on_batch is not None:
            on_batch(sent)


def _event_rows(db: Session, after: int, limit: int) -> list[dict[str, Any]]:
    query = (
        select(VisitEventRecord, LearnerRecord.mis_id)
        .outerjoin(LearnerRecord, LearnerRecord.id == VisitEventRecord.learner_id)
        .where(VisitEventRecord.id > after)
        .order_by(VisitEventRecord.id)
        .limit(limit)
    )
    return [
        {
            "event_id": event.event_id,
            "station": event.station,
            "local_id": event.id,
            "date": event.date,
            "session": event.session,
            "at": event.at,
            "kind": event.kind,
            "learner_mis_id": mis_id,
            "staff_id": event.staff_id,
            "payload": event.payload,
            "recorded_at": event.recorded_at,
        }
        for event, mis_id in db.execute(query)
    ]


def _mark_key(row: dict[str, Any]) -> tuple[str, date, str, str, datetime]:
    return (row["mis_id"], row["date"], row["session"], row["kind"], row["at"].astimezone(UTC))


def push_marks(reader: sessionmaker[Session], hub: Engine, station: str, batch_size: int) -> int:
    with hub.connect() as conn:
        newest: date | None = conn.execute(
            select(func.max(HubMarkRecord.date)).where(HubMarkRecord.station == station)
        ).scalar_one()
        since = None if newest is None else newest - _MARKS_LOOKBACK
        held_query = select(
            HubMarkRecord.mis_id,
            HubMarkRecord.date,
            HubMarkRecord.session,
            HubMarkRecord.kind,
            HubMarkRecord.at,
        ).where(HubMarkRecord.station == station)
        if since is not None:
            held_query = held_query.where(HubMarkRecord.date >= since)
        held = {(m, d, s, k, at.astimezone(UTC)) for m, d, s, k, at in conn.execute(held_query)}
    with reader() as db:
        rows = [r for r in _mark_rows(db, station, since) if _mark_key(r) not in held]
    # Oldest day first, so the newest day the hub holds is only ever reached once the days
    # before it are complete (the lookback covers the day a round was cut short in).
    rows.sort(key=lambda r: (r["date"], r["at"]))
    sent = 0
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        with hub.begin() as conn:
            result = conn.execute(
                pg_insert(HubMarkRecord)
                .values(batch)
                .on_conflict_do_nothing(
                    index_elements=["station", "mis_id", "date", "session", "kind", "at"]
                )
                .returning(HubMarkRecord.id)
            )
            sent += len(result.all())
    return sent


def _mark_rows(db: Session, station: str, since: date | None) -> Iterable[dict[str, Any]]:
    admissions = (
        select(SessionMarkRecord, LearnerRecord.mis_id, StaffRecord.staff_id)
        .join(LearnerRecord, LearnerRecord.id == SessionMarkRecord.learner_id)
        .outerjoin(StaffRecord, StaffRecord.id == SessionMarkRecord.recorded_by_id)
        .where(SessionMarkRecord.admitted_at.is_not(None))
    )
    refusals = (
        select(RefusalRecord, LearnerRecord.mis_id, StaffRecord.staff_id)
        .join(LearnerRecord, LearnerRecord.id == RefusalRecord.learner_id)
        .outerjoin(StaffRecord, StaffRecord.id == RefusalRecord.recorded_by_id)
    )
    if since is not None:
        admissions = admissions.where(SessionMarkRecord.date >= since)
        refusals = refusals.where(RefusalRecord.date >= since)
    for mark, mis_id, staff_id in db.execute(admissions):
        assert mark.admitted_at is not None
        yield {
            "station": station,
            "kind": ADMISSION,
            "mis_id": mis_id,
            "date": mark.date,
            "session": mark.session,
            # The badge tap decides the mark; a mark written without one counts from admission.
            "at": mark.arrived_at or mark.admitted_at,
            "admitted_at": mark.admitted_at,
            "code": mark.code,
            "minutes_late": mark.minutes_late,
            "comment": mark.comment,
            "late_reason": mark.late_reason,
            "late_detention": mark.late_detention,
            "refusal_kind": None,
            "recorded_by": staff_id,
        }
    for refusal, mis_id, staff_id in db.execute(refusals):
        yield {
            "station": station,
            "kind": REFUSAL,
            "mis_id": mis_id,
            "date": refusal.date,
            "session": refusal.session,
            "at": refusal.refused_at,
            "admitted_at": None,
            "code": "O",
            "minutes_late": 0,
            "comment": RefusalKind(refusal.kind).comment,
            "late_reason": "",
            "late_detention": False,
            "refusal_kind": refusal.kind,
            "recorded_by": staff_id,
        }
