"""The phone desk as use cases: hand-in at arrival, return at the end of the day, confiscation
of a phone or earphones seen in use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.items import permission_problem
from kiosk.domain.people import StaffRef
from kiosk.domain.phones import (
    ConfiscatedItem,
    ConfiscationOutcome,
    Hold,
    confiscation_outcome,
    held_until,
)
from kiosk.notify.queue import queue_attendance, queue_third_confiscation
from records.audit import append_audit
from records.models import LearnerRecord, PhoneHandinRecord, StaffRecord
from records.queries import active_staff, staff_by_staff_id


class PhoneDeskError(Exception):
    """The phone desk refused; the message says why, for staff."""


def _staff(session: Session, staff_id: str) -> StaffRecord:
    record = staff_by_staff_id(session, staff_id)
    if record is None:
        raise PhoneDeskError(f"No member of staff with staff_id {staff_id!r}.")
    return record


def _held(session: Session, learner_id: int, day: date) -> PhoneHandinRecord | None:
    return session.scalars(
        select(PhoneHandinRecord).where(
            PhoneHandinRecord.learner_id == learner_id,
            PhoneHandinRecord.date == day,
        )
    ).first()


def phone_handed_in(session: Session, learner_id: int, day: date) -> bool:
    """Whether the learner's phone (or their "no phone") is recorded already on `day`."""
    return _held(session, learner_id, day) is not None


@dataclass(frozen=True)
class HandedIn:
    slot: str
    no_phone: bool


def hand_in(
    session: Session,
    learner_id: int,
    *,
    day: date,
    at: datetime,
    slot: str,
    no_phone: bool,
    by: StaffRef | None,
) -> HandedIn:
    """Record a phone put in a numbered slot, pouch or envelope, or the learner's "no phone".

    `by` is None when the learner's own tap at the phone station recorded it.
    """
    slot = slot.strip()
    if not no_phone and not slot:
        raise PhoneDeskError("Enter the slot, pouch or envelope number, or choose 'no phone'.")
    if _held(session, learner_id, day) is not None:
        raise PhoneDeskError("This learner's phone hand-in is already recorded today.")
    if slot:
        taken = session.scalars(
            select(PhoneHandinRecord).where(
                PhoneHandinRecord.date == day,
                PhoneHandinRecord.slot == slot,
                PhoneHandinRecord.returned_at.is_(None),
            )
        ).first()
        if taken is not None:
            raise PhoneDeskError(f"Slot {slot} already holds a phone today: choose another.")
    staff = None if by is None else _staff(session, by.staff_id)
    record = PhoneHandinRecord(
        learner_id=learner_id,
        date=day,
        handed_in_at=at,
        slot="" if no_phone else slot,
        no_phone=no_phone,
        received_by_id=None if staff is None else staff.id,
    )
    session.add(record)
    session.flush()
    append_audit(
        session,
        at=at,
        actor_staff_id=None if staff is None else staff.staff_id,
        action="phone.handed_in" if not no_phone else "phone.none_declared",
        entity="phone_handins",
        entity_id=str(record.id),
        detail={"learner_id": learner_id, "slot": record.slot},
    )
    return HandedIn(record.slot, no_phone)


@dataclass(frozen=True)
class Returned:
    slot: str


def return_phone(
    session: Session, learner_id: int, *, day: date, at: datetime, by: StaffRef
) -> Returned:
    """Give a phone back: from which slot, by whom; a confiscated phone waits for its hold."""
    record = session.scalars(
        select(PhoneHandinRecord)
        .where(
            PhoneHandinRecord.learner_id == learner_id,
            PhoneHandinRecord.no_phone.is_(False),
            PhoneHandinRecord.returned_at.is_(None),
            PhoneHandinRecord.date <= day,
        )
        .order_by(PhoneHandinRecord.date.desc())
    ).first()
    if record is None:
        raise PhoneDeskError("No phone is held for this learner.")
    if record.confiscated:
        item = ConfiscatedItem(record.item)
        if record.hold_until is None:  # only phone_collected_by_parent gives it back
            raise PhoneDeskError(
                f"Confiscated {item.noun}: a parent or carer must collect {item.it}."
            )
        if record.hold_until > day:
            raise PhoneDeskError(
                f"Confiscated {item.noun}: held until the end of {record.hold_until}."
            )
    staff = _staff(session, by.staff_id)
    record.returned_at = at
    record.returned_by_id = staff.id
    append_audit(
        session,
        at=at,
        actor_staff_id=staff.staff_id,
        action="phone.returned",
        entity="phone_handins",
        entity_id=str(record.id),
        detail={"learner_id": learner_id, "slot": record.slot, "item": record.item},
    )
    return Returned(record.slot)


def confiscate(
    session: Session,
    learner_id: int,
    *,
    day: date,
    at: datetime,
    slot: str,
    by: StaffRef,
    note: str = "",
    zone: tzinfo | None = None,
    item: ConfiscatedItem = ConfiscatedItem.PHONE,
) -> ConfiscationOutcome:
    """A phone or earphones seen in use later in the day: held by occurrence (seed 003's
    escalation, which counts the occasions of either). Earphones are refused for a learner the
    roster permits them (R33)."""
    staff = _staff(session, by.staff_id)
    learner = _learner(session, learner_id)
    problem = permission_problem(item.category, earphones_permitted=learner.earphones_permitted)
    if problem:
        raise PhoneDeskError(problem)
    earlier = session.scalar(
        select(func.count())
        .select_from(PhoneHandinRecord)
        .where(PhoneHandinRecord.learner_id == learner_id, PhoneHandinRecord.confiscated.is_(True))
    )
    outcome = confiscation_outcome((earlier or 0) + 1, item)
    record = PhoneHandinRecord(
        learner_id=learner_id,
        date=day,
        handed_in_at=at,
        slot=slot.strip(),
        received_by_id=staff.id,
        confiscated=True,
        confiscation_occurrence=outcome.occurrence,
        hold_until=held_until(outcome, day),
        note=note.strip(),
        item=item.value,
    )
    session.add(record)
    session.flush()
    detail = {"learner": learner.mis_id, "occurrence": outcome.occurrence, "hold": outcome.hold}
    append_audit(
        session,
        at=at,
        actor_staff_id=staff.staff_id,
        action="phone.confiscated",
        entity="phone_handins",
        entity_id=str(record.id),
        # A phone's entry reads as it always has; earphones are named.
        detail=detail if item is ConfiscatedItem.PHONE else {**detail, "item": item.value},
    )
    if outcome.notify:
        queue_third_confiscation(
            session,
            at=at,
            learner=f"{learner.forename} {learner.surname}",
            mis_id=learner.mis_id,
            slot=record.slot,
            zone=zone,
            item=item,
        )
    return outcome


def _learner(session: Session, learner_id: int) -> LearnerRecord:
    learner = session.get(LearnerRecord, learner_id)
    if learner is None:
        raise PhoneDeskError("No such learner.")
    return learner


def confiscate_phone(
    session: Session,
    learner_id: int,
    *,
    at: datetime,
    by: StaffRef,
    zone: tzinfo,
    slot: str = "",
    note: str = "",
    item: ConfiscatedItem = ConfiscatedItem.PHONE,
) -> ConfiscationOutcome:
    """A phone (or earphones: `item`) seen in use during the day is confiscated: held to the
    end of the day, then a second day, then until a parent or carer collects it; at the third
    the attendance officer is told (in the caller's transaction). `outcome.reasons` is the
    escalation in words, for the screen. Earphones are refused (PhoneDeskError, saying why)
    for a learner the roster permits them (R33)."""
    _learner(session, learner_id)
    # Only an active member of staff confiscates here: confiscate() asks only that they exist.
    active_staff(session, by.staff_id, PhoneDeskError)
    return confiscate(
        session,
        learner_id,
        day=at.astimezone(zone).date(),
        at=at,
        slot=slot,
        by=by,
        note=note,
        zone=zone,
        item=item,
    )


@dataclass(frozen=True)
class CollectedByParent:
    slot: str
    collected_by: str
    occurrence: int
    item: ConfiscatedItem = ConfiscatedItem.PHONE


def phone_collected_by_parent(
    session: Session,
    learner_id: int,
    *,
    at: datetime,
    collected_by: str,
    by: StaffRef,
) -> CollectedByParent:
    """A parent or carer collects a phone held for them: who collected it, when, and which
    member of staff handed it over are recorded, and it leaves the held list."""
    who = " ".join(collected_by.split())
    if not who:
        raise PhoneDeskError("Write the name of the parent or carer collecting the phone.")
    learner = _learner(session, learner_id)
    record = session.scalars(
        select(PhoneHandinRecord)
        .where(
            PhoneHandinRecord.learner_id == learner_id,
            PhoneHandinRecord.confiscated.is_(True),
            PhoneHandinRecord.returned_at.is_(None),
        )
        .order_by(PhoneHandinRecord.date.desc(), PhoneHandinRecord.id.desc())
    ).first()
    if record is None:
        raise PhoneDeskError("No confiscated phone or earphones are held for this learner.")
    staff = active_staff(session, by.staff_id, PhoneDeskError)
    record.returned_at = at
    record.returned_by_id = staff.id
    record.collected_by = who
    append_audit(
        session,
        at=at,
        actor_staff_id=staff.staff_id,
        action="phone.collected_by_parent",
        entity="phone_handins",
        entity_id=str(record.id),
        detail={"learner": learner.mis_id, "collected_by": who},
    )
    if record.hold_until is None:  # the third time: the attendance officer asked for this
        item = ConfiscatedItem(record.item)
        name = f"{learner.forename} {learner.surname}"
        queue_attendance(
            session,
            at=at,
            subject=f"{item.noun.capitalize()} collected by a parent or carer: {name}",
            body=(
                f"{name}'s confiscated {item.noun} {item.were} collected by "
                f"{who}; handed over by {staff.forename} {staff.surname}.\n"
                f"Learner MIS id: {learner.mis_id}\n"
            ),
        )
    return CollectedByParent(
        record.slot, who, record.confiscation_occurrence or 0, ConfiscatedItem(record.item)
    )


@dataclass(frozen=True)
class HeldPhone:
    learner_id: int
    name: str
    mis_id: str
    slot: str
    confiscated_on: date
    occurrence: int
    hold: Hold
    hold_until: date | None
    item: ConfiscatedItem = ConfiscatedItem.PHONE


def held_confiscations(session: Session) -> list[HeldPhone]:
    """Every confiscated phone (or earphones) not yet given back, whichever day it was taken."""
    rows = session.execute(
        select(PhoneHandinRecord, LearnerRecord)
        .join(LearnerRecord, PhoneHandinRecord.learner_id == LearnerRecord.id)
        .where(PhoneHandinRecord.confiscated.is_(True), PhoneHandinRecord.returned_at.is_(None))
        .order_by(PhoneHandinRecord.date, PhoneHandinRecord.id)
    )
    held = []
    for record, learner in rows:
        occurrence = record.confiscation_occurrence or 1
        held.append(
            HeldPhone(
                learner.id,
                f"{learner.forename} {learner.surname}",
                learner.mis_id,
                record.slot,
                record.date,
                occurrence,
                confiscation_outcome(occurrence).hold,
                record.hold_until,
                ConfiscatedItem(record.item),
            )
        )
    return held
