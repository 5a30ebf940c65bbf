"""The declarative base, the constraint naming convention and the UTC-only datetime column type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, MetaData, String, event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Every constraint gets a predictable name: alembic's batch mode (SQLite) can only drop or
# alter a constraint it can name, and PostgreSQL error messages then say which rule was broken.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class NaiveDatetimeError(ValueError):
    """A datetime without a timezone was about to be stored."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC: refuses naive datetimes, always gives back aware UTC ones.

    PostgreSQL keeps the instant (timestamptz); SQLite keeps text without an offset, so the
    value is converted to UTC before it is written and labelled UTC when it is read back.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(
                f"refusing to store the naive datetime {value.isoformat()}: "
                "give it a timezone (times are stored as UTC)"
            )
        in_utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite's DATETIME text format has no offset; UTC is implied by this type.
            return in_utc.replace(tzinfo=None)
        return in_utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """The base of every `...Record` class; its metadata is what alembic migrates."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        # No length: VARCHAR(n) would reject on PostgreSQL what SQLite accepts (long names).
        str: String(),
        datetime: UTCDateTime(),
    }


@event.listens_for(Base, "init", propagate=True)
def _apply_scalar_defaults(target: Base, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Give a new object its column defaults at construction, not only at INSERT.

    Without this `SessionMarkRecord(...).minutes_late` reads None until the row is flushed,
    which surprises code that builds a record and inspects it in the same transaction.
    """
    for attr in target.__mapper__.column_attrs:
        if attr.key in kwargs:
            continue
        column = attr.columns[0]
        default = getattr(column, "default", None)
        if default is not None and getattr(default, "is_scalar", False):
            setattr(target, attr.key, default.arg)
