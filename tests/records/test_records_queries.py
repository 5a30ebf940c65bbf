"""The shared lookups: badge owners, who is on roll, the marks of a session."""

from __future__ import annotations

from datetime import date

from records.models import BadgeRecord, LearnerRecord, SessionMarkRecord
from records.queries import (
    find_badge_owner,
    learner_by_mis_id,
    learners_on_roll,
    marks_for,
    staff_by_staff_id,
)
from tests.records.recordbook import NOW, Book


def test_a_card_is_found_by_any_of_its_keys(book: Book) -> None:
    with book.sessions.begin() as session:
        for key in ("EM:000621A5", "EM10:0000401829"):
            session.add(
                BadgeRecord(
                    key=key, enrolled_as="0C000621A5", staff_id=book.searcher_id, enrolled_at=NOW
                )
            )
    with book.sessions() as session:
        owner = find_badge_owner(session, ["UID:FFFF", "EM10:0000401829"])
        assert owner is not None and owner.staff is not None
        assert owner.staff.staff_id == "S1"
        assert find_badge_owner(session, ["UID:FFFF"]) is None
        assert find_badge_owner(session, []) is None


def _learner(
    mis_id: str, surname: str, forename: str, left_on: date | None = None
) -> LearnerRecord:
    return LearnerRecord(
        mis_id=mis_id,
        surname=surname,
        forename=forename,
        left_on=left_on,
        created_at=NOW,
        updated_at=NOW,
    )


def test_learners_on_roll_leave_out_those_who_have_left_in_name_order(book: Book) -> None:
    with book.sessions.begin() as session:
        session.add_all(
            [
                _learner("B1", "Adams", "Zed"),
                _learner("B2", "Adams", "Amy"),
                _learner("B3", "Zhou", "Li", left_on=date(2025, 3, 4)),
                _learner("B4", "Brown", "Old", left_on=date(2025, 3, 3)),
            ]
        )
    with book.sessions() as session:
        on_the_third = [learner.mis_id for learner in learners_on_roll(session, date(2025, 3, 3))]
        on_the_fourth = [learner.mis_id for learner in learners_on_roll(session, date(2025, 3, 4))]
    assert on_the_third == ["B2", "B1", "A1001", "B3"]
    assert on_the_fourth == ["B2", "B1", "A1001"]


def test_marks_for_gives_one_session_by_learner(book: Book) -> None:
    with book.sessions.begin() as session:
        for day, name, code in [
            (date(2025, 3, 3), "AM", "/"),
            (date(2025, 3, 3), "PM", "L"),
            (date(2025, 3, 4), "AM", "U"),
        ]:
            session.add(
                SessionMarkRecord(
                    learner_id=book.learner_id, date=day, session=name, code=code, updated_at=NOW
                )
            )
    with book.sessions() as session:
        marks = marks_for(session, date(2025, 3, 3), "PM")
        assert {k: m.code for k, m in marks.items()} == {book.learner_id: "L"}
        assert marks_for(session, date(2025, 3, 5), "AM") == {}


def test_people_are_found_by_their_school_ids(book: Book) -> None:
    with book.sessions() as session:
        learner = learner_by_mis_id(session, "A1001")
        staff = staff_by_staff_id(session, "S2")
        assert learner is not None and learner.id == book.learner_id
        assert staff is not None and staff.id == book.witness_id
        assert learner_by_mis_id(session, "nope") is None
