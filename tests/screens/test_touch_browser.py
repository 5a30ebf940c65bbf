"""A finger on the glass reaches the kiosk: taps through the browser the panel runs.

The panel shows the kiosk in Chromium, served on localhost by textual-serve (see the display
stack in docs/raspberry-pi.md). Here Chromium's headless shell is sent real touch events
(Playwright's touchscreen: Chrome's own touch input, with touch enabled as on the panel) on
the PIN pad, and the app must receive the PIN those taps entered.

Without Chromium or Playwright the test is skipped, saying why; under CI=true it fails instead.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.screens.touch_pin_app import make

CHROMIUM = ("chromium-headless-shell", "chromium")
PANEL_PIXELS = {"width": 800, "height": 480}  # the 7-inch panel
FONT_SIZE = 20  # the page's ?fontsize= in systemd/kiosk.service: a 66x20 grid on the panel


def _browser() -> str:
    for name in CHROMIUM:
        path = shutil.which(name) or shutil.which(name, path="/usr/lib/chromium")
        if path:
            return path
    reason = "no Chromium: install Debian's chromium-headless-shell to run the touch test"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _playwright():  # type: ignore[no-untyped-def]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "no Playwright: pip install the test extra to run the touch test"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return sync_playwright


def _text(frame: bytes | str) -> str:
    return frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(condition, seconds: float, what: str, page=None) -> None:  # type: ignore[no-untyped-def]
    """Poll `condition`; with a page, wait in the page, which lets its events arrive."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if page is None:
            time.sleep(0.05)
        else:
            page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def _key_centres(columns: int, rows: int) -> dict[str, tuple[float, float]]:
    """Where each key of the PIN pad is drawn, in cells, at the browser's grid size."""

    async def lay_out() -> dict[str, tuple[float, float]]:
        app = make()
        async with app.run_test(size=(columns, rows)) as pilot:
            await pilot.pause()
            return {
                key.id or "": (
                    key.region.x + key.region.width / 2,
                    key.region.y + key.region.height / 2,
                )
                for key in app.screen.query("TouchKey")
            }

    # Playwright's sync API keeps an event loop on this thread: lay out on another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, lay_out()).result()


def test_a_pin_tapped_on_the_touch_screen_reaches_the_kiosk(tmp_path: Path) -> None:
    browser = _browser()
    sync_playwright = _playwright()
    port = _free_port()
    result = tmp_path / "pin"
    app_command = f"{shlex.quote(sys.executable)} -m tests.screens.touch_pin_app"
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from textual_serve.server import Server; "
            "Server(sys.argv[1], host='127.0.0.1', port=int(sys.argv[2])).serve()",
            app_command,
            str(port),
        ],
        cwd=Path(__file__).parents[2],
        env={**os.environ, "KIOSK_TOUCH_RESULT": str(result)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def listening() -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        _wait_for(listening, 20, "textual-serve to listen")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=browser)
            page = chromium.new_context(viewport=PANEL_PIXELS, has_touch=True).new_page()
            sockets = []
            drawn: list[str] = []

            def opened(ws) -> None:  # type: ignore[no-untyped-def]
                sockets.append(ws)
                ws.on("framereceived", lambda frame: drawn.append(_text(frame)))

            page.on("websocket", opened)
            page.goto(f"http://127.0.0.1:{port}/?fontsize={FONT_SIZE}")
            _wait_for(lambda: bool(sockets), 20, "the page to open its websocket", page)
            query = parse_qs(urlparse(sockets[0].url).query)
            columns, rows = int(query["width"][0]), int(query["height"][0])
            assert 64 <= columns <= 80 and 20 <= rows <= 24, "the grid the screens are made for"
            screen = page.locator(".xterm-screen").bounding_box()
            assert screen is not None
            cell_w, cell_h = screen["width"] / columns, screen["height"] / rows
            keys = _key_centres(columns, rows)
            _wait_for(
                lambda: "enter your PIN" in "".join(drawn), 20, "the PIN pad to be drawn", page
            )

            def tap(key: str) -> None:
                x, y = keys[key]
                page.touchscreen.tap(screen["x"] + x * cell_w, screen["y"] + y * cell_h)

            for key in ("key-2", "key-0", "key-2", "key-6"):
                tap(key)
            # OK is only enabled from the fourth digit: tap it once the dots say so, as staff do.
            _wait_for(lambda: "● ● ● ●" in "".join(drawn), 10, "four dots", page)
            tap("key-ok")
            try:
                _wait_for(result.exists, 10, "the app to receive the PIN", page)
            finally:
                page.screenshot(path=str(tmp_path / "panel.png"))
            chromium.close()
        assert result.read_text() == "2026"
    finally:
        server.terminate()
        server.wait(timeout=10)
