"""The database itself refuses what must never be stored, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from records.models import (
    BadgeRecord,
    FoundItemRecord,
    SearchRecord,
    SessionMarkRecord,
)
from tests.records.recordbook import NOW, Book


def _badge(key: str, *, learner_id: int | None = None, staff_id: int | None = None) -> BadgeRecord:
    return BadgeRecord(
        key=key, enrolled_as=key, learner_id=learner_id, staff_id=staff_id, enrolled_at=NOW
    )


def _mark(learner_id: int, *, session: str = "AM", code: str = "/") -> SessionMarkRecord:
    return SessionMarkRecord(
        learner_id=learner_id, date=date(2025, 3, 3), session=session, code=code, updated_at=NOW
    )


def _commit_fails(book: Book, *records: object) -> IntegrityError:
    with book.sessions() as session:
        session.add_all(records)
        with pytest.raises(IntegrityError) as caught:
            session.commit()
    return caught.value


def test_a_badge_key_belongs_to_one_owner_only(book: Book) -> None:
    with book.sessions.begin() as session:
        session.add(_badge("EM:000621A5", learner_id=book.learner_id))
    error = _commit_fails(book, _badge("EM:000621A5", staff_id=book.searcher_id))
    assert "uq_badges_key" in str(error) or "UNIQUE" in str(error)


def test_a_badge_with_no_owner_is_refused(book: Book) -> None:
    error = _commit_fails(book, _badge("UID:DEADBEEF"))
    assert "one_owner" in str(error) or "CHECK" in str(error)


def test_a_badge_with_two_owners_is_refused(book: Book) -> None:
    _commit_fails(
        book, _badge("UID:DEADBEEF", learner_id=book.learner_id, staff_id=book.searcher_id)
    )


def test_a_badge_for_a_learner_who_does_not_exist_is_refused(book: Book) -> None:
    _commit_fails(book, _badge("UID:DEADBEEF", learner_id=book.learner_id + 999))


def test_one_mark_per_learner_per_session(book: Book) -> None:
    with book.sessions.begin() as session:
        session.add(_mark(book.learner_id, session="AM"))
        session.add(_mark(book.learner_id, session="PM", code="\\"))
    _commit_fails(book, _mark(book.learner_id, session="AM", code="L"))


def test_a_mark_with_an_unknown_code_or_session_is_refused(book: Book) -> None:
    _commit_fails(book, _mark(book.learner_id, code="X"))
    _commit_fails(book, _mark(book.learner_id, session="EVE"))


def test_every_code_the_kiosk_writes_is_accepted(book: Book) -> None:
    with book.sessions.begin() as session:
        for number, code in enumerate(["/", "\\", "L", "U", "O", "N"]):
            mark = _mark(book.learner_id, code=code)
            mark.date = date(2025, 3, 3 + number)
            session.add(mark)
    with book.sessions() as session:
        stored = session.scalars(select(SessionMarkRecord.code).order_by("date")).all()
    assert stored == ["/", "\\", "L", "U", "O", "N"]


def _search(book: Book) -> SearchRecord:
    return SearchRecord(
        learner_id=book.learner_id,
        started_at=NOW,
        place="medical room",
        searcher_id=book.searcher_id,
        witness_id=book.witness_id,
        level="low",
        grounds="arch alarm, zone 3",
        sought="knife",
        same_sex_searcher=True,
        witness_present=True,
        exception_used=False,
        parent_informed=True,
        dsl_informed=False,
        recorded_by_id=book.searcher_id,
        created_at=NOW,
    )


def test_a_search_keeps_its_items_and_its_people(book: Book) -> None:
    with book.sessions.begin() as session:
        search = _search(book)
        search.items.append(
            FoundItemRecord(category="vape", description="blue vape", disposition="retained")
        )
        search.items.append(
            FoundItemRecord(category="lighter", description="lighter", disposition="disposed")
        )
        session.add(search)
        session.flush()
        search_id = search.id

    with book.sessions() as session:
        stored = session.get_one(SearchRecord, search_id)
        assert [i.category for i in stored.items] == ["vape", "lighter"]
        assert stored.searcher.staff_id == "S1"
        assert stored.witness is not None and stored.witness.staff_id == "S2"
        assert stored.learner.mis_id == "A1001"
        assert stored.items[0].handed_to == ""


def test_deleting_a_search_deletes_its_items_in_the_orm_and_in_the_database(book: Book) -> None:
    with book.sessions.begin() as session:
        for _ in range(2):
            search = _search(book)
            search.items.append(FoundItemRecord(category="c", description="d", disposition="x"))
            session.add(search)
    with book.sessions.begin() as session:
        first, second = session.scalars(select(SearchRecord).order_by(SearchRecord.id)).all()
        session.delete(first)
        session.flush()
        # Behind the ORM's back, as a retention job might.
        session.execute(delete(SearchRecord).where(SearchRecord.id == second.id))
    with book.sessions() as session:
        assert session.scalars(select(FoundItemRecord)).all() == []
