"""The append-only audit log: a chain sealed with the school's key, anchored outside the database.

What it guarantees, against someone who can write to the database but cannot read the key file:
- an edited, removed or reordered entry shows (each entry's hash covers the one before it);
- a chain recomputed without the key shows: entries are sealed with HMAC-SHA256 keyed by the
  key file (`records.keys`), and once one entry is sealed an unsealed one after it is a break;
- removing the newest entries shows, up to the last entry this station committed: after each
  commit that appended, the station writes the newest entry's id and hash to an anchor file
  beside the key (sealed too), and verify demands that entry be in the log with that hash.
  A file outside the database survives a DELETE that a row in the database would not. A
  missing anchor beside a log that has entries is itself a break, and the kiosk never makes
  one anew over such a log (only for the first entry of an empty log, at `kiosk db upgrade`
  of a log kept before the key, or by `kiosk audit reset-anchor`); nor does it move an anchor
  whose entries the log no longer holds as it remembers them. What it
  cannot see: entries committed after the last anchor write (the anchor is moved on a thread
  of its own a moment after the commit, `records.audit_anchor`: a power cut in that moment
  loses at most the entries committed in it from the guarantee), and,
  with several stations on one PostgreSQL database, entries written by other stations after
  this station's own last append (each station's anchor vouches for the chain up to its own;
  a station added to a database that already has entries starts its anchor with
  `kiosk audit reset-anchor`). The anchor is beside the key, so keep the key out of the
  database's folder (`kiosk check` warns): a copy or restore of that folder would carry both.
- the database refuses UPDATE and DELETE on audit_log (triggers of migration 0002), so an
  application bug or a casual edit fails outright; dropping the trigger is what the three
  points above are for.

Entries written before the key existed (hashes of plain sha256, 64 hex digits) still verify;
the first sealed entry after them covers their last hash, so they are protected from then on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Index, event, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from records.audit_anchor import (
    AnchorUnfit,
    AuditAnchor,
    known_anchor,
    move_anchor,
    read_anchor,
    write_anchor,
)
from records.base import Base
from records.canonical import canonical_json, iso_utc
from records.keys import derive_key, session_anchor, session_key

log = logging.getLogger(__name__)

# The prev_hash of the first entry.
GENESIS_HASH = "0" * 64

# A sealed entry's hash is this prefix and the hex HMAC; an unsealed (older) one is bare hex.
SEALED_PREFIX = "hmac:"

# Session.info slot for the head an uncommitted append will leave, written to the anchor on commit.
_PENDING_ANCHOR = "records.audit_pending_anchor"
# Set when this transaction may make the anchor anew: the log was empty, or reset-anchor.
_ANCHOR_MAY_START = "records.audit_anchor_may_start"
_ANCHOR_WARNED = "records.audit_anchor_warned"

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
    """The first audit entry that does not match the chain, and why.

    `at` and `action` are None when the entry is not in the log at all (the anchor names an
    entry that was removed) or the anchor file itself is at fault (`id` None too).
    """

    id: int | None
    at: datetime | None
    action: str | None
    reason: str

    def __str__(self) -> str:
        if self.id is None:
            return f"audit anchor: {self.reason}"
        if self.at is None:
            return f"audit entry {self.id}: {self.reason}"
        return f"audit entry {self.id} ({self.action} at {self.at.isoformat()}): {self.reason}"


def entry_hash(
    prev_hash: str,
    *,
    at: datetime,
    actor_staff_id: str | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: str,
    key: bytes | None = None,
) -> str:
    """The hash of `prev_hash` followed by the canonical JSON of the entry's fields.

    With `key`: `hmac:` and the hex HMAC-SHA256 under the key's audit subkey (sealed). Without:
    the bare hex sha256 that entries written before the key existed carry. `detail` is the
    stored canonical JSON text, hashed as text: any change to it shows.
    """
    fields = {
        "at": iso_utc(at),
        "actor_staff_id": actor_staff_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": detail,
    }
    message = (prev_hash + canonical_json(fields)).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return SEALED_PREFIX + hmac.new(_chain_key(key), message, hashlib.sha256).hexdigest()


def _hash_of(entry: Any, key: bytes | None) -> str:
    """`entry_hash` of an entry's own fields: an `AuditRecord` being written, or a row read back."""
    return entry_hash(
        entry.prev_hash,
        at=entry.at,
        actor_staff_id=entry.actor_staff_id,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        detail=entry.detail,
        key=key,
    )


def is_sealed(entry_hash_text: str) -> bool:
    """Whether a stored hash was made with the key (not a bare sha256)."""
    return entry_hash_text.startswith(SEALED_PREFIX)


def append_audit(
    session: Session,
    *,
    at: datetime,
    actor_staff_id: str | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: Mapping[str, Any],
    new_anchor: bool = False,
) -> AuditRecord:
    """Add an entry chained to the last one, in the caller's transaction (flushed, not committed).

    Sealed with the key the session's database was opened with (`records.keys.session_key`;
    unsealed without one, as before the key existed). When the session also carries an anchor
    file, the new head is written there once the caller commits.

    The anchor only ever moves along the chain it names: it is written when the entry it
    names is still in the log with the hash it remembers. It is made anew only for the first
    entry of an empty log, or with `new_anchor` (`kiosk audit reset-anchor`, which records who
    and why in this entry): a deleted anchor file beside a log that has entries is a break,
    which the kiosk never papers over by writing a fresh one.

    Concurrent writers are serialised so two kiosks cannot both chain onto the same entry:
    on PostgreSQL by a transaction-scoped advisory lock taken here (held until the caller
    commits); on SQLite by the write lock that `make_engine` takes at BEGIN IMMEDIATE.
    """
    key = session_key(session)
    detail_text = canonical_json(dict(detail))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})
    # Flush first so an entry added earlier in this transaction is the one we chain onto.
    session.flush()
    last = session.execute(
        select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)
    ).first()
    prev_hash = last.hash if last is not None else GENESIS_HASH
    record = AuditRecord(
        at=at,
        actor_staff_id=actor_staff_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail_text,
        prev_hash=prev_hash,
    )
    record.hash = _hash_of(record, key)
    session.add(record)
    session.flush()
    path = session_anchor(session)
    if key is not None and path is not None:
        if last is None or new_anchor:
            session.info[_ANCHOR_MAY_START] = True
        if session.info.get(_ANCHOR_MAY_START):
            first = session.execute(
                select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id).limit(1)
            ).one()
            session.info[_PENDING_ANCHOR] = AuditAnchor(
                first.id, first.hash, record.id, record.hash
            )
        elif last is not None and (
            held := _earlier_in_this_transaction(session, (last.id, last.hash))
            or _anchor_still_holds(session, path, key, (last.id, last.hash))
        ):
            session.info[_PENDING_ANCHOR] = AuditAnchor(
                held.first_id, held.first_hash, record.id, record.hash
            )
    return record


def _earlier_in_this_transaction(session: Session, last: tuple[int, str]) -> AuditAnchor | None:
    """The anchor this transaction will move to, when the new entry chains onto the entry it
    appended just before (a screening and an admission in one commit): checked then already."""
    pending = session.info.get(_PENDING_ANCHOR)
    if isinstance(pending, AuditAnchor) and (pending.head_id, pending.head_hash) == last:
        return pending
    return None


def _anchor_still_holds(
    session: Session, path: Path, key: bytes, last: tuple[int, str]
) -> AuditAnchor | None:
    """The anchor, when it names entries still in the log as it remembers them, so moving it
    to the new head keeps its word; `last` is the entry the new one chains onto. A missing or
    contradicted anchor stays as it is (None): the evidence for `kiosk audit verify`, until
    `kiosk audit reset-anchor`."""
    anchored = known_anchor(path, key)
    if isinstance(anchored, AuditAnchor) and (anchored.head_id, anchored.head_hash) == last:
        # This station's own last head is the newest entry, as remembered: nothing has been
        # removed after it, and the oldest entry it names is carried forward unchanged (a gap
        # there is for verify to find, which moving the head does not hide).
        return anchored
    if isinstance(anchored, AuditAnchor):
        ends = session.execute(
            select(AuditRecord.id, AuditRecord.hash).where(
                AuditRecord.id.in_((anchored.first_id, anchored.head_id))
            )
        ).all()
        found = {row.id: row.hash for row in ends}
        if (
            found.get(anchored.first_id) == anchored.first_hash
            and found.get(anchored.head_id) == anchored.head_hash
        ):
            return anchored
        problem = "names entries the log no longer holds as it remembers them"
    elif anchored is None:
        problem = "is missing while the log has entries"
    else:
        problem = anchored.reason
    if not session.info.get(_ANCHOR_WARNED):
        session.info[_ANCHOR_WARNED] = True
        log.error(
            "the audit anchor %s %s: not moved; run `kiosk audit verify`, and "
            "`kiosk audit reset-anchor --by --reason` once the office knows why",
            path,
            problem,
        )
    return None


def anchor_on_commit(sessions: sessionmaker[Session]) -> None:
    """Make the sessions of `sessions` write the audit anchor after a commit that appended.

    After the commit, not before: an anchor must never name an entry that was rolled back.
    A rollback (of the transaction or of a savepoint) forgets the pending head; the anchor
    then stays behind, which never gives a false alarm.
    """

    def _after_commit(session: Session) -> None:
        pending = session.info.pop(_PENDING_ANCHOR, None)
        may_start = bool(session.info.pop(_ANCHOR_MAY_START, False))
        session.info.pop(_ANCHOR_WARNED, None)
        key, path = session_key(session), session_anchor(session)
        if isinstance(pending, AuditAnchor) and key is not None and path is not None:
            move_anchor(path, key, pending, start=may_start)

    def _after_rollback(session: Session, previous_transaction: Any) -> None:
        for slot in (_PENDING_ANCHOR, _ANCHOR_MAY_START, _ANCHOR_WARNED):
            session.info.pop(slot, None)

    event.listen(sessions, "after_commit", _after_commit)
    event.listen(sessions, "after_soft_rollback", _after_rollback)


def anchor_unsealed_log(connection: Any, path: Path, key: bytes) -> AuditAnchor | None:
    """Anchor the log as it is when the school's key has just been made (`kiosk db upgrade`
    on a book kept before the key existed): its entries are not sealed, so there is nothing
    an anchor made now could hide. None, and nothing written, when the log is empty, holds a
    sealed entry (a lost anchor is then evidence) or an anchor is there already."""
    if path.exists():
        return None
    rows = connection.execute(
        select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id)
    ).all()
    if not rows or any(is_sealed(row.hash) for row in rows):
        return None
    anchor = AuditAnchor(rows[0].id, rows[0].hash, rows[-1].id, rows[-1].hash)
    write_anchor(path, key, anchor)
    return anchor


def verify_audit(
    session: Session,
    *,
    key: bytes | None = None,
    anchor: Path | None = None,
    chain_only: bool = False,
) -> AuditBreak | None:
    """Walk the chain from the first entry; the first entry that does not match, or None.

    `key` and `anchor` default to those the session's database was opened with. Catches an
    edited entry (its hash no longer matches its fields), a removed or reordered one (the next
    entry's prev_hash no longer matches), a sealed chain recomputed without the key (a hash
    that does not match under the key, or an unsealed entry after a sealed one), and, with an
    anchor file, removed newest entries (the anchored head is gone or differs). A sealed entry
    cannot be checked without the key: that is reported, never passed. `chain_only` leaves the
    anchor out (to re-anchor a log restored from a backup).
    """
    key = key if key is not None else session_key(session)
    anchor = None if chain_only else anchor if anchor is not None else session_anchor(session)
    # The anchor first, the rows after: an entry anchored meanwhile is then in what is read.
    anchored = read_anchor(anchor, key) if anchor is not None else None
    if isinstance(anchored, AnchorUnfit):
        return AuditBreak(None, None, None, anchored.reason)
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
    sealed_seen = False
    head_seen = False
    try:
        for row in rows:
            found = _check_entry(row, expected_prev, key=key, sealed_seen=sealed_seen)
            if found is None and anchored is not None:
                found = _check_against_anchor(row, anchored, first=expected_prev == GENESIS_HASH)
                head_seen = head_seen or row.id == anchored.head_id
            if found is not None:
                return found
            sealed_seen = sealed_seen or is_sealed(row.hash)
            expected_prev = row.hash
    finally:
        rows.close()
    if (
        anchored is None
        and anchor is not None
        and key is not None
        and expected_prev != GENESIS_HASH
    ):
        return AuditBreak(
            None,
            None,
            None,
            f"{anchor}: missing, while the log has entries: it was deleted (or the database "
            "was replaced), so what the log has lost cannot be ruled out; find out why, then "
            "`kiosk audit reset-anchor --by --reason` anchors the log as it is",
        )
    if anchored is not None and not head_seen:
        return AuditBreak(
            anchored.head_id,
            None,
            None,
            "is missing: the anchor kept beside the key names it as the newest entry this "
            "station wrote, so the newest entries were removed",
        )
    return None


def audit_entry_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def _check_entry(
    row: Any, expected_prev: str, *, key: bytes | None, sealed_seen: bool
) -> AuditBreak | None:
    if row.prev_hash != expected_prev:
        return AuditBreak(
            row.id,
            row.at,
            row.action,
            "does not follow the entry before it (an entry was removed or reordered)",
        )
    sealed = is_sealed(row.hash)
    if sealed and key is None:
        return AuditBreak(
            row.id,
            row.at,
            row.action,
            "is sealed with the school's key, which was not given: it cannot be checked",
        )
    if not sealed and sealed_seen:
        return AuditBreak(
            row.id,
            row.at,
            row.action,
            "is not sealed although entries before it are (the chain was recomputed without "
            "the key)",
        )
    computed = _hash_of(row, key if sealed else None)
    if not hmac.compare_digest(computed, row.hash):
        reason = "its content does not match its hash (edited)"
        if sealed:
            reason = "its content does not match its seal (edited, or sealed with another key)"
        return AuditBreak(row.id, row.at, row.action, reason)
    return None


def _check_against_anchor(row: Any, anchored: AuditAnchor, *, first: bool) -> AuditBreak | None:
    if first and row.id == anchored.first_id and row.hash != anchored.first_hash:
        return AuditBreak(
            row.id,
            row.at,
            row.action,
            "differs from the anchor kept beside the key (the chain was rewritten)",
        )
    if first and row.id != anchored.first_id:
        return AuditBreak(
            row.id,
            row.at,
            row.action,
            f"is not the first entry the anchor names ({anchored.first_id}): the oldest "
            "entries were removed, or the log was replaced",
        )
    if row.id == anchored.head_id and row.hash != anchored.head_hash:
        return AuditBreak(
            row.id,
            row.at,
            row.action,
            "differs from the anchor kept beside the key (the chain was rewritten)",
        )
    return None


def _chain_key(key: bytes) -> bytes:
    return derive_key(key, "audit-chain")
