"""Safeguarding data stays private: the database and its key are the kiosk user's alone, and a
copied database does not give up the PINs."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from records.database import make_engine, upgrade
from records.pins import hash_pin, needs_rehash, verify_pin

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_db_upgrade_makes_the_folder_0700_and_the_database_0600_under_umask_022(
    tmp_path: Path, umask_022: None
) -> None:
    path = tmp_path / "var" / "lib" / "kiosk" / "kiosk.db"
    key_file = tmp_path / "var" / "lib" / "kiosk" / "kiosk.key"

    upgrade(f"sqlite:///{path}", key_file=key_file)

    assert mode(path.parent) == 0o700
    assert mode(path.parent.parent) == 0o700  # every folder it had to create
    assert mode(path) == 0o600
    assert mode(key_file) == 0o600


def test_the_write_ahead_log_files_are_as_private_as_the_database(
    tmp_path: Path, umask_022: None
) -> None:
    path = tmp_path / "db" / "kiosk.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE staff SET roles = roles"))
            wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
            assert wal.exists() and shm.exists()
            assert (mode(wal), mode(shm)) == (0o600, 0o600)
    finally:
        engine.dispose()


def test_upgrade_makes_an_existing_world_readable_database_private(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    upgrade(f"sqlite:///{path}")
    path.chmod(0o644)

    upgrade(f"sqlite:///{path}")

    assert mode(path) == 0o600


def test_a_keyed_pin_hash_cannot_be_checked_without_the_key_file() -> None:
    stored = hash_pin("4821", KEY)

    assert verify_pin("4821", stored, KEY)
    # A copy of the database alone: every guess fails, the right one too.
    assert not verify_pin("4821", stored)
    assert not verify_pin("4821", stored, OTHER_KEY)
    assert not any(verify_pin(f"{n:04d}", stored, OTHER_KEY) for n in range(4815, 4825))


def test_the_keyed_hash_says_so_and_an_unkeyed_one_asks_to_be_redone_once_a_key_exists() -> None:
    keyed, unkeyed = hash_pin("2468", KEY), hash_pin("2468")

    assert keyed.startswith("scrypt-keyed$") and unkeyed.startswith("scrypt$")
    assert verify_pin("2468", unkeyed, KEY)  # older hashes still sign on ...
    assert needs_rehash(unkeyed, KEY)  # ... and are replaced when they do
    assert not needs_rehash(keyed, KEY)
