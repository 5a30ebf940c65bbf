"""Pull what happened at the other doors from the hub, and answer the lane from it.

- Other doors' admissions today go into `remote_arrivals` (by MIS id), so a learner who came
  in at the side gate is greeted as already in here (`already_in`).
- The slots holding a phone today at the other doors of this door's phone store go into
  `remote_phone_slots`, which the lane never hands out (`slots_taken_elsewhere`).

The lane asks this door's own book, never the hub: it hears of the other doors as of the last
round.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.hub.engine import reader
from records.hub import ADMISSION, HubMarkRecord, HubPhoneRecord, hub_phones_held
from records.models import LearnerRecord
from records.remote import RemoteArrivalRecord, RemotePhoneSlotRecord


def pull_arrivals(local: sessionmaker[Session], hub: Engine, station: str, today: date) -> int:
    with hub.connect() as conn:
        found = conn.execute(
            select(
                HubMarkRecord.mis_id,
                HubMarkRecord.session,
                HubMarkRecord.station,
                HubMarkRecord.at,
                HubMarkRecord.admitted_at,
                HubMarkRecord.code,
            )
            .where(
                HubMarkRecord.date == today,
                HubMarkRecord.kind == ADMISSION,
                HubMarkRecord.station != station,
            )
            .order_by(HubMarkRecord.at, HubMarkRecord.station, HubMarkRecord.id)
        ).all()
    earliest: dict[tuple[str, str], Any] = {}
    for row in found:
        earliest.setdefault((row.mis_id, row.session), row)
    if not earliest:
        return 0
    with reader(local)() as db:
        known = {
            (r.mis_id, r.session): r.arrived_at
            for r in db.scalars(
                select(RemoteArrivalRecord).where(RemoteArrivalRecord.date == today)
            )
        }
    new = {
        key: row
        for key, row in earliest.items()
        if key not in known or row.at.astimezone(UTC) < known[key].astimezone(UTC)
    }
    if not new:
        return 0
    with local.begin() as db:
        for (mis_id, session_name), row in new.items():
            if (mis_id, session_name) in known:
                db.execute(
                    update(RemoteArrivalRecord)
                    .where(
                        RemoteArrivalRecord.mis_id == mis_id,
                        RemoteArrivalRecord.date == today,
                        RemoteArrivalRecord.session == session_name,
                    )
                    .values(
                        station=row.station,
                        arrived_at=row.at,
                        admitted_at=row.admitted_at,
                        code=row.code,
                    )
                )
            else:
                db.add(
                    RemoteArrivalRecord(
                        mis_id=mis_id,
                        date=today,
                        session=session_name,
                        station=row.station,
                        arrived_at=row.at,
                        admitted_at=row.admitted_at,
                        code=row.code,
                    )
                )
    return sum(1 for key in new if key not in known)


def pull_phone_slots(
    local: sessionmaker[Session], hub: Engine, station: str, store: str, today: date
) -> int:
    """Today's slots holding a phone at the other doors of this door's phone store."""
    phones = HubPhoneRecord
    with hub.connect() as conn:
        found = conn.execute(
            hub_phones_held(today)
            .where(phones.store == store, phones.station != station, phones.slot != "")
            .with_only_columns(phones.slot, phones.station)
        ).all()
    held: dict[str, str] = {}
    for slot, where in found:
        held.setdefault(slot, where)
    with reader(local)() as db:
        known = {(r.date, r.slot, r.station) for r in db.scalars(select(RemotePhoneSlotRecord))}
    wanted = {(today, slot, where) for slot, where in held.items()}
    if known == wanted:
        return 0
    with local.begin() as db:
        db.execute(delete(RemotePhoneSlotRecord))
        db.add_all(
            RemotePhoneSlotRecord(date=today, slot=slot, station=where)
            for slot, where in sorted(held.items())
        )
    return len(wanted ^ known)


# --- what the door asks -------------------------------------------------------------------------


def slots_taken_elsewhere(session: Session, day: date) -> tuple[str, ...]:
    """Slots holding a phone today at doors sharing this door's phone store (as last heard)."""
    return tuple(
        session.scalars(
            select(RemotePhoneSlotRecord.slot)
            .where(RemotePhoneSlotRecord.date == day)
            .order_by(RemotePhoneSlotRecord.slot)
        )
    )


def already_in(session: Session, learner_id: int, day: date, session_name: str) -> bool:
    """Whether another door has admitted this learner this session (as last heard from the hub)."""
    return (
        session.execute(
            select(RemoteArrivalRecord.id)
            .join(LearnerRecord, LearnerRecord.mis_id == RemoteArrivalRecord.mis_id)
            .where(
                LearnerRecord.id == learner_id,
                RemoteArrivalRecord.date == day,
                RemoteArrivalRecord.session == session_name,
            )
            .limit(1)
        ).first()
        is not None
    )
