"""A finger on the glass reaches the kiosk: taps through the browser the panel runs.

The panel shows the kiosk in Chromium, served on localhost by `kiosk panel` (see the display
stack in docs/raspberry-pi.md). Here the real `kiosk panel` runs on a school's SQLite book, its
reader a pseudo-terminal and its pins gpiozero's mock; Chromium's headless shell opens it at
the panel's size and font with touch enabled, and is sent real touch events (Playwright's
touchscreen: Chrome's own touch input) where the keys are drawn. A member of staff's badge is
read, the PIN is tapped in, and the kiosk must sign them on: on the screen and on record.

Without Chromium or Playwright the test is skipped, saying why; under CI=true it fails instead.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drivers.framing import encode_frame
from kiosk.cli import main
from kiosk.demo import DEMO_LEARNERS, DEMO_STAFF
from tests.drivers.driverfakes import PtyDevice

CHROMIUM = ("chromium-headless-shell", "chromium")
PANEL_PIXELS = {"width": 800, "height": 480}  # the 7-inch panel
FONT_SIZE = 20  # the page's ?fontsize= in systemd/kiosk.service
WAIT_SECONDS = 30.0  # a bound for a busy machine; a passing test returns as soon as it can

BETHAN = ("S03", "1A00990003", "Bethan")  # a screener in the demo staff list
PIN = "2580"

CONFIG = """\
[school]
name = "Panel Academy"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "off"
screening = "off"

[rfid]
driver = "em4100"
port = "{reader}"

[detector]
driver = "none"
"""

# Run in the page before its own script: keeps the page's xterm.js terminal where the test can
# read what it shows (the canvas it draws on cannot be read back). The page's script assigns
# `this.terminal = new Terminal(...)`; a setter on Object.prototype sees that one assignment
# and then gets out of the way (an own property), so nothing the page does is changed.
KEEP_TERMINAL = """
(() => {
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "terminal", {
        value, writable: true, configurable: true, enumerable: true,
      });
      if (value && value.buffer && value.cols) window.kioskTerminal = value;
    },
  });
})();
"""

READ_SCREEN = """
() => {
  const terminal = window.kioskTerminal;
  if (!terminal) return null;
  const buffer = terminal.buffer.active, lines = [];
  for (let y = 0; y < terminal.rows; y++) {
    lines.push(buffer.getLine(buffer.viewportY + y).translateToString(true));
  }
  return {columns: terminal.cols, rows: terminal.rows, lines};
}
"""


def _browser() -> str:
    for name in CHROMIUM:
        path = shutil.which(name) or shutil.which(name, path="/usr/lib/chromium")
        if path:
            return path
    reason = "no Chromium: install Debian's chromium-headless-shell to run the touch test"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "no Playwright: pip install the test extra to run the touch test"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(condition: Callable[[], object], what: str, page: Any = None) -> None:
    """Poll `condition`; with a page, wait in the page, which lets its events arrive."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if page is None:
            time.sleep(0.05)
        else:
            page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


class Panel:
    """The page as staff see it: the terminal's lines, and a finger to tap what is drawn."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def screen(self) -> dict[str, Any] | None:
        return self.page.evaluate(READ_SCREEN)  # type: ignore[no-any-return]

    def text(self) -> str:
        screen = self.screen()
        return "\n".join(screen["lines"]) if screen else ""

    def shows(self, text: str) -> bool:
        return text in self.text()

    def wait_for(self, text: str) -> None:
        try:
            _wait_for(lambda: self.shows(text), repr(text), self.page)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the panel shows:\n{self.text()}") from None

    def where(self, label: str) -> tuple[float, float]:
        """The middle of `label` on screen, in pixels: the one place it is drawn on its own.
        Read again until a whole frame shows it (a read may land while a frame is drawn)."""
        pattern = re.compile(rf"(?<!\S){re.escape(label)}(?!\S)")

        def read() -> tuple[dict[str, Any], list[tuple[int, int]]]:
            screen = self.screen()
            assert screen is not None
            found = [
                (row, match.start())
                for row, line in enumerate(screen["lines"])
                for match in pattern.finditer(line)
            ]
            return screen, found

        screen, found = read()
        deadline = time.monotonic() + WAIT_SECONDS
        while len(found) != 1 and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
            screen, found = read()
        assert len(found) == 1, f"{label!r} drawn {len(found)} times:\n" + "\n".join(
            screen["lines"]
        )
        row, column = found[0]
        box = self.page.locator(".xterm-screen").bounding_box()
        cell_w, cell_h = box["width"] / screen["columns"], box["height"] / screen["rows"]
        return box["x"] + (column + len(label) / 2) * cell_w, box["y"] + (row + 0.5) * cell_h

    def tap(self, label: str) -> None:
        self.page.touchscreen.tap(*self.where(label))


@dataclass
class School:
    config: Path
    reader: PtyDevice  # the far end of the kiosk's serial reader


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Iterator[School]:
    """A school's config and SQLite book, set up with the CLI as an installer would."""
    tmp_path.chmod(0o700)
    reader = PtyDevice(tmp_path / "reader")
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(db=tmp_path / "kiosk.db", reader=reader.path))
    staff_id = BETHAN[0]
    for args in (
        ["db", "upgrade"],
        ["roster", "import", str(DEMO_LEARNERS)],
        ["staff", "import", str(DEMO_STAFF)],
    ):
        assert main([*args, "--config", str(config)]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PIN}\n"))
    assert main(["staff", "set-pin", staff_id, "--config", str(config)]) == 0
    capsys.readouterr()
    try:
        yield School(config, reader)
    finally:
        reader.unplug()


def signed_on(db: Path) -> list[tuple[str, str]]:
    """Who the book says is on duty now (the fire roll's staff), and at which door."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as book:
        return book.execute(
            "SELECT staff.staff_id, staff_sign_ons.station FROM staff_sign_ons "
            "JOIN staff ON staff.id = staff_sign_ons.staff_id "
            "WHERE staff_sign_ons.signed_off_at IS NULL"
        ).fetchall()


def test_staff_sign_on_with_a_pin_tapped_on_the_panel(school: School, tmp_path: Path) -> None:
    browser = _browser()
    sync_playwright = _playwright()
    port = _free_port()
    log = (tmp_path / "panel.log").open("wb")
    # What kiosk-panel.service runs, with its environment; the pins are gpiozero's mock.
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "panel", "--listen", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env={
            **os.environ,
            "KIOSK_CONFIG": str(school.config),
            "GPIOZERO_PIN_FACTORY": "mock",
            "RUNTIME_DIRECTORY": str(tmp_path),  # the device lock, apart from any other kiosk
            "KIOSK_LOG": str(tmp_path / "kiosk.log"),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def listening() -> bool:
            assert server.poll() is None, (tmp_path / "panel.log").read_text()
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        _wait_for(listening, "kiosk panel to listen")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=browser)
            context = chromium.new_context(viewport=PANEL_PIXELS, has_touch=True)
            context.add_init_script(KEEP_TERMINAL)
            page = context.new_page()
            panel = Panel(page)
            try:
                page.goto(f"http://127.0.0.1:{port}/?fontsize={FONT_SIZE}")
                panel.wait_for("Tap your badge")
                screen = panel.screen()
                assert screen is not None
                assert 64 <= screen["columns"] <= 80 and 20 <= screen["rows"] <= 24, (
                    "the grid the screens are made for"
                )
                school.reader.write(encode_frame(BETHAN[1]))  # the badge held to the reader
                panel.wait_for(f"{BETHAN[2]}, enter your PIN")
                for digit in PIN:
                    panel.tap(digit)
                # OK is enabled from the fourth digit: tap it once the dots say so, as staff do.
                panel.wait_for("● ● ● ●")
                panel.tap("OK")
                panel.wait_for("On duty")
                assert "Evans" in panel.text(), "the duty list names who signed on"
                _wait_for(lambda: signed_on(tmp_path / "kiosk.db"), "the sign-on on record")
                assert signed_on(tmp_path / "kiosk.db") == [(BETHAN[0], "main")]
                panel.tap("Close")
                panel.wait_for("In the lane 0")  # the queue: staff's home while signed on
            finally:
                page.screenshot(path=str(tmp_path / "panel.png"))
                chromium.close()
    finally:
        server.terminate()
        server.wait(timeout=WAIT_SECONDS)
        log.close()
