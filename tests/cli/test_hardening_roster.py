"""Roster imports that would empty the school are stopped; `-B12` survives a trip through CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kiosk.domain.csvsafe import spreadsheet_safe, spreadsheet_unescape
from records.models import AuditRecord, LearnerRecord
from tests.cli.conftest import Cli

Write = Callable[[str, str | bytes], Path]
HEADER = "mis_id,surname,forename,sex,reg_group\r\n"


def roster(*ids: str) -> str:
    return HEADER + "".join(f"{i},Surname{n},Forename{n},F,7A\r\n" for n, i in enumerate(ids))


def on_roll(db: Path) -> set[str]:
    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        found = set(
            session.scalars(select(LearnerRecord.mis_id).where(LearnerRecord.left_on.is_(None)))
        )
    engine.dispose()
    return found


def audit_entries(db: Path) -> int:
    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(AuditRecord)) or 0
    engine.dispose()
    return count


SCHOOL = [f"L{n:02}" for n in range(10)]


def test_import_marking_most_of_the_school_as_left_is_refused_and_saves_nothing(
    upgraded: Cli, write: Write
) -> None:
    code, _, err = upgraded("roster", "import", str(write("all.csv", roster(*SCHOOL))))
    assert code == 0, err
    entries = audit_entries(upgraded.db)
    one_form = write("7a.csv", roster(*SCHOOL[:4], "NEW1"))

    code, _, err = upgraded("roster", "import", str(one_form))

    assert code == 1
    assert "6 of the 10 learners" in err and "--allow-mass-leave" in err
    assert len(err.strip().splitlines()) == 1
    assert on_roll(upgraded.db) == set(SCHOOL), "nobody left, nobody added"
    assert audit_entries(upgraded.db) == entries


def test_dry_run_of_a_mass_leave_says_it_would_be_refused(upgraded: Cli, write: Write) -> None:
    upgraded("roster", "import", str(write("all.csv", roster(*SCHOOL))))
    code, _, err = upgraded("roster", "import", str(write("few.csv", roster("L00"))), "--dry-run")
    assert code == 1 and "--allow-mass-leave" in err


def test_allow_mass_leave_imports_the_file_as_it_is(upgraded: Cli, write: Write) -> None:
    upgraded("roster", "import", str(write("all.csv", roster(*SCHOOL))))
    one_form = write("7a.csv", roster(*SCHOOL[:4]))

    code, out, err = upgraded("roster", "import", str(one_form), "--allow-mass-leave")

    assert code == 0, err
    assert "6 marked as left" in out
    assert on_roll(upgraded.db) == set(SCHOOL[:4])


def test_half_the_school_leaving_is_not_a_mass_leave(upgraded: Cli, write: Write) -> None:
    upgraded("roster", "import", str(write("all.csv", roster(*SCHOOL))))
    code, out, err = upgraded("roster", "import", str(write("half.csv", roster(*SCHOOL[:5]))))
    assert code == 0, err
    assert "5 marked as left" in out


def test_the_first_import_into_an_empty_school_is_never_a_mass_leave(
    upgraded: Cli, write: Write
) -> None:
    code, out, err = upgraded("roster", "import", str(write("all.csv", roster("A1"))))
    assert code == 0, err
    assert "1 added" in out


def test_mis_id_beginning_with_minus_is_exported_as_text_and_read_back_unchanged(
    upgraded: Cli, write: Write, tmp_path: Path
) -> None:
    upgraded("roster", "import", str(write("all.csv", roster("-B12", "+44", "A1"))))
    out_file = tmp_path / "am.csv"

    code, _, err = upgraded("export", "attendance", "--date", "2026-11-23", "--out", str(out_file))

    assert code == 0, err
    raw = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert {row["mis_id"] for row in raw} == {"'-B12", "'+44", "A1"}, "a spreadsheet shows text"
    assert {spreadsheet_unescape(row["mis_id"]) for row in raw} == {"-B12", "+44", "A1"}


def test_roster_import_reads_an_escaped_mis_id_as_the_same_learner(
    upgraded: Cli, write: Write
) -> None:
    upgraded("roster", "import", str(write("all.csv", roster("-B12", "A1"))))
    escaped = roster(spreadsheet_safe("-B12"), "A1")
    assert "'-B12," in escaped

    code, out, err = upgraded("roster", "import", str(write("again.csv", escaped)))

    assert code == 0, err
    assert "0 added" in out and "2 unchanged" in out
    assert on_roll(upgraded.db) == {"-B12", "A1"}


def test_unescaping_takes_only_the_quote_a_writer_added() -> None:
    for value in ["-B12", "=SUM(A1)", "@x", "+44", "\tcmd", "O'Brien", "'Neill", "", "A1"]:
        assert spreadsheet_unescape(spreadsheet_safe(value)) == value
    assert spreadsheet_unescape("'Neill") == "'Neill"
