"""Staff signed on at a door, kept in the book: the station's duty list lives in memory, and
the fire roll (read from the database, perhaps by another program) must still name them."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.audit import append_audit
from records.models import StaffSignOnRecord
from records.queries import staff_by_staff_id


class PresenceError(Exception):
    """The sign-on could not be recorded; the message says why."""


def record_sign_on(
    session: Session, staff_id: str, *, station: str, at: datetime, zone: tzinfo
) -> None:
    """A member of staff signed on at `station`: open a spell unless one is open already."""
    staff = staff_by_staff_id(session, staff_id)
    if staff is None:
        raise PresenceError(f"No member of staff with staff_id {staff_id!r}.")
    if _open_spells(session, station, staff.id):
        return
    record = StaffSignOnRecord(
        staff_id=staff.id, station=station, date=at.astimezone(zone).date(), signed_on_at=at
    )
    session.add(record)
    session.flush()
    append_audit(
        session,
        at=at,
        actor_staff_id=staff.staff_id,
        action="staff.signed_on",
        entity="staff_sign_ons",
        entity_id=str(record.id),
        detail={"station": station},
    )


def record_sign_off(session: Session, staff_id: str, *, station: str, at: datetime) -> None:
    """A member of staff signed off at `station` (nothing to do if they were not signed on)."""
    staff = staff_by_staff_id(session, staff_id)
    if staff is None:
        return
    _close(session, _open_spells(session, station, staff.id), at)


def record_all_signed_off(session: Session, *, station: str, at: datetime) -> None:
    """Everyone at `station` is off duty: at the end of a session, and when the station starts
    (its duty list starts empty, so a spell left open by a restart is over)."""
    _close(session, _open_spells(session, station, None), at)


def _open_spells(session: Session, station: str, staff_pk: int | None) -> list[StaffSignOnRecord]:
    query = select(StaffSignOnRecord).where(
        StaffSignOnRecord.station == station, StaffSignOnRecord.signed_off_at.is_(None)
    )
    if staff_pk is not None:
        query = query.where(StaffSignOnRecord.staff_id == staff_pk)
    return list(session.scalars(query.order_by(StaffSignOnRecord.id)))


def _close(session: Session, spells: list[StaffSignOnRecord], at: datetime) -> None:
    for spell in spells:
        spell.signed_off_at = at
        append_audit(
            session,
            at=at,
            actor_staff_id=spell.staff.staff_id,
            action="staff.signed_off",
            entity="staff_sign_ons",
            entity_id=str(spell.id),
            detail={"station": spell.station},
        )
