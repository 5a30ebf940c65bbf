"""The register is evidence: marks are in the sealed chain, the chain is keyed and anchored, and
the database refuses to change or remove an audit entry."""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from records.audit import append_audit, entry_hash, verify_audit
from records.audit_anchor import AuditAnchor, read_anchor, wait_for_anchors
from records.database import make_sessionmaker, upgrade
from records.keys import KeyFileError, anchor_path, load_key, load_or_create_key
from records.models import AuditRecord, SessionMarkRecord
from records.register import audit_mark, verify_register
from tests.records.recordbook import NOW, Book

OTHER_KEY = bytes(range(32))


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "kiosk.key"
    load_or_create_key(path)
    return path


@pytest.fixture
def sealed(book: Book, key_file: Path) -> sessionmaker[Session]:
    """Sessions on the book as a keyed kiosk opens them: sealed and anchored."""
    return make_sessionmaker(
        book.engine, key=load_key(key_file), audit_anchor=anchor_path(key_file)
    )


def allow_tampering(book: Book) -> None:
    """Drop the append-only triggers, as anyone with full access to the database can."""
    with book.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_log_no_update_or_delete ON audit_log"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def admit(sessions: sessionmaker[Session], book: Book, day: date, code: str = "U") -> int:
    """A mark written the way the door writes one: the row, then its audit entry."""
    with sessions.begin() as session:
        mark = SessionMarkRecord(
            learner_id=book.learner_id,
            date=day,
            session="AM",
            code=code,
            minutes_late=35 if code == "U" else 0,
            comment="",
            arrived_at=NOW,
            admitted_at=NOW + timedelta(minutes=1),
            updated_at=NOW,
        )
        session.add(mark)
        audit_mark(session, mark, at=NOW, actor_staff_id="S1", action="learner.admitted")
        return mark.id


def entries(sessions: sessionmaker[Session], count: int) -> list[int]:
    """`count` entries appended in one transaction, and the anchor moved (a tamperer acts after
    the door's thread has written it)."""
    with sessions.begin() as session:
        ids = [
            append_audit(
                session,
                at=NOW + timedelta(minutes=n),
                actor_staff_id="S1",
                action=f"badge.read.{n}",
                entity="badges",
                entity_id=str(n),
                detail={"n": n},
            ).id
            for n in range(count)
        ]
    wait_for_anchors()
    return ids


# --- marks are part of what is verified --------------------------------------------------------


def test_a_mark_changed_from_u_to_present_in_the_database_is_reported(
    book: Book, sealed: sessionmaker[Session]
) -> None:
    mark_id = admit(sealed, book, NOW.date())
    with sealed() as session:
        assert verify_register(session).intact
    with book.engine.begin() as connection:
        connection.execute(
            text("UPDATE session_marks SET code = '/', minutes_late = 0 WHERE id = :id"),
            {"id": mark_id},
        )

    with sealed() as session:
        assert verify_audit(session) is None  # the chain itself is untouched
        check = verify_register(session)

    assert not check.intact
    (problem,) = check.problems
    assert problem.mark_id == mark_id
    assert "code '/' in the register, 'U' in the log" in str(problem)


def test_a_deleted_mark_row_is_reported(book: Book, sealed: sessionmaker[Session]) -> None:
    kept = admit(sealed, book, NOW.date())
    gone = admit(sealed, book, NOW.date() + timedelta(days=1))
    with book.engine.begin() as connection:
        connection.execute(text("DELETE FROM session_marks WHERE id = :id"), {"id": gone})

    with sealed() as session:
        check = verify_register(session)

    assert [p.mark_id for p in check.problems] == [gone]
    assert "gone from the register" in check.problems[0].reason
    assert kept != gone


def test_a_mark_written_behind_the_kiosks_back_is_reported(
    book: Book, sealed: sessionmaker[Session]
) -> None:
    admit(sealed, book, NOW.date())
    with book.sessions.begin() as session:
        forged = SessionMarkRecord(
            learner_id=book.learner_id,
            date=NOW.date() - timedelta(days=7),
            session="AM",
            code="/",
            updated_at=NOW,
        )
        session.add(forged)
        session.flush()
        forged_id = forged.id

    with sealed() as session:
        check = verify_register(session)

    assert [p.mark_id for p in check.problems] == [forged_id]
    assert "has no audit entry" in check.problems[0].reason


def test_the_short_entries_of_the_current_door_code_still_catch_a_changed_code(
    book: Book,
) -> None:
    """Entries carrying only learner, code and minutes late (what admissions write today)."""
    with book.sessions.begin() as session:
        mark = SessionMarkRecord(
            learner_id=book.learner_id, date=NOW.date(), session="AM", code="U", updated_at=NOW
        )
        mark.minutes_late = 35
        session.add(mark)
        session.flush()
        append_audit(
            session,
            at=NOW,
            actor_staff_id="S1",
            action="learner.admitted",
            entity="session_marks",
            entity_id=str(mark.id),
            detail={"learner": "A1001", "code": "U", "minutes_late": 35},
        )
    with book.sessions() as session:
        assert verify_register(session).intact
    with book.engine.begin() as connection:
        connection.execute(text("UPDATE session_marks SET code = '/', minutes_late = 0"))

    with book.sessions() as session:
        assert not verify_register(session).intact


# --- the chain is keyed --------------------------------------------------------------------------


def test_a_chain_recomputed_without_the_key_is_reported(
    book: Book, sealed: sessionmaker[Session], key_file: Path
) -> None:
    ids = entries(sealed, 3)
    allow_tampering(book)
    # Someone with the database but not the key file edits the first entry and rehashes the
    # whole chain after it, as the old unkeyed log allowed.
    with book.sessions.begin() as session:
        prev = "0" * 64
        for record in session.query(AuditRecord).order_by(AuditRecord.id):
            if record.id == ids[0]:
                record.detail = '{"n":99}'
            record.prev_hash = prev
            record.hash = entry_hash(
                prev,
                at=record.at,
                actor_staff_id=record.actor_staff_id,
                action=record.action,
                entity=record.entity,
                entity_id=record.entity_id,
                detail=record.detail,
            )
            prev = record.hash

    # The anchor beside the key names hashes only the key could have made.
    with book.sessions() as session:
        found = verify_audit(session, key=load_key(key_file), anchor=anchor_path(key_file))
    assert found is not None
    assert "rewritten" in found.reason


def test_a_chain_resealed_with_another_key_is_reported(
    book: Book, sealed: sessionmaker[Session], key_file: Path
) -> None:
    ids = entries(sealed, 2)
    allow_tampering(book)
    with book.sessions.begin() as session:
        record = session.get_one(AuditRecord, ids[1])
        record.detail = '{"n":42}'
        record.hash = entry_hash(
            record.prev_hash,
            at=record.at,
            actor_staff_id=record.actor_staff_id,
            action=record.action,
            entity=record.entity,
            entity_id=record.entity_id,
            detail=record.detail,
            key=OTHER_KEY,
        )

    with sealed() as session:
        found = verify_audit(session)
    assert found is not None and found.id == ids[1]
    assert "another key" in found.reason


def test_a_sealed_entry_is_never_passed_without_the_key(
    book: Book, sealed: sessionmaker[Session]
) -> None:
    entries(sealed, 1)
    with book.sessions() as session:  # opened without the key
        found = verify_audit(session)
    assert found is not None
    assert "cannot be checked" in found.reason


def test_entries_from_before_the_key_still_verify_and_are_covered_by_the_sealed_ones(
    book: Book, tmp_path: Path
) -> None:
    old = entries(book.sessions, 2)  # before the key existed
    key_file = tmp_path / "new-keys" / "kiosk.key"
    upgrade(book.url, key_file=key_file)  # `kiosk db upgrade` makes the key, and anchors
    sealed = make_sessionmaker(
        book.engine, key=load_key(key_file), audit_anchor=anchor_path(key_file)
    )
    entries(sealed, 2)
    with sealed() as session:
        assert verify_audit(session) is None

    allow_tampering(book)
    with book.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": old[0]})
    with sealed() as session:
        found = verify_audit(session)
    assert found is not None and found.id == old[1]


def test_an_unsealed_entry_after_sealed_ones_is_reported(
    book: Book, sealed: sessionmaker[Session]
) -> None:
    entries(sealed, 2)
    (late,) = entries(book.sessions, 1)  # a writer without the key
    with sealed() as session:
        found = verify_audit(session)
    assert found is not None and found.id == late
    assert "not sealed" in found.reason


# --- the newest entries are anchored outside the database ---------------------------------------


def test_deleting_the_newest_audit_entries_is_reported(
    book: Book, sealed: sessionmaker[Session], key_file: Path
) -> None:
    ids = entries(sealed, 5)
    with sealed() as session:
        assert verify_audit(session) is None
    allow_tampering(book)
    with book.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": ids[3]})

    with sealed() as session:
        found = verify_audit(session)

    assert found is not None
    assert found.id == ids[4]
    assert "newest entries were removed" in found.reason


def test_the_anchor_is_written_only_after_the_commit(
    book: Book, sealed: sessionmaker[Session], key_file: Path
) -> None:
    (first,) = entries(sealed, 1)
    before = anchor_path(key_file).read_text()
    with sealed() as session:
        append_audit(
            session, at=NOW, actor_staff_id=None, action="x", entity="e", entity_id="1", detail={}
        )
        session.rollback()
    assert anchor_path(key_file).read_text() == before
    with sealed() as session:
        assert verify_audit(session) is None
    assert f'"head_id":{first}' in before
    assert stat.S_IMODE(anchor_path(key_file).stat().st_mode) == 0o600


def test_after_a_burst_of_commits_the_anchor_names_the_newest_entry(
    sealed: sessionmaker[Session], key_file: Path
) -> None:
    """The anchor is moved off the committing thread, the newest head once for many commits:
    whoever reads it next (verify, a tamperer's check) finds the last committed entry named."""
    for n in range(40):  # forty taps, each its own transaction
        with sealed.begin() as session:
            newest = append_audit(
                session, at=NOW, actor_staff_id=None, action="t", entity="e", entity_id=str(n),
                detail={},
            ).id  # fmt: skip

    anchored = read_anchor(anchor_path(key_file), load_key(key_file))

    assert isinstance(anchored, AuditAnchor) and anchored.head_id == newest
    with sealed() as session:
        assert verify_audit(session) is None


def test_an_edited_anchor_is_reported(
    book: Book, sealed: sessionmaker[Session], key_file: Path
) -> None:
    ids = entries(sealed, 3)
    allow_tampering(book)
    with book.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[2]})
    anchor = anchor_path(key_file)
    anchor.write_text(anchor.read_text().replace(f'"head_id":{ids[2]}', f'"head_id":{ids[1]}'))

    with sealed() as session:
        found = verify_audit(session)
    assert found is not None and found.id is None
    assert "does not match the key" in found.reason


# --- the database keeps the log append-only ------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_remove_an_audit_entry(
    book: Book, statement: str
) -> None:
    entries(book.sessions, 2)
    with pytest.raises(DBAPIError, match="append-only"), book.engine.begin() as connection:
        connection.execute(text(statement))
    with book.sessions() as session:
        assert session.query(AuditRecord).count() == 2
        assert verify_audit(session) is None


def test_postgresql_refuses_to_truncate_the_audit_log(pg_url: str) -> None:
    from records.database import make_engine, upgrade

    upgrade(pg_url)
    engine = make_engine(pg_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_log"))
    finally:
        engine.dispose()


# --- the key file --------------------------------------------------------------------------------


def test_the_key_file_is_created_for_the_kiosk_user_alone(tmp_path: Path) -> None:
    path = tmp_path / "new" / "kiosk.key"
    old = os.umask(0o022)
    try:
        key = load_or_create_key(path)
    finally:
        os.umask(old)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_key(path) == key  # created once, then read


def test_a_key_file_others_can_read_is_refused(key_file: Path) -> None:
    key_file.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_key(key_file)


def test_a_missing_key_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="kiosk db upgrade"):
        load_key(tmp_path / "none.key")


# --- the anchor cannot be reset by deleting it ---------------------------------------------------


def test_a_deleted_anchor_fails_verify_and_the_next_write_does_not_make_a_new_one(
    book: Book, sealed: sessionmaker[Session], key_file: Path
) -> None:
    ids = entries(sealed, 4)
    allow_tampering(book)
    with book.engine.begin() as connection:  # the newest two entries go...
        connection.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": ids[2]})
    anchor_path(key_file).unlink()  # ...and the anchor that would have told

    with sealed() as session:
        found = verify_audit(session)
    assert found is not None and found.id is None
    assert "missing, while the log has entries" in found.reason

    entries(sealed, 3)  # the door carries on writing

    assert not anchor_path(key_file).exists()
    with sealed() as session:
        again = verify_audit(session)
    assert again is not None and "missing" in again.reason


def test_an_older_log_in_place_of_the_database_is_not_re_anchored_by_later_writes(
    book: Book, sealed: sessionmaker[Session], key_file: Path
) -> None:
    ids = entries(sealed, 3)
    anchored = anchor_path(key_file).read_text()
    allow_tampering(book)
    with book.engine.begin() as connection:  # the backup of before the last entry
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[2]})

    entries(sealed, 5)  # more entries than were removed: the new head is past the old one

    assert anchor_path(key_file).read_text() == anchored
    with sealed() as session:
        found = verify_audit(session)
    assert found is not None and found.id == ids[2]
    # SQLite gives the removed entry's id to the next one; PostgreSQL's sequence does not.
    assert (
        "differs from the anchor" in found.reason or "newest entries were removed" in found.reason
    )


def test_the_first_entry_of_a_new_book_makes_the_anchor(
    book: Book, sealed: sessionmaker[Session], key_file: Path
) -> None:
    assert not anchor_path(key_file).exists()

    entries(sealed, 1)

    assert anchor_path(key_file).exists()
    with sealed() as session:
        assert verify_audit(session) is None


def test_upgrading_a_book_kept_before_the_key_anchors_its_unsealed_log_once(
    book: Book, tmp_path: Path
) -> None:
    entries(book.sessions, 2)
    key_file = tmp_path / "later" / "kiosk.key"

    upgrade(book.url, key_file=key_file)
    first = anchor_path(key_file).read_text()
    anchor_path(key_file).unlink()
    upgrade(book.url, key_file=key_file)  # the key is there now: no anchor is made anew

    assert '"head_id":2' in first
    assert not anchor_path(key_file).exists()
