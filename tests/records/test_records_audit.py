"""The audit log is a hash chain: editing or removing a past entry is detected."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from records.audit import GENESIS_HASH, append_audit, entry_hash, verify_audit
from records.canonical import canonical_json
from records.models import AuditRecord
from tests.records.recordbook import NOW, Book


def _append(book: Book, count: int, start: int = 0) -> list[int]:
    ids = []
    with book.sessions.begin() as session:
        for n in range(start, start + count):
            entry = append_audit(
                session,
                at=NOW + timedelta(minutes=n),
                actor_staff_id="S1" if n % 2 else None,
                action=f"mark.recorded.{n}",
                entity="session_mark",
                entity_id=str(n),
                detail={"code": "L", "minutes_late": n, "name": "Ní Bhriain"},
            )
            ids.append(entry.id)
    return ids


def allow_tampering(book: Book) -> None:
    """Drop the append-only triggers, as anyone with full access to the database can."""
    with book.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_log_no_update_or_delete ON audit_log"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_an_empty_log_verifies(book: Book) -> None:
    with book.sessions() as session:
        assert verify_audit(session) is None


def test_appended_entries_chain_and_verify(book: Book) -> None:
    """R39: each act is an entry in the audit chain, naming who did it."""
    _append(book, 3)
    _append(book, 2, start=3)
    with book.sessions() as session:
        entries = session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        assert verify_audit(session) is None
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert len({e.hash for e in entries}) == 5


def test_detail_is_stored_as_canonical_json(book: Book) -> None:
    with book.sessions.begin() as session:
        entry = append_audit(
            session,
            at=NOW,
            actor_staff_id="S1",
            action="search.recorded",
            entity="search",
            entity_id="1",
            detail={"z": 1, "a": [NOW, "é"]},
        )
    assert entry.detail == '{"a":["2025-03-03T08:35:00.000000+00:00","é"],"z":1}'


def test_an_edited_detail_names_that_entry(book: Book) -> None:
    ids = _append(book, 4)
    allow_tampering(book)
    with book.sessions.begin() as session:
        session.execute(
            text("UPDATE audit_log SET detail = :d WHERE id = :id"),
            {"d": '{"code":"/","minutes_late":0,"name":"Ní Bhriain"}', "id": ids[1]},
        )
    with book.sessions() as session:
        found = verify_audit(session)
    assert found is not None
    assert (found.id, found.action, found.at) == (
        ids[1],
        "mark.recorded.1",
        NOW + timedelta(1 / 1440),
    )
    assert "edited" in found.reason
    assert str(ids[1]) in str(found)


def test_an_edit_is_caught_even_by_a_session_holding_the_old_row(book: Book) -> None:
    ids = _append(book, 2)
    allow_tampering(book)
    with book.sessions() as session:
        cached = session.get_one(AuditRecord, ids[0])
        session.execute(text("UPDATE audit_log SET action = 'x' WHERE id = :id"), {"id": ids[0]})
        assert cached.action == "mark.recorded.0"  # the identity map still has the old value
        found = verify_audit(session)
    assert found is not None
    assert (found.id, found.action) == (ids[0], "x")


def test_an_edited_time_is_caught(book: Book) -> None:
    ids = _append(book, 3)
    allow_tampering(book)
    with book.sessions.begin() as session:
        entry = session.get_one(AuditRecord, ids[2])
        entry.at = entry.at + timedelta(seconds=1)
    with book.sessions() as session:
        found = verify_audit(session)
    assert found is not None and found.id == ids[2]


def test_a_rehashed_edit_is_caught_at_the_next_entry(book: Book) -> None:
    ids = _append(book, 3)
    allow_tampering(book)
    with book.sessions.begin() as session:
        entry = session.get_one(AuditRecord, ids[0])
        entry.entity_id = "forged"
        entry.hash = entry_hash(
            entry.prev_hash,
            at=entry.at,
            actor_staff_id=entry.actor_staff_id,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            detail=entry.detail,
        )
    with book.sessions() as session:
        found = verify_audit(session)
    assert found is not None and found.id == ids[1]


def test_a_deleted_entry_is_caught(book: Book) -> None:
    ids = _append(book, 4)
    allow_tampering(book)
    with book.sessions.begin() as session:
        session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
    with book.sessions() as session:
        found = verify_audit(session)
    assert found is not None
    assert found.id == ids[2]
    assert "removed" in found.reason


def test_deleting_the_first_entry_is_caught(book: Book) -> None:
    ids = _append(book, 2)
    allow_tampering(book)
    with book.sessions.begin() as session:
        session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[0]})
    with book.sessions() as session:
        found = verify_audit(session)
    assert found is not None and found.id == ids[1]


def test_entries_appended_in_one_transaction_chain_onto_each_other(book: Book) -> None:
    ids = _append(book, 3)
    with book.sessions() as session:
        entries = [session.get_one(AuditRecord, i) for i in ids]
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash


def test_a_rolled_back_append_leaves_no_gap(book: Book) -> None:
    _append(book, 1)
    with book.sessions() as session:
        append_audit(
            session, at=NOW, actor_staff_id=None, action="x", entity="e", entity_id="1", detail={}
        )
        session.rollback()
    _append(book, 1, start=1)
    with book.sessions() as session:
        assert verify_audit(session) is None


def test_concurrent_writers_take_turns_and_keep_one_chain(book: Book) -> None:
    """Two kiosks appending at once: the second waits for the first to commit."""
    first_appended = threading.Event()
    release_first = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with book.sessions.begin() as session:
                append_audit(
                    session,
                    at=NOW,
                    actor_staff_id="S1",
                    action="first",
                    entity="e",
                    entity_id="1",
                    detail={},
                )
                first_appended.set()
                release_first.wait(10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_appended.set()

    def second() -> None:
        try:
            with book.sessions.begin() as session:
                append_audit(
                    session,
                    at=NOW,
                    actor_staff_id="S2",
                    action="second",
                    entity="e",
                    entity_id="2",
                    detail={},
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    one = threading.Thread(target=first)
    one.start()
    assert first_appended.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive(), "the second writer should wait for the first to commit"
    release_first.set()
    one.join(10)
    two.join(10)
    assert errors == []

    with book.sessions() as session:
        actions = session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
        assert actions == ["first", "second"]
        assert verify_audit(session) is None


def test_entry_hash_depends_on_every_field() -> None:
    fields = {
        "at": NOW,
        "actor_staff_id": "S1",
        "action": "a",
        "entity": "e",
        "entity_id": "1",
        "detail": "{}",
    }
    base = entry_hash(GENESIS_HASH, **fields)  # type: ignore[arg-type]
    assert base == entry_hash(GENESIS_HASH, **fields)  # type: ignore[arg-type]
    assert len(base) == 64
    assert entry_hash("1" * 64, **fields) != base  # type: ignore[arg-type]
    changes = {
        "at": NOW + timedelta(microseconds=1),
        "actor_staff_id": None,
        "action": "b",
        "entity": "f",
        "entity_id": "2",
        "detail": '{"a":1}',
    }
    for name, value in changes.items():
        assert entry_hash(GENESIS_HASH, **{**fields, name: value}) != base  # type: ignore[arg-type]


def test_entry_hash_uses_the_instant_not_the_zone() -> None:
    other_zone = NOW.astimezone(datetime.now(UTC).astimezone().tzinfo)
    common = {"actor_staff_id": None, "action": "a", "entity": "e", "entity_id": "1", "detail": ""}
    assert entry_hash("", at=NOW, **common) == entry_hash("", at=other_zone, **common)  # type: ignore[arg-type]


def test_a_naive_time_cannot_be_audited() -> None:
    with pytest.raises(ValueError, match="timezone"):
        canonical_json({"at": datetime(2025, 1, 1)})
