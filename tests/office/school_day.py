"""A school day for the roll and sign-out tests: admitted, refused, signed out, never arrived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import RefusalKind
from kiosk.domain.people import StaffRef
from kiosk.door.arrivals import admit, refuse
from kiosk.office.signout import sign_out
from kiosk.people.presence import record_sign_on
from records.models import LearnerRecord, StaffRecord
from tests.records.recordbook import Book

SCHOOL = SchoolConfig(name="Test Academy", timezone="Europe/London")
# A Monday in March (GMT, so local time is UTC): doors at 08:20, the fire alarm at 10:00.
MORNING = datetime(2025, 3, 3, 8, 20, tzinfo=UTC)
ALARM_AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
SIGNED_OUT_AT = datetime(2025, 3, 3, 9, 45, tzinfo=UTC)


@dataclass(frozen=True)
class Day:
    admitted: int
    refused: int
    signed_out: int
    absent: int


def learner(session: Session, mis_id: str, surname: str, forename: str, group: str) -> int:
    record = LearnerRecord(
        mis_id=mis_id,
        surname=surname,
        forename=forename,
        sex="M",
        reg_group=group,
        year_group="7",
        created_at=MORNING,
        updated_at=MORNING,
    )
    session.add(record)
    session.flush()
    return record.id


def staff(session: Session, staff_id: str, surname: str, roles: str) -> int:
    record = StaffRecord(
        staff_id=staff_id,
        surname=surname,
        forename="Sam",
        sex="F",
        roles=roles,
        created_at=MORNING,
        updated_at=MORNING,
    )
    session.add(record)
    session.flush()
    return record.id


def school_day(book: Book) -> Day:
    """The book's own learner (Aoife, 7A) admitted; Ben refused; Cara signed out at 09:45 for
    an appointment; Dan never arrived. S1 signed on at the main door; S2 never did."""
    with book.sessions.begin() as session:
        refused = learner(session, "B2002", "Brown", "Ben", "7B")
        gone = learner(session, "C3003", "Clarke", "Cara", "7A")
        absent = learner(session, "D4004", "Davies", "Dan", "7B")
        session.get_one(LearnerRecord, book.learner_id).reg_group = "7A"
        staff(session, "OF1", "Office", "office")
        record_sign_on(session, "S1", station="main", at=MORNING, zone=SCHOOL.zone)
        for learner_id, minutes in ((book.learner_id, 5), (gone, 7)):
            at = MORNING + timedelta(minutes=minutes)
            admit(session, learner_id, arrived_at=at, admitted_at=at, school=SCHOOL)
        refuse(
            session,
            refused,
            at=MORNING + timedelta(minutes=9),
            kind=RefusalKind.SCREENING,
            school=SCHOOL,
            by=None,
        )
        sign_out(
            session, gone, at=SIGNED_OUT_AT, reason="appointment", by=StaffRef("OF1"), school=SCHOOL
        )
    return Day(book.learner_id, refused, gone, absent)
