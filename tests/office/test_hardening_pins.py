"""Staff PINs: a school may ask staff who see searches for longer PINs, and PINs are keyed with
the school's key file so that a copied database does not give them up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.config import ConfigError, parse_config
from kiosk.staff import PinError, check_pin, set_pin
from records.database import make_sessionmaker
from records.models import StaffRecord
from records.pins import hash_pin, verify_pin
from tests.records.recordbook import NOW, Book

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
        assert check_pin(session, staff, "4821", now=NOW).accepted

    stored = pin_hash(book, "S1")
    assert stored is not None and stored.startswith("scrypt-keyed$")
    assert verify_pin("4821", stored, KEY)
