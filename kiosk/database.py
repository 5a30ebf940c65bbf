"""Opening the school's database named by the config, refusing one whose schema is behind."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from records.database import is_up_to_date, make_engine, make_sessionmaker


class DatabaseError(Exception):
    """The database cannot be used; the message says what to do."""


@dataclass
class Book:
    """An open database: the engine and the factory for one transaction per event."""

    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def open_book(url: str) -> Book:
    """Open the database at `url`, which must already be at the current schema."""
    try:
        current = is_up_to_date(url)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot open the database {_safe(url)}: {_first_line(exc)}") from None
    if not current:
        raise DatabaseError(
            f"the database {_safe(url)} is not at the current schema; run `kiosk db upgrade` first"
        )
    engine = make_engine(url)
    return Book(engine, make_sessionmaker(engine))


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
