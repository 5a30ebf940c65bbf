"""An app that stops on an error says so: a non-zero exit status and the traceback in the log."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from kiosk.station.crash import CRASHED, LogsCrashes, run_app

ROOT = Path(__file__).resolve().parents[2]


class Tapped(App[None]):
    """Fails in a handler, as a screen did on a name it read as markup."""

    def compose(self) -> ComposeResult:
        yield Static("idle")

    def on_mount(self) -> None:
        self.set_timer(0.01, self.tap)

    def tap(self) -> None:
        raise RuntimeError("a tap the app could not handle")

    def run(self, **options: object) -> None:  # type: ignore[override]
        # No terminal under pytest: the same run, drawn nowhere.
        return super().run(headless=True)


class TappedAndLogged(LogsCrashes[None], Tapped):
    pass


class Closed(Tapped):
    def tap(self) -> None:
        self.exit()


def crash_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "kiosk.station.crash" and r.levelno == logging.CRITICAL
    ]


async def test_an_error_in_the_app_is_logged_with_its_traceback_when_it_happens(caplog) -> None:
    app = TappedAndLogged()
    with pytest.raises(RuntimeError, match="could not handle"):
        async with app.run_test():
            # Logged while the app is still shutting down, before run() has returned.
            deadline = time.monotonic() + 30
            while not crash_records(caplog) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert [r.getMessage() for r in crash_records(caplog)] == [CRASHED]
    assert app.return_code == 1
    (record,) = crash_records(caplog)
    assert record.exc_info is not None and "could not handle" in str(record.exc_info[1])
    assert "in tap" in caplog.text, "the traceback names the handler that failed"


@pytest.mark.parametrize("app_class", [Tapped, TappedAndLogged])
def test_an_app_that_crashed_ends_with_a_failing_exit_status_and_one_logged_traceback(
    app_class: type[Tapped], caplog
) -> None:
    assert run_app(app_class()) == 1
    assert len(crash_records(caplog)) == 1
    assert "Traceback" in caplog.text and "a tap the app could not handle" in caplog.text


def test_an_app_closed_normally_ends_with_status_0_and_logs_no_crash(caplog) -> None:
    assert run_app(Closed()) == 0
    assert crash_records(caplog) == []


CONFIG = """\
[school]
name = "Crash Academy"

[database]
url = "sqlite:///{db}"

[rfid]
driver = "none"

[detector]
driver = "none"
"""

# `kiosk run` as systemd starts it, but with the app swapped for one that fails on its first
# tap and draws nowhere (the test has no terminal).
RUN = """\
import sys
import kiosk.station.launch
from tests.app.test_hardening_crash import Tapped
kiosk.station.launch.build_production = lambda config, **_: Tapped()
from kiosk.cli import main
sys.exit(main(["run", "--config", sys.argv[1]]))
"""


def test_kiosk_run_exits_non_zero_with_the_traceback_in_its_log_when_the_app_crashes(
    tmp_path: Path,
) -> None:
    from kiosk.cli import main

    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(db=tmp_path / "kiosk.db"), encoding="utf-8")
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    log_file = tmp_path / "kiosk.log"
    env = {
        **os.environ,
        "KIOSK_LOG": str(log_file),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("INVOCATION_ID", None)  # not under systemd: the file is the log
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(RUN), str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: a tap the app could not handle" in logged
