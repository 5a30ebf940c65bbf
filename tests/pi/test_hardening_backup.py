"""Backups hold the same safeguarding data as the database: files 0600 in a 0700 folder."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.upkeep.backup import backup_sqlite, ensure_backup_folder
from records.database import upgrade

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backups_are_0600_in_a_0700_folder_under_umask_022(tmp_path: Path, umask_022: None) -> None:
    database = tmp_path / "kiosk.db"
    upgrade(f"sqlite:///{database}")
    folder = tmp_path / "backups"
    folder.mkdir()  # as an administrator might have made it: 0755
    assert mode(folder) == 0o755

    result = backup_sqlite(database, folder, now=NOW, keep_days=14)

    assert mode(result.path) == 0o600
    assert mode(folder) == 0o700


def test_a_new_backup_folder_is_made_0700(tmp_path: Path, umask_022: None) -> None:
    folder = tmp_path / "backups"
    ensure_backup_folder(folder)
    ensure_backup_folder(folder)  # safe to repeat
    assert mode(folder) == 0o700
