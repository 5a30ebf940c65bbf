"""The command line does what it is told: --config anywhere, one-line errors, --version, --help."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from kiosk.cli import build_parser, main
from tests.cli.conftest import CONFIG, Cli

Run = tuple[int, str, str]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """`kiosk ARGV` in this process; argparse's own exits count as the exit status."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def config_for(tmp_path: Path, name: str, url: str) -> Path:
    path = tmp_path / f"{name}.toml"
    text = CONFIG.replace('url = "sqlite:///{db}"', f'url = "{url}"')
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_line_usage_error(result: Run, *words: str) -> None:
    code, _, err = result
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, f"one line, not a traceback:\n{err}"
    assert err.startswith("kiosk: ")
    for word in words:
        assert word in err


# --- --config before or after the command, winning over $KIOSK_CONFIG ----------------------------


@pytest.mark.parametrize("where", ["before", "between", "after"])
def test_config_option_is_obeyed_wherever_it_is_written_and_wins_over_the_variable(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    wanted, other = tmp_path / "wanted.db", tmp_path / "other.db"
    option = ["--config", str(config_for(tmp_path, "wanted", f"sqlite:///{wanted}"))]
    monkeypatch.setenv("KIOSK_CONFIG", str(config_for(tmp_path, "other", f"sqlite:///{other}")))
    argv = {
        "before": [*option, "db", "upgrade"],
        "between": ["db", *option, "upgrade"],
        "after": ["db", "upgrade", *option],
    }[where]

    code, _, err = run(capsys, *argv)

    assert code == 0, err
    assert wanted.exists(), "the database of the config named by --config"
    assert not other.exists(), "$KIOSK_CONFIG's database was left alone"


def test_without_the_option_the_variable_names_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "from-env.db"
    monkeypatch.setenv("KIOSK_CONFIG", str(config_for(tmp_path, "env", f"sqlite:///{db}")))
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 0, err
    assert db.exists()


# --- one-line errors, exit 2, for a database that cannot work ------------------------------------


def test_database_path_under_a_file_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    somefile = tmp_path / "somefile.txt"
    somefile.write_text("not a folder")
    config = config_for(tmp_path, "k", f"sqlite:///{somefile}/kiosk.db")
    for command in (
        ["db", "upgrade"],
        ["phones"],
        ["export", "attendance", "--date", "2026-11-23"],
    ):
        result = run(capsys, *command, "--config", str(config))
        assert_one_line_usage_error(result, "[database] url", str(somefile), "not a folder")


@pytest.mark.parametrize("url", ["mysql://kiosk@db.example/kiosk", "oracle://x@y/z"])
def test_unsupported_database_is_refused_naming_the_key_and_what_is_supported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    config = config_for(tmp_path, "k", url)
    for command in (["db", "upgrade"], ["phones"]):
        result = run(capsys, *command, "--config", str(config))
        assert_one_line_usage_error(result, str(config), "[database] url", "not supported")


def test_postgresql_without_its_driver_installed_says_which_url_to_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if importlib.util.find_spec("psycopg2") is not None:
        pytest.skip("psycopg2 is installed here")
    config = config_for(tmp_path, "k", "postgresql://kiosk@db.example/kiosk")
    result = run(capsys, "db", "upgrade", "--config", str(config))
    assert_one_line_usage_error(result, "[database] url", "postgresql+psycopg://")


def test_relative_sqlite_path_is_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = config_for(tmp_path, "k", "sqlite:///relative.db")
    result = run(capsys, "db", "upgrade", "--config", str(config))
    assert_one_line_usage_error(result, "[database] url", "relative", "systemd", "full path")
    assert not (tmp_path / "relative.db").exists(), "nothing was created in the working folder"


def test_database_url_naming_a_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_for(tmp_path, "k", f"sqlite:///{tmp_path}")
    result = run(capsys, "db", "upgrade", "--config", str(config))
    assert_one_line_usage_error(result, "is a folder")


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can read, for running `kiosk` as that user."""
    with tempfile.TemporaryDirectory(prefix="kiosk-test-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        yield folder


def _kiosk_as_unprivileged_user(*argv: str) -> Run:
    """`python -m kiosk ARGV` without root's power to read anything.

    As root, the same user less the two capabilities that bypass file modes: another user
    (nobody) would also need to reach this checkout and its venv, which a clone under a
    private folder (what `mktemp -d` makes) does not allow."""
    drop: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop root's power over file modes")
        drop = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"]
    done = subprocess.run(
        [*drop, sys.executable, "-m", "kiosk", *argv],
        capture_output=True,
        text=True,
        cwd="/",
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        check=False,
        timeout=120,
    )
    if done.returncode == 126 or "can't open file" in done.stderr:
        pytest.skip(f"an ordinary user cannot run this Python here: {done.stderr.strip()}")
    return done.returncode, done.stdout, done.stderr


def test_unreadable_database_folder_is_refused_in_one_line(shared_folder: Path) -> None:
    locked = shared_folder / "locked"
    locked.mkdir()
    config = config_for(shared_folder, "k", f"sqlite:///{locked}/kiosk.db")
    config.chmod(0o644)
    locked.chmod(0o000)
    try:
        for command in (["db", "upgrade"], ["phones"], ["purge", "--before", "2020-01-01"]):
            result = _kiosk_as_unprivileged_user(*command, "--config", str(config))
            assert_one_line_usage_error(result, "[database] url", str(locked), "permission")
    finally:
        locked.chmod(0o755)


# --- dates out of range --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["purge", "--before", "0001-01-01"],
        ["export", "searches", "--from", "0001-01-01", "--to", "9999-12-31", "--by", "S1"],
        ["export", "attendance", "--date", "9999-12-31"],
        ["phones", "--date", "0001-01-01"],
    ],
    ids=["purge", "export-searches", "export-attendance", "phones"],
)
def test_dates_out_of_range_are_a_one_line_usage_error(upgraded: Cli, argv: list[str]) -> None:
    try:
        result = upgraded(*argv)
    except SystemExit as exc:
        out, err = upgraded.capsys.readouterr()
        result = (int(exc.code or 0), out, err)
    assert_one_line_usage_error(result, "out of range", "1900-01-01", "2999-12-31")


def test_unknown_option_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "db", "upgrade", "--colour", "blue")
    assert_one_line_usage_error(result, "--colour")


# --- --version and --help ------------------------------------------------------------------------


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--version")
    assert (code, err) == (0, "")
    assert out.strip() == f"kiosk {version('school-entry-kiosk')}"


def test_python_dash_m_kiosk_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("kiosk ")


def _leaf_commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield path, parser
    for group in groups:
        for name, child in group.choices.items():
            yield from _leaf_commands(child, (*path, name))


def test_every_command_help_explains_each_option_and_shows_an_example() -> None:
    leaves = dict(_leaf_commands(build_parser()))
    assert ("db", "upgrade") in leaves and ("purge",) in leaves and ("backup",) in leaves
    for path, parser in leaves.items():
        text = parser.format_help()
        assert "example:" in text, f"`kiosk {' '.join(path)} --help` shows no example"
        assert f"kiosk {' '.join(path)}" in text.split("example:", 1)[1], path
        for action in parser._actions:
            assert action.help, f"`kiosk {' '.join(path)}`: {action.dest} is not explained"
