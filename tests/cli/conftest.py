"""A school set up through the command line: a config file on a real SQLite database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.cli import main

CONFIG = """\
[school]
name = "Test Academy"
timezone = "Europe/London"
day_starts = "08:40"
register_closes = "09:10"

[database]
url = "sqlite:///{db}"

[rfid]
driver = "none"

[detector]
driver = "none"
"""


@dataclass
class Cli:
    config: Path
    db: Path
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main([*args, "--config", str(self.config)])
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    db = tmp_path / "school.db"
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(db=db), encoding="utf-8")
    return Cli(config, db, capsys)


@pytest.fixture
def upgraded(cli: Cli) -> Cli:
    code, _, err = cli("db", "upgrade")
    assert code == 0, err
    return cli


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
        return path

    return _write
