"""The demo school on a real database (SQLite and PostgreSQL), for the morning's use cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from kiosk.database import Book, open_book
from kiosk.demo import DEMO_LEARNERS, DEMO_STAFF
from kiosk.people.roster_import import import_learners, import_staff
from records.models import LearnerRecord

NOW = datetime(2026, 11, 23, 8, 45, tzinfo=UTC)


@pytest.fixture
def school(upgraded_db_url: str) -> Iterator[Book]:
    book = open_book(upgraded_db_url)
    with book.sessions.begin() as session:
        import_learners(session, DEMO_LEARNERS, today=NOW.date(), now=NOW)
        import_staff(session, DEMO_STAFF, today=NOW.date(), now=NOW)
    yield book
    book.close()


def learner_id(book: Book, mis_id: str) -> int:
    with book.sessions() as session:
        return session.scalars(select(LearnerRecord.id).where(LearnerRecord.mis_id == mis_id)).one()
