"""`kiosk roster import` and `kiosk staff import`: messy MIS exports in, bad rows named."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from records.models import BadgeRecord, LearnerRecord, StaffRecord

# A SIMS-style export: byte-order mark, CRLF, MIS header names in odd case, quoted commas,
# accents, a non-Latin script, a name that a spreadsheet would run, and three broken rows.
MESSY_EXPORT = (
    "\ufeffADNO,Legal Surname,Legal Forename,Preferred Forename,Gender,Year,Reg,UPN,Card Number\r\n"
    '001234,"O\'Brien, Jr",Siobhán,Shiv,Female,Year 9,9K,A123456789012,0000401829\r\n'
    "001235,Nguyễn,Thảo,,F,10,10R,,\r\n"
    "001236,Андреева,Мария,,female,11,11B,,DE:AD:BE:EF\r\n"
    "001237,=SUM(A1),Jordan,,M,7,7S,,\r\n"
    "001238,Smith,Alex,,,8,8T,,\r\n"
    "001239,Jones,Sam,,X,8,8T,,\r\n"
    "001234,Again,Duplicate,,M,9,9K,,\r\n"
)


def learners(db: Path) -> dict[str, LearnerRecord]:
    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        found = {r.mis_id: r for r in session.scalars(select(LearnerRecord))}
    engine.dispose()
    return found


def test_messy_mis_export_imports_good_rows_and_names_each_bad_line(upgraded, write) -> None:
    path = write("export.csv", MESSY_EXPORT)
    code, out, err = upgraded("roster", "import", str(path))
    assert code == 1, "a rejected row makes the command exit 1"
    assert "4 added" in out and "3 rejected" in out
    lines = err.splitlines()
    assert any(f"{path}:6:" in line and "sex" in line for line in lines), err
    assert any(f"{path}:7:" in line and "sex" in line for line in lines), err
    assert any(f"{path}:8:" in line and "001234" in line for line in lines), err
    found = learners(upgraded.db)
    assert set(found) == {"001234", "001235", "001236", "001237"}
    assert found["001234"].surname == "O'Brien, Jr"
    assert found["001234"].preferred_name == "Shiv"
    assert found["001234"].sex == "F"
    assert found["001235"].forename == "Thảo"
    assert found["001236"].surname == "Андреева"
    assert found["001237"].surname == "=SUM(A1)", (
        "names are stored as given; escaping is for export"
    )


def test_card_enrolled_as_printed_decimal_is_recognised_from_reader_hex(upgraded, write) -> None:
    path = write("export.csv", MESSY_EXPORT)
    upgraded("roster", "import", str(path))
    from kiosk.domain.badges import badge_keys

    engine = create_engine(f"sqlite:///{upgraded.db}")
    with Session(engine) as session:
        owner = session.scalars(
            select(BadgeRecord).where(BadgeRecord.key.in_(badge_keys("0C000621A5")))
        ).first()
        assert owner is not None
        assert session.get_one(LearnerRecord, owner.learner_id).mis_id == "001234"
    engine.dispose()


def test_dry_run_reports_but_saves_nothing(upgraded, write) -> None:
    path = write("export.csv", MESSY_EXPORT)
    code, out, _ = upgraded("roster", "import", str(path), "--dry-run")
    assert code == 1
    assert "4 added" in out and "dry run" in out
    assert learners(upgraded.db) == {}


def test_reimport_updates_by_mis_id_and_marks_missing_learners_as_left(upgraded, write) -> None:
    first = write(
        "first.csv",
        "mis_id,surname,forename,sex\nA1,Khan,Aisha,F\nA2,Reid,Dan,M\nA3,Lee,Jo,F\n",
    )
    assert upgraded("roster", "import", str(first))[0] == 0
    second = write(
        "second.csv",
        "mis_id,surname,forename,sex,reg_group\nA1,Khan-Ali,Aisha,F,9K\nA2,Reid,Dan,M,\n",
    )
    code, out, _ = upgraded("roster", "import", str(second))
    assert code == 0
    assert "1 updated" in out and "1 unchanged" in out and "1 marked as left" in out
    found = learners(upgraded.db)
    assert set(found) == {"A1", "A2", "A3"}, "a learner who left is kept, never deleted"
    assert found["A1"].surname == "Khan-Ali" and found["A1"].reg_group == "9K"
    assert found["A3"].left_on is not None
    assert found["A1"].left_on is None


def test_a_learner_whose_row_is_broken_is_not_marked_as_left(upgraded, write) -> None:
    upgraded(
        "roster",
        "import",
        str(write("a.csv", "mis_id,surname,forename,sex\nA1,Khan,Aisha,F\nA2,Reid,Dan,M\n")),
    )
    code, _, _ = upgraded(
        "roster",
        "import",
        str(write("b.csv", "mis_id,surname,forename,sex\nA1,Khan,Aisha,F\nA2,Reid,Dan,Q\n")),
    )
    assert code == 1
    assert learners(upgraded.db)["A2"].left_on is None


def test_file_without_a_required_column_is_refused_whole(upgraded, write) -> None:
    code, _, err = upgraded(
        "roster", "import", str(write("a.csv", "mis_id,surname,forename\nA1,Khan,Aisha\n"))
    )
    assert code == 2
    assert "sex" in err and "column" in err
    assert learners(upgraded.db) == {}


def test_file_that_is_not_utf8_says_so(upgraded, write) -> None:
    path = write(
        "a.csv", "mis_id,surname,forename,sex\nA1,M\xfcller,J\xfcrgen,M\n".encode("latin-1")
    )
    code, _, err = upgraded("roster", "import", str(path))
    assert code == 2
    assert "UTF-8" in err


def test_missing_file_is_a_clear_error(upgraded, tmp_path: Path) -> None:
    code, _, err = upgraded("roster", "import", str(tmp_path / "nope.csv"))
    assert code == 2 and "no such file" in err


def test_commands_on_a_database_not_yet_created_say_to_run_db_upgrade(cli, write) -> None:
    code, _, err = cli("roster", "import", str(write("a.csv", "mis_id,surname,forename,sex\n")))
    assert code == 2
    assert "kiosk db upgrade" in err


def test_staff_import_then_set_pin_from_standard_input(upgraded, write, monkeypatch) -> None:
    path = write(
        "staff.csv",
        "staff_id,surname,forename,sex,roles,badge\n"
        "S1,Khan,Aisha,F,screener;searcher,1A00990001\n"
        "S2,Reid,Dan,M,screener;wizard,\n",
    )
    code, out, err = upgraded("staff", "import", str(path))
    assert code == 1 and "1 added" in out and ":3:" in err and "wizard" in err
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("12345\n"))
    code, out, _ = upgraded("staff", "set-pin", "S1")
    assert code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    code, _, err = upgraded("staff", "set-pin", "S1")
    assert code == 1 and "4 to 8 digits" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    code, _, err = upgraded("staff", "set-pin", "S9")
    assert code == 1 and "S9" in err
    engine = create_engine(f"sqlite:///{upgraded.db}")
    with Session(engine) as session:
        staff = session.scalars(select(StaffRecord)).one()
        from records.keys import load_key
        from records.pins import verify_pin

        assert staff.roles == "screener;searcher"
        # Keyed with the school's key that `kiosk db upgrade` made beside the database:
        # the hash alone, copied out with the database, checks nothing.
        key = load_key(Path(f"{upgraded.db}.key"))
        assert staff.pin_hash and verify_pin("12345", staff.pin_hash, key=key)
        assert not verify_pin("12345", staff.pin_hash)
        assert "12345" not in staff.pin_hash
    engine.dispose()


def test_demo_roster_and_staff_import_cleanly(upgraded) -> None:
    from kiosk.demo import DEMO_LEARNERS, DEMO_STAFF

    assert upgraded("roster", "import", str(DEMO_LEARNERS))[0] == 0
    assert upgraded("staff", "import", str(DEMO_STAFF))[0] == 0


def test_a_badge_already_enrolled_to_someone_else_is_refused_for_the_new_row(
    upgraded, write
) -> None:
    path = write(
        "export.csv",
        "mis_id,surname,forename,sex,badge\n"
        "A1,Khan,Aisha,F,0C000621A5\n"
        "A2,Reid,Dan,M,0000401829\n",  # the same card, written as its printed decimal
    )
    code, out, err = upgraded("roster", "import", str(path))
    assert code == 1
    assert f"{path}:3:" in err and "already belongs" in err
    assert "2 added" in out, "the learner is imported, without the badge"


def staff_rows(db: Path) -> dict[str, StaffRecord]:
    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        found = {r.staff_id: r for r in session.scalars(select(StaffRecord))}
    engine.dispose()
    return found


def test_r7_the_staff_list_gives_each_searcher_a_training_date(upgraded, write) -> None:
    """R7: the staff list's optional `search_trained` column (YYYY-MM-DD, also "Search
    training date") records each searcher's training; a bad date names its line; a list
    without the column leaves the dates recorded, a blank cell clears one."""
    first = write(
        "staff.csv",
        "staff_id,surname,forename,sex,roles,badge,Search Training Date\n"
        "S1,Khan,Aisha,F,searcher,,2026-09-01\n"
        "S2,Reid,Daniel,M,searcher,,\n"
        "S3,Evans,Bethan,F,screener,,01/09/2026\n",
    )
    code, _, err = upgraded("staff", "import", str(first))
    assert code == 1 and f"{first}:4:" in err and "YYYY-MM-DD" in err
    found = staff_rows(upgraded.db)
    assert str(found["S1"].search_trained_on) == "2026-09-01"
    assert found["S2"].search_trained_on is None and "S3" not in found

    without = write("again.csv", "staff_id,surname,forename,sex,roles\nS1,Khan,Aisha,F,searcher\n")
    assert upgraded("staff", "import", str(without))[0] == 0
    assert str(staff_rows(upgraded.db)["S1"].search_trained_on) == "2026-09-01"

    blank = write(
        "blank.csv",
        "staff_id,surname,forename,sex,roles,search_trained\nS1,Khan,Aisha,F,searcher,\n",
    )
    assert upgraded("staff", "import", str(blank))[0] == 0
    assert staff_rows(upgraded.db)["S1"].search_trained_on is None
