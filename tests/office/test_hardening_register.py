"""`kiosk audit verify` checks the register itself, and `kiosk mark amend` is the one way to change
a mark: it keeps the original, the new entry, the reason, the date and who made it."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from kiosk.cli.io import run_command
from kiosk.cli.marks import add_commands as add_mark_commands
from kiosk.cli.office import add_commands as add_office_commands
from kiosk.config import SchoolConfig
from kiosk.domain.people import StaffRef
from kiosk.door.arrivals import admit
from records.audit import AuditRecord, append_audit
from records.audit_anchor import wait_for_anchors
from records.database import make_sessionmaker
from records.keys import anchor_path, load_or_create_key
from records.models import MarkAmendmentRecord, SessionMarkRecord, StaffRecord
from tests.office.test_office_audit_verify import allow_tampering
from tests.records.recordbook import NOW, Book

# 09:30 in London in March (GMT): after the register closed at 09:10, so the door writes U.
ARRIVED_AT = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)

CONFIG = """\
[school]
timezone = "Europe/London"

[database]
url = "{url}"
key_file = "{key_file}"

[rfid]
driver = "none"

[detector]
driver = "none"
"""


@dataclass
class Kiosk:
    """The office's `kiosk` commands on a keyed database with one late learner's mark."""

    config: Path
    book: Book
    sealed: sessionmaker[Session]
    mark_id: int
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser()
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--config")
        sub = parser.add_subparsers()
        add_office_commands(sub, common)
        add_mark_commands(sub, common)
        args = parser.parse_args([*argv, "--config", str(self.config)])
        code = run_command(args.handler, args)
        out, err = self.capsys.readouterr()
        return code, out, err

    def amend(self, *extra: str) -> tuple[int, str, str]:
        return self("mark", "amend", "A1001", "--date", "2025-03-03", "--session", "AM", *extra)

    def mark(self) -> tuple[str, int, str]:
        with self.book.sessions() as session:
            mark = session.get_one(SessionMarkRecord, self.mark_id)
            return mark.code, mark.minutes_late, mark.comment


@pytest.fixture
def kiosk(book: Book, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Kiosk:
    key_file = tmp_path / "kiosk.key"
    key = load_or_create_key(key_file)
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(url=book.url, key_file=key_file), encoding="utf-8")
    sealed = make_sessionmaker(book.engine, key=key, audit_anchor=anchor_path(key_file))
    with sealed.begin() as session:
        session.add(
            StaffRecord(
                staff_id="S9",
                surname="Patel",
                forename="Rani",
                sex="F",
                roles="office",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        # The door's own admission code, as it is today.
        admission = admit(
            session,
            book.learner_id,
            arrived_at=ARRIVED_AT,
            admitted_at=ARRIVED_AT,
            school=SchoolConfig(),
            by=StaffRef("S1"),  # the book's searcher
        )
        assert admission.mark.code.value == "U"
        mark_id = session.scalars(select(SessionMarkRecord.id)).one()
    wait_for_anchors()  # the door's thread has moved the anchor before anyone touches it
    return Kiosk(config, book, sealed, mark_id, capsys)


def test_audit_verify_passes_the_register_as_the_door_wrote_it(kiosk: Kiosk) -> None:
    code, out, err = kiosk("audit", "verify")

    assert (code, err) == (0, "")
    assert out == "audit log intact: 1 entries; 1 session marks match it; sealed and anchored\n"


def test_a_mark_changed_from_u_to_present_in_the_database_fails_audit_verify(
    kiosk: Kiosk,
) -> None:
    with kiosk.book.engine.begin() as connection:
        connection.execute(text("UPDATE session_marks SET code = '/', minutes_late = 0"))

    code, out, err = kiosk("audit", "verify")

    assert (code, out) == (1, "")
    assert f"session mark {kiosk.mark_id}: differs from audit entry" in err
    assert "code '/' in the register, 'U' in the log" in err


def test_a_deleted_mark_fails_audit_verify(kiosk: Kiosk) -> None:
    with kiosk.book.engine.begin() as connection:
        connection.execute(text("DELETE FROM session_marks"))

    code, _, err = kiosk("audit", "verify")

    assert code == 1
    assert f"session mark {kiosk.mark_id}: is gone from the register" in err
    # The door's entry carries the mark's whole content: learner, day, session and code.
    assert "recorded A1001 2025-03-03 AM code 'U'" in err


def test_an_amendment_keeps_original_new_reason_date_and_who_and_the_log_stays_intact(
    kiosk: Kiosk,
) -> None:
    code, out, err = kiosk(
        "mark",
        "amend",
        "A1001",
        "--date",
        "2025-03-03",
        "--session",
        "AM",
        "--code",
        "/",
        "--reason",
        "bus 42 broke down: letter from the bus company",
        "--by",
        "S9",
    )

    assert (code, err) == (0, "")
    assert out.startswith("amended A1001 2025-03-03 AM: U (50 min late) -> / by S9")
    assert kiosk.mark() == ("/", 0, "")
    with kiosk.book.sessions() as session:
        amendment = session.scalars(select(MarkAmendmentRecord)).one()
        assert amendment.mark_id == kiosk.mark_id
        assert (amendment.original_code, amendment.original_minutes_late) == ("U", 50)
        assert (amendment.new_code, amendment.new_minutes_late) == ("/", 0)
        assert amendment.reason == "bus 42 broke down: letter from the bus company"
        assert amendment.amended_by.staff_id == "S9"
        assert abs(datetime.now(UTC) - amendment.amended_at).total_seconds() < 3600
    assert kiosk("audit", "verify")[0] == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--code", "/", "--reason", "  ", "--by", "S9"), "give the reason"),
        (("--code", "/", "--reason", "x", "--by", "S2"), "S2 may not amend the register"),
        (("--code", "/", "--reason", "x", "--by", "NOBODY"), "no active member of staff"),
        (("--code", "U", "--reason", "x", "--by", "S9"), "already says that"),
        (("--code", "/", "--minutes", "5", "--reason", "x", "--by", "S9"), "L or U only"),
    ],
)
def test_an_amendment_that_cannot_be_recorded_changes_nothing(
    kiosk: Kiosk, extra: tuple[str, ...], message: str
) -> None:
    code, out, err = kiosk.amend(*extra)

    assert (code, out) == (1, "")
    assert message in err
    assert kiosk.mark() == ("U", 50, "")


def test_a_mark_changed_behind_the_kiosks_back_cannot_be_laundered_by_an_amendment(
    kiosk: Kiosk,
) -> None:
    with kiosk.book.engine.begin() as connection:
        connection.execute(text("UPDATE session_marks SET code = 'L', minutes_late = 5"))

    code, _, err = kiosk.amend("--code", "/", "--reason", "tidy up", "--by", "S9")

    assert code == 1
    assert "does not match the audit log" in err
    with kiosk.book.sessions() as session:
        assert session.scalars(select(MarkAmendmentRecord)).all() == []


def test_amending_a_mark_that_does_not_exist_says_so(kiosk: Kiosk) -> None:
    code, _, err = kiosk(
        "mark", "amend", "A1001", "--date", "2025-03-04", "--session", "AM",
        "--code", "/", "--reason", "x", "--by", "S9",
    )  # fmt: skip

    assert code == 1
    assert "A1001 has no mark for 2025-03-04 AM" in err


def test_a_code_the_kiosk_does_not_write_is_a_usage_error(kiosk: Kiosk) -> None:
    with pytest.raises(SystemExit) as stopped:
        kiosk.amend("--code", "X", "--reason", "x", "--by", "S9")
    assert stopped.value.code == 2


def anchor_file(kiosk: Kiosk) -> Path:
    return anchor_path(kiosk.config.parent / "kiosk.key")


def restore_a_backup_taken_before_the_last_entry(kiosk: Kiosk) -> None:
    """The database as a backup taken before the last audit entry left it (the anchor file,
    outside the database, still remembers that entry)."""
    with kiosk.sealed.begin() as session:
        append_audit(
            session,
            at=ARRIVED_AT,
            actor_staff_id="S9",
            action="staff.signed_on",
            entity="staff",
            entity_id="S9",
            detail={"station": "main"},
        )
    with kiosk.book.engine.begin() as connection:
        allow_tampering(connection)
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        newest = connection.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": newest})


def test_after_a_restore_the_anchor_is_reset_with_who_and_why_and_verify_passes(
    kiosk: Kiosk,
) -> None:
    restore_a_backup_taken_before_the_last_entry(kiosk)
    code, _, err = kiosk("audit", "verify")
    assert code == 1 and "audit log broken" in err

    code, out, err = kiosk(
        "audit", "reset-anchor", "--by", "S9", "--reason", "restored the backup of 3 March"
    )

    assert (code, err) == (0, ""), err
    assert "re-anchored" in out and "the old anchor is kept at" in out
    kept = Path(out.split("kept at ")[1].strip())
    assert kept.exists() and kept.name.startswith(f"{anchor_file(kiosk).name}.before-")
    code, out, err = kiosk("audit", "verify")
    assert (code, err) == (0, "")
    assert "sealed and anchored" in out
    with kiosk.book.sessions() as session:
        last = session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert last is not None and (last.action, last.actor_staff_id) == ("audit.anchor_reset", "S9")
    assert "restored the backup of 3 March" in last.detail


def test_a_log_edited_behind_its_back_is_not_re_anchored(kiosk: Kiosk) -> None:
    with kiosk.book.engine.begin() as connection:
        allow_tampering(connection)
        connection.execute(text("UPDATE audit_log SET detail = replace(detail, 'U', '/')"))
    anchor_before = anchor_file(kiosk).read_bytes()

    code, _, err = kiosk("audit", "reset-anchor", "--by", "S9", "--reason", "hide it")

    assert code == 1
    assert "not re-anchored" in err
    assert anchor_file(kiosk).read_bytes() == anchor_before
