"""Signing on: the PIN, the lockout after five wrong tries, and who is on duty."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kiosk.people.duty import Duty, sign_on
from kiosk.people.pins import set_pin
from records.models import AuditRecord, StaffRecord
from tests.morning.conftest import NOW


def staff_record_id(book, staff_id: str) -> int:
    with book.sessions.begin() as session:
        record = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == staff_id)).one()
        set_pin(session, staff_id, "2468", now=NOW)
        return record.id


def test_the_right_pin_signs_on_and_names_the_member_of_staff(school) -> None:
    result = sign_on(school.sessions, staff_record_id(school, "S01"), "2468", at=NOW)
    assert result.accepted and result.member is not None
    assert result.member.name == "Aisha Khan" and result.member.may_search


def test_five_wrong_pins_lock_the_badge_for_five_minutes_and_are_recorded(school) -> None:
    who = staff_record_id(school, "S02")
    messages = [sign_on(school.sessions, who, "0000", at=NOW).message for _ in range(5)]
    assert messages[0] == "Wrong PIN. 4 tries left."
    assert "locked" in messages[4]
    assert not sign_on(school.sessions, who, "2468", at=NOW + timedelta(minutes=4)).accepted
    assert sign_on(school.sessions, who, "2468", at=NOW + timedelta(minutes=5, seconds=1)).accepted
    with school.sessions() as session:
        actions = session.scalars(select(AuditRecord.action)).all()
    assert "staff.pin_lockout" in actions


def test_duty_keeps_each_member_once_in_sign_on_order(school) -> None:
    aisha = sign_on(school.sessions, staff_record_id(school, "S01"), "2468", at=NOW).member
    dan = sign_on(school.sessions, staff_record_id(school, "S02"), "2468", at=NOW).member
    assert aisha and dan
    duty = Duty().signed_on(aisha).signed_on(dan).signed_on(aisha)
    assert duty.staff_ids == ("S02", "S01")
    assert duty.signed_off("S02").staff_ids == ("S01",)
