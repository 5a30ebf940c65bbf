"""`kiosk backup` end to end through kiosk.cli.pi's handlers, as `kiosk` runs them."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cli import pi as cli_pi
from records.database import upgrade

CONFIG = """\
[school]
timezone = "Europe/London"

[database]
url = "{url}"
"""

Run = Callable[..., tuple[int, str, str]]


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH")
    parser = argparse.ArgumentParser(prog="kiosk", parents=[common])
    cli_pi.add_commands(parser.add_subparsers(metavar="COMMAND"), common)
    return parser


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Parse and dispatch as kiosk.cli.main does, with the Pi commands registered."""
    from kiosk.cli import Failure

    def _run(*argv: str, url: str | None = None) -> tuple[int, str, str]:
        config = tmp_path / "kiosk.toml"
        config.write_text(CONFIG.format(url=url or f"sqlite:///{tmp_path / 'kiosk.db'}"))
        try:
            args = _parser().parse_args([*argv, "--config", str(config)])
        except SystemExit as exc:
            code = int(exc.code or 0)
        else:
            try:
                code = args.handler(args)
            except Failure as exc:
                code = exc.status
                print(f"kiosk: {exc}", file=sys.stderr)  # noqa: T201 - as kiosk.cli does
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_backup_command_writes_a_checked_copy_into_the_folder(run: Run, tmp_path: Path) -> None:
    upgrade(f"sqlite:///{tmp_path / 'kiosk.db'}")
    folder = tmp_path / "backups"
    code, out, _ = run("backup", "--to", str(folder), "--keep-days", "7")
    assert code == 0
    [copy] = folder.glob("kiosk-*.db")
    assert f"backup written to {copy}" in out and "integrity ok" in out
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_backup_command_prunes_backups_older_than_keep_days(run: Run, tmp_path: Path) -> None:
    upgrade(f"sqlite:///{tmp_path / 'kiosk.db'}")
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "kiosk-2000-01-01.db").touch()
    code, out, _ = run("backup", "--to", str(folder), "--keep-days", "1")
    assert code == 0
    assert "removed 1 old backup(s)" in out
    assert not (folder / "kiosk-2000-01-01.db").exists()


def test_backup_command_refuses_postgresql_with_one_line_saying_what_to_use(run: Run) -> None:
    code, _, err = run("backup", url="postgresql+psycopg://kiosk@db/kiosk")
    assert code == 2
    assert len(err.splitlines()) == 1 and "pg_dump" in err


def test_backup_command_without_a_database_says_to_upgrade_it(run: Run, tmp_path: Path) -> None:
    code, _, err = run("backup", "--to", str(tmp_path / "backups"))
    assert code == 2
    assert "kiosk db upgrade" in err
    assert not (tmp_path / "kiosk.db").exists()


def test_backup_command_into_a_folder_whose_parent_is_missing_is_a_usage_error(
    run: Run, tmp_path: Path
) -> None:
    upgrade(f"sqlite:///{tmp_path / 'kiosk.db'}")
    code, _, err = run("backup", "--to", str(tmp_path / "no-stick" / "backups"))
    assert code == 2
    assert "no-stick" in err


@pytest.mark.parametrize("days", ["0", "-1", "two"])
def test_backup_command_rejects_keep_days_that_are_not_a_positive_number(
    run: Run, days: str
) -> None:
    code, _, err = run("backup", "--keep-days", days)
    assert code == 2
    assert "--keep-days" in err


def test_kiosk_main_runs_the_backup_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import build_parser, main

    try:
        build_parser().parse_args(["backup", "--help"])
    except SystemExit as exc:
        capsys.readouterr()
        if exc.code != 0:
            pytest.skip("kiosk.cli does not register kiosk.cli.pi.add_commands yet")
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url)
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(url=url))
    assert main(["backup", "--to", str(tmp_path / "b"), "--config", str(config)]) == 0
    assert len(list((tmp_path / "b").glob("kiosk-*.db"))) == 1
