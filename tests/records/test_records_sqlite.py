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


def test_the_station_checkpoints_on_its_own_thread_never_inside_a_learners_commit(
    sqlite_file: tuple[str, Path],
) -> None:
    """SQLite's own checkpoint runs inside whichever commit takes the WAL past 1,000 pages:
    that learner waits while the whole file is written and synced. The station's commits
    leave the WAL alone, and its checkpointer folds it into the database file instead."""
    from kiosk.database import open_book as open_station_book

    url, path = sqlite_file
    wal = path.with_name(path.name + "-wal")
    book = open_station_book(url, station=True)
    assert book.checkpoints is not None
    book.checkpoints.stop()  # this test says when it runs
    try:
        with book.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE filler (page BLOB)")
        before = path.stat().st_size
        for _ in range(60):  # 60 commits of 100 pages each: well past 1,000 pages of WAL
            with book.engine.begin() as connection:
                connection.exec_driver_sql("INSERT INTO filler VALUES (zeroblob(4096 * 100))")
        assert wal.stat().st_size > 4096 * 1000, "no commit folded the WAL into the file"
        assert path.stat().st_size == before
        book.checkpoints.checkpoint()
        assert path.stat().st_size > before + 4096 * 6000 * 0.9
        with book.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM filler").scalar() == 60
    finally:
        book.close()


def test_other_programs_keep_sqlites_own_checkpoint(sqlite_file: tuple[str, Path]) -> None:
    from kiosk.database import open_book as open_plain_book

    book = open_plain_book(sqlite_file[0])
    try:
        assert book.checkpoints is None
        with book.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    finally:
        book.close()


def test_a_screens_read_does_not_wait_for_another_programs_write_lock(
    sqlite_file: tuple[str, Path],
) -> None:
    """The staff screens, exports and the fire roll read through `Book.reads`: a backup or an
    import holding the write lock (or the door's own writer) does not hold them up, and a long
    read (the hub's roll) does not hold up the door's writes."""
    from kiosk.database import open_book as open_kiosk_book

    url, path = sqlite_file
    book = open_kiosk_book(url)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE learners SET reg_group = reg_group")
        with book.reads() as session:
            assert session.scalars(select(LearnerRecord)).all() == []
            # ...and while this read is open, another program can still write.
            other.execute("COMMIT")
            other.execute("BEGIN IMMEDIATE")
        other.execute("COMMIT")
    finally:
        other.close()
        book.close()
