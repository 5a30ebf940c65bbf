"""The append-only audit log, hash-chained so that an edited or removed past entry shows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Index, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from records.base import Base

# The prev_hash of the first entry.
GENESIS_HASH = "0" * 64

# Key of the PostgreSQL advisory lock that serialises appends from several kiosks; any
# constant works as long as every writer uses the same one. (ASCII "kioskaud".)
_APPEND_LOCK_KEY = 0x6B696F736B617564


class AuditRecord(Base):
    """One entry of the audit log; never updated or deleted by the application."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    # The staff_id string, not a foreign key: the log stays readable when staff rows change.
    actor_staff_id: Mapped[str | None]
    action: Mapped[str]
    entity: Mapped[str]
    entity_id: Mapped[str]
    # Canonical JSON (see `canonical_json`); the hash covers this exact text.
    detail: Mapped[str]
    prev_hash: Mapped[str]
    hash: Mapped[str]

    def __repr__(self) -> str:
        return f"<AuditRecord {self.id} {self.action!r} {self.entity}:{self.entity_id}>"


@dataclass(frozen=True)
class AuditBreak:
    """The first audit entry that does not match the chain, and why."""

    id: int
    at: datetime
    action: str
    reason: str

    def __str__(self) -> str:
        return f"audit entry {self.id} ({self.action} at {self.at.isoformat()}): {self.reason}"


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces, so equal values always give equal text."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit log: {value!r}")


def _iso_utc(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"audit times must be timezone-aware, got {at.isoformat()}")
    # Microseconds always: both databases keep them, and the text must not depend on the value.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str,
    *,
    at: datetime,
    actor_staff_id: str | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: str,
) -> str:
    """The sha256 (hex) of `prev_hash` followed by the canonical JSON of the entry's fields.

    `detail` is the stored canonical JSON text, hashed as text: any change to it shows.
    """
    fields = {
        "at": _iso_utc(at),
        "actor_staff_id": actor_staff_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": detail,
    }
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def append_audit(
    session: Session,
    *,
    at: datetime,
    actor_staff_id: str | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: Mapping[str, Any],
) -> AuditRecord:
    """Add an entry chained to the last one, in the caller's transaction (flushed, not committed).

    Concurrent writers are serialised so two kiosks cannot both chain onto the same entry:
    on PostgreSQL by a transaction-scoped advisory lock taken here (held until the caller
    commits); on SQLite by the write lock that `make_engine` takes at BEGIN IMMEDIATE.
    """
    detail_text = canonical_json(dict(detail))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})
    # Flush first so an entry added earlier in this transaction is the one we chain onto.
    session.flush()
    last = session.scalars(
        select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)
    ).first()
    prev_hash = last if last is not None else GENESIS_HASH
    record = AuditRecord(
        at=at,
        actor_staff_id=actor_staff_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail_text,
        prev_hash=prev_hash,
        hash=entry_hash(
            prev_hash,
            at=at,
            actor_staff_id=actor_staff_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail_text,
        ),
    )
    session.add(record)
    session.flush()
    return record


def verify_audit(session: Session) -> AuditBreak | None:
    """Walk the chain from the first entry; the first entry that does not match, or None.

    Catches an edited entry (its hash no longer matches its fields) and a removed or reordered
    one (the next entry's prev_hash no longer matches). Removing only the newest entries cannot
    be seen from the chain itself; compare the head hash with one kept elsewhere for that.
    """
    # Plain columns, not ORM objects: the identity map must not hide what is really stored.
    rows = session.execute(
        select(
            AuditRecord.id,
            AuditRecord.at,
            AuditRecord.actor_staff_id,
            AuditRecord.action,
            AuditRecord.entity,
            AuditRecord.entity_id,
            AuditRecord.detail,
            AuditRecord.prev_hash,
            AuditRecord.hash,
        )
        .order_by(AuditRecord.id)
        .execution_options(yield_per=1000)
    )
    expected_prev = GENESIS_HASH
    for row in rows:
        if row.prev_hash != expected_prev:
            rows.close()
            return AuditBreak(
                row.id,
                row.at,
                row.action,
                "does not follow the entry before it (an entry was removed or reordered)",
            )
        computed = entry_hash(
            row.prev_hash,
            at=row.at,
            actor_staff_id=row.actor_staff_id,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            detail=row.detail,
        )
        if computed != row.hash:
            rows.close()
            return AuditBreak(
                row.id, row.at, row.action, "its content does not match its hash (edited)"
            )
        expected_prev = row.hash
    return None
