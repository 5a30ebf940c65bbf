"""A SQLite kiosk database: durable settings on every connection, real transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text

from records.database import make_engine, make_sessionmaker, upgrade
from records.models import LearnerRecord
from tests.records.recordbook import NOW, open_book


@pytest.fixture
def sqlite_file(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "kiosk.db"
    upgrade(f"sqlite:///{path}")
    return f"sqlite:///{path}", path


def test_every_new_connection_has_wal_full_sync_foreign_keys_and_a_busy_timeout(
    sqlite_file: tuple[str, Path],
) -> None:
    engine = make_engine(sqlite_file[0])
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 5000
    finally:
        engine.dispose()


def test_a_transaction_takes_the_write_lock_at_begin(sqlite_file: tuple[str, Path]) -> None:
    url, path = sqlite_file
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            # Only a read, yet the transaction began IMMEDIATE: another writer must wait.
            session.scalars(select(LearnerRecord)).all()
            other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
    finally:
        engine.dispose()


def test_a_read_only_session_does_not_hold_up_writers(sqlite_file: tuple[str, Path]) -> None:
    url, path = sqlite_file
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine, read_only=True)() as session:
            session.scalars(select(LearnerRecord)).all()
            other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            finally:
                other.close()
    finally:
        engine.dispose()


def test_a_rollback_undoes_everything_since_begin(sqlite_file: tuple[str, Path]) -> None:
    book = open_book(sqlite_file[0])
    try:
        with book.sessions() as session:
            session.execute(text("UPDATE learners SET reg_group = 'gone'"))
            session.execute(text("CREATE TABLE scratch (x INTEGER)"))
            session.rollback()
        with book.sessions() as session:
            assert session.execute(text("SELECT reg_group FROM learners")).scalar_one() == ""
            tables = session.execute(text("SELECT name FROM sqlite_master")).scalars().all()
            assert "scratch" not in tables
    finally:
        book.engine.dispose()


def test_committed_rows_survive_closing_the_engine_and_reopening_the_file(
    sqlite_file: tuple[str, Path],
) -> None:
    url, _ = sqlite_file
    open_book(url).engine.dispose()

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            learner = session.scalars(select(LearnerRecord)).one()
    finally:
        engine.dispose()
    assert (learner.mis_id, learner.surname, learner.created_at) == ("A1001", "Ní Bhriain", NOW)


def test_values_stay_readable_after_commit(sqlite_file: tuple[str, Path]) -> None:
    book = open_book(sqlite_file[0])
    try:
        with book.sessions.begin() as session:
            learner = session.scalars(select(LearnerRecord)).one()
        # expire_on_commit=False: no reload (and no error) after the transaction ended.
        assert learner.forename == "Aoife"
    finally:
        book.engine.dispose()
