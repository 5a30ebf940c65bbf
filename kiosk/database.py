"""Opening the school's database named by the config, refusing one whose schema is behind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.config import DatabaseConfig
from records.audit_anchor import wait_for_anchors
from records.database import (
    WalCheckpointer,
    is_sqlite,
    is_up_to_date,
    make_engine,
    make_sessionmaker,
)
from records.keys import KeyFileError, anchor_path, load_key


class DatabaseError(Exception):
    """The database cannot be used; the message says what to do."""


@dataclass
class Book:
    """An open database: the engine and the factory for one transaction per event."""

    engine: Engine
    sessions: sessionmaker[Session]
    # For reads on the UI thread: SQLite's write lock is not taken, so a screen never waits
    # behind the writer's commit or another program's lock.
    reads: sessionmaker[Session]
    checkpoints: WalCheckpointer | None = None

    def close(self) -> None:
        wait_for_anchors()  # the audit anchor names every entry this book committed
        if self.checkpoints is not None:
            self.checkpoints.stop()
            self.checkpoints = None
        self.engine.dispose()


def open_book(url: str, key_file: Path | None = None, *, station: bool = False) -> Book:
    """Open the database at `url`, which must already be at the current schema.

    With `key_file` (the school's key, made by `kiosk db upgrade`) every session seals its
    audit entries and keys its PINs with it, and the audit anchor beside it is kept current.
    A `station` (the kiosk at the door) checkpoints SQLite's WAL on a thread of its own, never
    inside a learner's commit.
    """
    key = None
    if key_file is not None:
        try:
            key = load_key(key_file)
        except KeyFileError as exc:
            raise DatabaseError(f"[database] key_file: {exc}") from None
    try:
        current = is_up_to_date(url)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot open the database {_safe(url)}: {_first_line(exc)}") from None
    if not current:
        raise DatabaseError(
            f"the database {_safe(url)} is not at the current schema; run `kiosk db upgrade` first"
        )
    background = station and is_sqlite(url)
    engine = make_engine(url, checkpoint_on_commit=not background)
    anchor = anchor_path(key_file) if key_file is not None else None
    book = Book(
        engine,
        make_sessionmaker(engine, key=key, audit_anchor=anchor),
        make_sessionmaker(engine, key=key, read_only=True),
    )
    if background:
        book.checkpoints = WalCheckpointer(engine)
        book.checkpoints.start()
    return book


def open_school_book(database: DatabaseConfig, *, station: bool = False) -> Book:
    """The school's database as the config names it, opened with the school's key."""
    return open_book(database.url, database.key_path, station=station)


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__
