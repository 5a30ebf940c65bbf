"""`[policy] staff_idle_lock_seconds` is kept to a range where the desk lock still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config

BASE = '[database]\nurl = "sqlite:////tmp/x.db"\n'


def load_idle_lock(tmp_path: Path, value: str) -> int:
    path = tmp_path / "kiosk.toml"
    path.write_text(f"{BASE}[policy]\nstaff_idle_lock_seconds = {value}\n", encoding="utf-8")
    return load_config(path).policy.staff_idle_lock_seconds


@pytest.mark.parametrize("seconds", [15, 120, 3600])
def test_idle_lock_from_15_seconds_to_an_hour_is_accepted(tmp_path: Path, seconds: int) -> None:
    assert load_idle_lock(tmp_path, str(seconds)) == seconds


@pytest.mark.parametrize("value", ["0", "14", "3601", "99999999999", "-5"])
def test_idle_lock_outside_15_to_3600_is_refused_naming_file_section_and_key(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_idle_lock(tmp_path, value)
    message = str(refused.value)
    assert str(tmp_path / "kiosk.toml") in message
    assert "[policy] staff_idle_lock_seconds" in message
    assert "15 to 3600" in message and value in message
