"""Staff PINs: a school may ask staff who see searches for longer PINs, and PINs are keyed with
the school's key file so that a copied database does not give them up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from kiosk.config import ConfigError, parse_config
from kiosk.people.duty import sign_on
from kiosk.people.pins import UNSEALED_MESSAGE, PinError, check_pin, set_pin
from kiosk.people.roster_import import import_staff
from kiosk.upkeep.check import run_checks
from records.database import make_engine, make_sessionmaker, upgrade
from records.models import StaffRecord
from records.pins import hash_pin, verify_pin
from records.staff_seals import seal_holds, seal_staff
from tests.records.recordbook import NOW, Book, open_book

KEY = bytes(range(32))


def add_dsl(book: Book) -> None:
    with book.sessions.begin() as session:
        session.add(
            StaffRecord(
                staff_id="D1",
                surname="Adeyemi",
                forename="Funmi",
                sex="F",
                roles="office;dsl",
                created_at=NOW,
                updated_at=NOW,
            )
        )


def school_key_file(folder: Path) -> Path:
    """The school's key file (`[database] key_file`): its key in hex, readable by its owner only."""
    key_file = folder / "kiosk.key"
    key_file.write_text(KEY.hex() + "\n", encoding="ascii")
    key_file.chmod(0o600)
    return key_file


def pin_hash(book: Book, staff_id: str) -> str | None:
    with book.sessions() as session:
        return session.scalars(
            select(StaffRecord.pin_hash).where(StaffRecord.staff_id == staff_id)
        ).one()


def test_set_pin_refuses_a_4_digit_pin_for_a_dsl_when_the_school_requires_6(book: Book) -> None:
    add_dsl(book)
    with book.sessions.begin() as session, pytest.raises(PinError, match="at least 6 digits"):
        set_pin(session, "D1", "2580", now=NOW, min_length_search_roles=6)
    assert pin_hash(book, "D1") is None

    with book.sessions.begin() as session:
        set_pin(session, "D1", "258014", now=NOW, min_length_search_roles=6)
    assert pin_hash(book, "D1") is not None


def test_the_longer_pin_applies_to_searchers_and_not_to_other_staff(book: Book) -> None:
    with book.sessions.begin() as session, pytest.raises(PinError, match="searcher role"):
        set_pin(session, "S1", "1357", now=NOW, min_length_search_roles=6)
    with book.sessions.begin() as session:
        set_pin(session, "S2", "1357", now=NOW, min_length_search_roles=6)  # a screener


@pytest.mark.parametrize("value", [3, 9])
def test_the_minimum_for_search_roles_is_4_to_8(value: int) -> None:
    def parsed(minimum: int) -> int:
        raw = {
            "database": {"url": "sqlite:////tmp/x.db"},
            "policy": {"min_pin_length_search_roles": minimum},
        }
        return parse_config(raw, Path("kiosk.toml")).policy.min_pin_length_search_roles

    with pytest.raises(ConfigError, match="min_pin_length_search_roles: must be from 4 to 8"):
        parsed(value)
    assert parsed(6) == 6


def test_a_pin_set_on_a_keyed_database_is_no_use_to_a_copy_without_the_key(book: Book) -> None:
    keyed = make_sessionmaker(book.engine, key=KEY)
    with keyed.begin() as session:
        set_pin(session, "S1", "4821", now=NOW)
    stored = pin_hash(book, "S1")
    assert stored is not None

    assert verify_pin("4821", stored, KEY)
    assert not verify_pin("4821", stored)
    assert not verify_pin("4821", stored, bytes(32))
    with book.sessions.begin() as session:  # the copy, opened without the key file
        staff = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S1")).one()
        assert not check_pin(session, staff, "4821", now=NOW).accepted


def test_an_older_unkeyed_pin_signs_on_and_is_keyed_when_it_does(book: Book) -> None:
    with book.sessions.begin() as session:
        staff = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S1")).one()
        staff.pin_hash = hash_pin("4821")

    keyed = make_sessionmaker(book.engine, key=KEY)
    with keyed.begin() as session:
        staff = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S1")).one()
        seal_staff(staff, KEY)  # as migration 0009 does at `kiosk db upgrade`
    with keyed.begin() as session:
        staff = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S1")).one()
        assert check_pin(session, staff, "4821", now=NOW).accepted
        assert seal_holds(staff, KEY)  # the new hash is sealed with it

    stored = pin_hash(book, "S1")
    assert stored is not None and stored.startswith("scrypt-keyed$")
    assert verify_pin("4821", stored, KEY)


# --- roles and PIN hashes are sealed to the member of staff --------------------------------------


def staff_row(book: Book, staff_id: str) -> int:
    with book.sessions() as session:
        return session.scalars(select(StaffRecord.id).where(StaffRecord.staff_id == staff_id)).one()


def test_a_screener_given_the_dsl_role_in_the_file_cannot_sign_on(
    book: Book, caplog: pytest.LogCaptureFixture
) -> None:
    keyed = make_sessionmaker(book.engine, key=KEY)
    with keyed.begin() as session:
        set_pin(session, "S2", "1357", now=NOW)  # S2 is a screener
    assert sign_on(keyed, staff_row(book, "S2"), "1357", at=NOW).accepted

    with book.engine.begin() as connection:  # write access to the file, no key
        connection.execute(text("UPDATE staff SET roles = 'dsl;office' WHERE staff_id = 'S2'"))
    result = sign_on(keyed, staff_row(book, "S2"), "1357", at=NOW)

    assert not result.accepted and result.member is None
    assert result.message == UNSEALED_MESSAGE
    assert "sign-on refused for S2" in caplog.text
    assert "do not match its seal" in caplog.text


def test_a_clerks_pin_hash_copied_onto_the_dsls_row_does_not_sign_on_as_the_dsl(
    book: Book,
) -> None:
    add_dsl(book)
    keyed = make_sessionmaker(book.engine, key=KEY)
    with keyed.begin() as session:
        set_pin(session, "D1", "86421357", now=NOW)
        set_pin(session, "S2", "1357", now=NOW)
    with book.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE staff_id = 'S2')"
                " WHERE staff_id = 'D1'"
            )
        )

    as_dsl = sign_on(keyed, staff_row(book, "D1"), "1357", at=NOW)

    assert not as_dsl.accepted and as_dsl.message == UNSEALED_MESSAGE
    # Importing the staff list again does not vouch for the copied hash either.
    staff_csv = Path(__file__).with_name("staff-seals.csv")
    try:
        staff_csv.write_text(
            "staff_id,surname,forename,sex,roles\n"
            "S1,Okafor,Ada,F,screener;searcher\nS2,Jones,Beth,F,screener\n"
            "D1,Adeyemi,Funmi,F,office;dsl\n",
            encoding="utf-8",
        )
        with keyed.begin() as session:
            import_staff(session, staff_csv, today=NOW.date(), now=NOW)
    finally:
        staff_csv.unlink()
    assert not sign_on(keyed, staff_row(book, "D1"), "1357", at=NOW).accepted
    # The office sets the DSL's PIN again: sealed, and the DSL signs on with it.
    with keyed.begin() as session:
        set_pin(session, "D1", "86421357", now=NOW)
    assert sign_on(keyed, staff_row(book, "D1"), "86421357", at=NOW).accepted


def test_staff_imported_with_the_key_are_sealed_and_sign_on_once_given_a_pin(
    book: Book, tmp_path: Path
) -> None:
    staff_csv = tmp_path / "staff.csv"
    staff_csv.write_text(
        "staff_id,surname,forename,sex,roles\nT9,Shah,Omar,M,office\n", encoding="utf-8"
    )
    keyed = make_sessionmaker(book.engine, key=KEY)
    with keyed.begin() as session:
        import_staff(session, staff_csv, today=NOW.date(), now=NOW)
        set_pin(session, "T9", "2468", now=NOW)

    result = sign_on(keyed, staff_row(book, "T9"), "2468", at=NOW)

    assert result.accepted and result.member is not None


def test_upgrading_with_the_key_seals_the_staff_already_there(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url, revision="0008")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO staff (staff_id, surname, forename, sex, roles, pin_hash,"
                    " failed_pin_attempts, active, created_at, updated_at) VALUES ('S7', 'Lee',"
                    " 'Kim', 'F', 'dsl', :pin, 0, 1, :now, :now)"
                ),
                {"pin": hash_pin("9753", KEY), "now": NOW.isoformat()},
            )
        key_file = school_key_file(tmp_path)

        upgrade(url, key_file=key_file)

        keyed = make_sessionmaker(engine, key=KEY)
        with keyed() as session:
            staff = session.scalars(select(StaffRecord)).one()
            assert seal_holds(staff, KEY)
            staff_id = staff.id
        assert sign_on(keyed, staff_id, "9753", at=NOW).accepted
    finally:
        engine.dispose()


def test_check_names_the_staff_whose_rows_are_not_sealed_and_says_how_to_fix_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url)  # without the key: nothing to seal with
    key_file = school_key_file(tmp_path)
    book = open_book(url)  # S1 and S2, added without the key
    book.engine.dispose()
    config = parse_config(
        {
            "database": {"url": url, "key_file": str(key_file)},
            "rfid": {"driver": "none"},
            "detector": {"driver": "none"},
        },
        tmp_path / "kiosk.toml",
    )

    [seals] = [r for r in run_checks(config) if r.what == "staff seals"]

    assert not seals.ok
    assert "not sealed yet: S1, S2" in seals.line()
    assert "kiosk staff set-pin STAFF_ID" in seals.line()


# --- R7: the searcher's training date is under the seal -------------------------------------


@pytest.mark.parametrize("written", ["'2026-11-30'", "NULL"], ids=["moved-on", "taken-out"])
def test_r7_a_training_date_changed_by_hand_in_the_file_is_detected_like_a_role(
    book: Book, caplog: pytest.LogCaptureFixture, written: str
) -> None:
    """A lapsed searcher's date written forward (or out) by someone who can write the file but
    not read the key: the row no longer verifies, sign-on is refused and `broken_seals` names
    it, as for a role given by hand."""
    from datetime import date

    from records.staff_seals import broken_seals

    keyed = make_sessionmaker(book.engine, key=KEY)
    with keyed.begin() as session:
        staff = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S1")).one()
        staff.search_trained_on = date(2025, 9, 1)  # as the staff list gives it
        set_pin(session, "S1", "1357", now=NOW)
    assert sign_on(keyed, staff_row(book, "S1"), "1357", at=NOW).accepted

    with book.engine.begin() as connection:  # write access to the file, no key
        connection.execute(
            text(f"UPDATE staff SET search_trained_on = {written} WHERE staff_id = 'S1'")
        )
    result = sign_on(keyed, staff_row(book, "S1"), "1357", at=NOW)

    assert not result.accepted and result.message == UNSEALED_MESSAGE
    assert "sign-on refused for S1" in caplog.text
    with keyed() as session:
        assert broken_seals(session, KEY)[1] == ["S1"]


def test_r7_rows_sealed_before_the_training_date_was_sealed_still_sign_on_after_the_upgrade(
    tmp_path: Path,
) -> None:
    """Migration 0014 on a real SQLite file: a searcher without a date keeps the seal 0009 made;
    one with a date sealed the old way is sealed again with it, and one whose seal had already
    been tampered with stays refused."""
    import hashlib
    import hmac
    import json

    def old_seal(staff_id: str, roles: str, pin: str) -> str:  # as records.staff_seals was
        subkey = hmac.new(KEY, b"kiosk:staff-seal", hashlib.sha256).digest()
        message = json.dumps([staff_id, roles, pin], separators=(",", ":")).encode()
        return "hmac:" + hmac.new(subkey, message, hashlib.sha256).hexdigest()

    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url, revision="0013")
    engine = make_engine(url)
    pin = hash_pin("9753", KEY)
    rows = (("S7", "screener", None, "S7"), ("S8", "searcher", "2026-09-01", "S8"),
            ("S9", "searcher", "2026-09-01", "S9:dsl"))  # fmt: skip
    try:
        with engine.begin() as connection:
            for staff_id, roles, trained, sealed_as in rows:
                connection.execute(text(
                    "INSERT INTO staff (staff_id, surname, forename, sex, roles, pin_hash, seal,"
                    " search_trained_on, failed_pin_attempts, active, created_at, updated_at)"
                    " VALUES (:id, 'Lee', 'Kim', 'F', :roles, :pin, :seal, :trained, 0, 1,"
                    " :now, :now)"
                ), {"id": staff_id, "roles": roles, "pin": pin, "trained": trained,
                    "now": NOW.isoformat(),
                    "seal": old_seal(sealed_as.split(":")[0], "dsl" if ":" in sealed_as else roles,
                                     pin)})  # fmt: skip
        key_file = school_key_file(tmp_path)

        upgrade(url, key_file=key_file)

        keyed = make_sessionmaker(engine, key=KEY)
        with keyed() as session:
            ids = {s.staff_id: s.id for s in session.scalars(select(StaffRecord))}
        signed_on = {sid: sign_on(keyed, ids[sid], "9753", at=NOW).accepted for sid in ids}
        assert signed_on == {"S7": True, "S8": True, "S9": False}
    finally:
        engine.dispose()
