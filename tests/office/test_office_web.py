"""`kiosk office` in a real browser: sign in, the morning, the attendance download, and the
search log for the safeguarding lead alone; nothing is fetched from outside the school.

Runs Debian's headless Chromium through Playwright (no browser download). Without Chromium the
tests are skipped, except in CI (CI=true), where they fail so that they cannot silently vanish.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.exports import ATTENDANCE_HEADER
from tests.office.office_web_school import DSL_PIN, FORMULA_SURNAME, OFFICE_PIN, make_school
from tests.office.terminal import Grid

CHROMIUM_NAMES = ("chromium-headless-shell", "chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox will not start
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_SECONDS = 30.0
POLL_MS = 100

# Recorded in the page before its own script runs: the terminal's bytes as text (the canvas
# it draws cannot be read back) and what the page sends (the terminal's size).
RECORDER = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder("utf-8");
  window.__received = "";
  window.__sent = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string") {
          window.__received += decoder.decode(new Uint8Array(event.data), {stream: true});
        }
      });
    }
    send(data) { window.__sent.push(String(data)); return super.send(data); }
  };
})();
"""


def chromium() -> str:
    """The Chromium binary to drive; skips the test without one (fails it in CI)."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    reason = (
        "no Chromium binary (apt-get install chromium-headless-shell) for the office browser test"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}: required in CI", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            said = log.read_text(encoding="utf-8", errors="replace")
            raise AssertionError(f"kiosk office exited with {server.returncode}:\n{said}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"kiosk office did not listen on port {port}")


@dataclass
class Served:
    url: str
    folder: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`kiosk office` on a school's database, as a separate process, stopped with SIGTERM."""
    folder = tmp_path_factory.mktemp("office")
    folder.chmod(0o700)
    port = free_port()
    config = make_school(folder, port, datetime.now(UTC))
    log_file = folder / "server.log"
    log = log_file.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "office", "--config", str(config)],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, server, log_file)
        yield Served(f"http://127.0.0.1:{port}", folder)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class Desk:
    """One browser tab on the office, read through its terminal's grid of cells."""

    page: Any
    origin: str
    outside: list[str] = field(default_factory=list)
    grid: Grid | None = None
    _seen: int = 0

    def open(self) -> None:
        self.page.route("**/*", self._only_the_school)
        self.page.add_init_script(RECORDER)
        self.page.goto(self.origin + "/")

    def _only_the_school(self, route: Any) -> None:
        url: str = route.request.url
        if url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def _read(self) -> Grid | None:
        sent: list[str] = self.page.evaluate("window.__sent || []")
        sizes = [json.loads(s)[1] for s in sent if s.startswith('["resize"')]
        if not sizes:
            return None
        width, height = sizes[-1]["width"], sizes[-1]["height"]
        if self.grid is None or (self.grid.width, self.grid.height) != (width, height):
            # The terminal was fitted to the window again: the app redraws the whole screen.
            self.grid = Grid(width, height)
        received: str = self.page.evaluate(f"window.__received.slice({self._seen})")
        self._seen += len(received)
        self.grid.feed(received)
        return self.grid

    def wait_for(self, words: str) -> Grid:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            grid = self._read()
            if grid is not None and grid.find(words) is not None:
                return grid
            self.page.wait_for_timeout(POLL_MS)
        shown = self.grid.text if self.grid else "(nothing drawn)"
        raise AssertionError(f"{words!r} never appeared; the screen shows:\n{shown}")

    def screen(self) -> str:
        grid = self._read()
        return grid.text if grid else ""

    def click(self, words: str) -> None:
        """Click the middle of `words` where the terminal shows them."""
        grid = self.wait_for(words)
        row, col = grid.find(words) or (0, 0)
        box = self.page.locator(".xterm-screen").bounding_box()
        cell_width, cell_height = box["width"] / grid.width, box["height"] / grid.height
        self.page.mouse.click(
            box["x"] + (col + len(words) / 2) * cell_width,
            box["y"] + (row + 0.5) * cell_height,
        )

    def download_after_clicking(self, words: str) -> Any:
        """The file the browser downloads (the page opens its single-use link in a new tab)."""
        downloads: list[Any] = []
        context = self.page.context

        def downloaded(download: Any) -> None:
            downloads.append(download)

        def watch(page: Any) -> None:
            page.on("download", downloaded)

        context.on("page", watch)
        self.page.on("download", downloaded)
        try:
            self.click(words)
            deadline = time.monotonic() + WAIT_SECONDS
            while not downloads and time.monotonic() < deadline:
                self.page.wait_for_timeout(POLL_MS)
        finally:
            context.remove_listener("page", watch)
            self.page.remove_listener("download", downloaded)
        assert downloads, f"clicking {words!r} downloaded nothing"
        return downloads[0]

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def sign_in(self, staff_id: str, pin: str) -> None:
        self.open()
        self.click("e.g. S07")
        self.type(staff_id)
        self.click("4 to 8 digits")
        self.type(pin)
        self.page.keyboard.press("Enter")
        self.wait_for("This morning")

    def open_morning(self) -> str:
        self.click("This morning")
        self.wait_for("not in yet")
        # The tab bar is drawn as one line: with "Outbox" on it, a "Searches" tab would be too.
        return self.wait_for("Outbox (").text


@pytest.fixture
def desk(browser: Any, served: Served) -> Iterator[Desk]:
    page = browser.new_page()
    opened = Desk(page, served.url)
    try:
        yield opened
    finally:
        page.close()
    assert opened.outside == [], "the office page fetched from outside the school"


def test_office_staff_see_the_morning_and_download_the_attendance_marks(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)

    morning = desk.open_morning()

    assert "in 2 · not in yet 1" in morning
    desk.wait_for("Ola Nowak")  # not in yet
    desk.click("Export")
    download = desk.download_after_clicking("Export today's marks")
    assert download.suggested_filename.startswith("attendance-")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == ATTENDANCE_HEADER
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {"A1001", "A1002", "A1003"}
    code = ATTENDANCE_HEADER.index("code")
    assert by_id["A1001"][code] in ("/", "L", "U")
    assert by_id["A1003"][code] in ("", "N")
    # The CLI's writer: a name a spreadsheet would run is written as text.
    assert by_id["A1002"][ATTENDANCE_HEADER.index("surname")] == "'" + FORMULA_SURNAME


def test_the_safeguarding_lead_sees_todays_searches(desk: Desk) -> None:
    desk.sign_in("DS1", DSL_PIN)

    desk.open_morning()
    desk.click("Searches (1)")

    desk.wait_for("Blade seen; nobody else free")
    desk.wait_for("Amir Haddad")
    desk.wait_for("The search exception was used 1 time(s) today.")


def test_office_staff_see_no_searches(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)

    morning = desk.open_morning()
    desk.click("Export")
    export = desk.wait_for("Export today's marks").text

    for shown in (morning, export, desk.screen()):
        assert "Searches" not in shown
        assert "search log" not in shown


def test_a_wrong_pin_is_refused_with_the_tries_left(desk: Desk) -> None:
    desk.open()
    desk.click("e.g. S07")
    desk.type("OF1")
    desk.click("4 to 8 digits")
    desk.type("0000")
    desk.page.keyboard.press("Enter")

    assert "Wrong PIN. 4 tries left." in desk.wait_for("Wrong PIN").text
