"""The phone desk: hand-in into a slot, return at the end of the day, confiscation by occurrence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kiosk.domain.people import StaffRef
from kiosk.domain.phones import Hold
from kiosk.phones.desk import PhoneDeskError, confiscate, hand_in, return_phone
from kiosk.phones.held import outstanding_phones
from tests.morning.conftest import NOW, learner_id

DAY = date(2026, 11, 23)  # a Monday


def handin(book, mis_id: str, slot: str = "", *, no_phone: bool = False):
    with book.sessions.begin() as session:
        return hand_in(
            session,
            learner_id(book, mis_id),
            day=DAY,
            at=NOW,
            slot=slot,
            no_phone=no_phone,
            by=StaffRef("S03"),
        )


def test_phone_handed_in_is_outstanding_until_returned_from_its_slot(school) -> None:
    handin(school, "A1001", "12")
    handin(school, "A1002", no_phone=True)
    with school.sessions() as session:
        assert [p.slot for p in outstanding_phones(session, DAY)] == ["12"]
    with school.sessions.begin() as session:
        back = return_phone(
            session,
            learner_id(school, "A1001"),
            day=DAY,
            at=NOW + timedelta(hours=7),
            by=StaffRef("S05"),
        )
    assert back.slot == "12"
    with school.sessions() as session:
        assert outstanding_phones(session, DAY) == []


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (("A1001", "12"), ("A1002", "12"), "Slot 12 already holds"),
        (("A1001", "12"), ("A1001", "13"), "already recorded"),
        (None, ("A1001", ""), "slot"),
    ],
    ids=["slot-taken", "twice", "no-slot"],
)
def test_hand_in_mistakes_are_refused_with_a_reason(school, first, second, message) -> None:
    if first:
        handin(school, *first)
    with pytest.raises(PhoneDeskError, match=message):
        handin(school, *second)


def test_returning_a_phone_that_is_not_held_is_refused(school) -> None:
    with pytest.raises(PhoneDeskError, match="No phone"), school.sessions.begin() as session:
        return_phone(session, learner_id(school, "A1001"), day=DAY, at=NOW, by=StaffRef("S05"))


def test_confiscations_escalate_and_the_third_waits_for_a_parent(school) -> None:
    holds = []
    for n in range(3):
        with school.sessions.begin() as session:
            holds.append(
                confiscate(
                    session,
                    learner_id(school, "A1001"),
                    day=DAY + timedelta(days=7 * n),
                    at=NOW + timedelta(days=7 * n),
                    slot=f"C{n}",
                    by=StaffRef("S04"),
                )
            )
    assert [o.hold for o in holds] == [Hold.END_OF_DAY, Hold.SECOND_DAY, Hold.PARENT_COLLECTS]
    assert holds[2].notify
    with pytest.raises(PhoneDeskError, match="parent"), school.sessions.begin() as session:
        return_phone(
            session,
            learner_id(school, "A1001"),
            day=DAY + timedelta(days=20),
            at=NOW + timedelta(days=20),
            by=StaffRef("S05"),
        )


def test_a_third_confiscation_tells_the_attendance_officer(school) -> None:
    from sqlalchemy import select

    from records.models import NotificationRecord

    for n in range(3):
        with school.sessions.begin() as session:
            confiscate(
                session,
                learner_id(school, "A1001"),
                day=DAY + timedelta(days=n),
                at=NOW + timedelta(days=n),
                slot="",
                by=StaffRef("S04"),
            )
    with school.sessions() as session:
        queued = session.scalars(select(NotificationRecord)).all()
    assert [n.role for n in queued] == ["attendance"]
