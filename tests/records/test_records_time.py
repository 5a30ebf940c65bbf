"""Times go in aware and come out aware, as UTC, on both databases; naive ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from records.base import NaiveDatetimeError
from records.models import NotificationRecord
from tests.records.recordbook import NOW, Book


def _note(created_at: datetime) -> NotificationRecord:
    return NotificationRecord(created_at=created_at, role="attendance", subject="s", body="b")


def test_an_aware_time_comes_back_aware_in_utc_and_equal(book: Book) -> None:
    # 08:35:00.123456 in London summer time is 07:35:00.123456 UTC.
    written = datetime(2025, 6, 2, 8, 35, 0, 123456, tzinfo=ZoneInfo("Europe/London"))
    with book.sessions.begin() as session:
        note = _note(written)
        session.add(note)
        session.flush()
        note_id = note.id

    with book.sessions() as session:
        read = session.get_one(NotificationRecord, note_id).created_at

    assert read == written
    assert read.tzinfo is UTC
    assert read == datetime(2025, 6, 2, 7, 35, 0, 123456, tzinfo=UTC)


def test_a_time_with_an_odd_offset_is_the_same_instant_after_the_round_trip(book: Book) -> None:
    written = datetime(2025, 1, 1, 0, 10, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    with book.sessions.begin() as session:
        session.add(_note(written))
    with book.sessions() as session:
        read = session.scalars(select(NotificationRecord.created_at)).one()
    assert read == written
    assert read.utcoffset() == timedelta(0)
    assert read.date().isoformat() == "2024-12-31"


def test_a_naive_time_is_refused(book: Book) -> None:
    with book.sessions() as session:
        session.add(_note(datetime(2025, 3, 3, 8, 35)))
        with pytest.raises(StatementError) as caught:
            session.flush()
    assert isinstance(caught.value.orig, NaiveDatetimeError)
    assert "naive" in str(caught.value.orig)


def test_a_naive_time_is_refused_in_a_query_too(book: Book) -> None:
    with book.sessions() as session, pytest.raises(StatementError):
        session.scalars(
            select(NotificationRecord).where(
                NotificationRecord.created_at < datetime(2025, 3, 3, 8, 35)
            )
        ).all()


def test_comparisons_use_the_instant_not_the_wall_clock(book: Book) -> None:
    with book.sessions.begin() as session:
        session.add(_note(NOW))
    an_hour_ahead_zone = NOW.astimezone(timezone(timedelta(hours=1)))
    with book.sessions() as session:
        same = session.scalars(
            select(NotificationRecord).where(NotificationRecord.created_at == an_hour_ahead_zone)
        ).all()
        later = session.scalars(
            select(NotificationRecord).where(
                NotificationRecord.created_at > an_hour_ahead_zone - timedelta(seconds=1)
            )
        ).all()
    assert len(same) == 1
    assert len(later) == 1
