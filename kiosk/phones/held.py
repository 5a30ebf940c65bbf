"""Phones handed in and not yet returned (and earphones confiscated), for the office and the end
of the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from records.models import LearnerRecord, PhoneHandinRecord, StaffRecord


@dataclass(frozen=True)
class OutstandingPhone:
    slot: str
    learner_name: str
    mis_id: str
    reg_group: str
    handed_in_at: datetime
    received_by: str
    confiscated: bool
    item: str = "phone"  # or "earphones", confiscated (R33)


def outstanding_phones(session: Session, day: date) -> list[OutstandingPhone]:
    """Phones handed in on `day` and not returned, in slot order, with every confiscated phone
    still held from an earlier day."""
    receiver = aliased(StaffRecord)
    query = (
        select(PhoneHandinRecord, LearnerRecord, receiver)
        .join(LearnerRecord, PhoneHandinRecord.learner_id == LearnerRecord.id)
        .outerjoin(receiver, PhoneHandinRecord.received_by_id == receiver.id)
        .where(
            # A confiscated phone stays on the list, day after day, until it is given back
            # (a third-time phone until a parent or carer collects it).
            or_(
                PhoneHandinRecord.date == day,
                and_(PhoneHandinRecord.confiscated.is_(True), PhoneHandinRecord.date < day),
            ),
            PhoneHandinRecord.returned_at.is_(None),
            PhoneHandinRecord.no_phone.is_(False),
        )
    )
    phones = [
        OutstandingPhone(
            slot=handin.slot,
            learner_name=f"{learner.forename} {learner.surname}",
            mis_id=learner.mis_id,
            reg_group=learner.reg_group,
            handed_in_at=handin.handed_in_at,
            received_by=f"{staff.forename} {staff.surname}" if staff else "",
            confiscated=handin.confiscated,
            item=handin.item,
        )
        for handin, learner, staff in session.execute(query)
    ]
    return sorted(phones, key=lambda p: (slot_order(p.slot), p.learner_name))


def slot_order(slot: str) -> tuple[int, str]:
    """Numbered slots in number order (2 before 10), then named pouches."""
    return (int(slot), "") if slot.isdigit() else (10**9, slot)
