"""Committed rows are in the database, not in a connection: they survive a restart."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from records.database import make_engine, make_sessionmaker
from records.models import BadgeRecord, SessionMarkRecord
from tests.records.recordbook import NOW, Book


def test_committed_rows_survive_closing_the_engine_and_opening_a_new_one(book: Book) -> None:
    with book.sessions.begin() as session:
        session.add(
            BadgeRecord(
                key="EM:000621A5",
                enrolled_as="0000401829",
                learner_id=book.learner_id,
                enrolled_at=NOW,
            )
        )
        session.add(
            SessionMarkRecord(
                learner_id=book.learner_id,
                date=date(2025, 3, 3),
                session="AM",
                code="L",
                minutes_late=7,
                arrived_at=NOW,
                admitted_at=NOW,
                updated_at=NOW,
            )
        )
    book.engine.dispose()

    engine = make_engine(book.url)
    try:
        with make_sessionmaker(engine)() as session:
            badge = session.scalars(select(BadgeRecord)).one()
            mark = session.scalars(select(SessionMarkRecord)).one()
            assert badge.learner is not None and badge.learner.mis_id == "A1001"
            assert (mark.code, mark.minutes_late, mark.admitted_at) == ("L", 7, NOW)
            assert mark.learner.forename == "Aoife"
    finally:
        engine.dispose()


def test_an_uncommitted_transaction_leaves_nothing(book: Book) -> None:
    with book.sessions() as session:
        session.add(
            BadgeRecord(key="UID:01", enrolled_as="01", learner_id=book.learner_id, enrolled_at=NOW)
        )
        session.flush()
    book.engine.dispose()
    with book.sessions() as session:
        assert session.scalars(select(BadgeRecord)).all() == []
