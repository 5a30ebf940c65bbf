"""The panel is a kiosk, not a browser: no link opens a window, and it is not on the network.

A name from the MIS can hold a URL; the page's terminal (xterm.js) makes any URL a link that
opens a new Chromium window over the kiosk, where a learner could browse anywhere. And
`kiosk panel --listen 0.0.0.0:...` would put the whole kiosk, staff screens included, on the
network: refused unless asked for by name, and then warned about.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.screens.test_touch_browser import (
    FONT_SIZE,
    KEEP_TERMINAL,
    PANEL_PIXELS,
    Panel,
    School,
    _browser,
    _free_port,
    _playwright,
    _wait_for,
    school,  # noqa: F401 - the fixture
)

LINK = "https://example.org/win"


def test_a_url_on_the_panel_opens_no_window(school: School, tmp_path: Path) -> None:  # noqa: F811
    browser, sync_playwright, port = _browser(), _playwright(), _free_port()
    text = school.config.read_text().replace('name = "Panel Academy"', f'name = "Visit {LINK}"')
    school.config.write_text(text)
    log = (tmp_path / "panel.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "panel", "--listen", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env={
            **os.environ,
            "KIOSK_CONFIG": str(school.config),
            "GPIOZERO_PIN_FACTORY": "mock",
            "RUNTIME_DIRECTORY": str(tmp_path),
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
            opened: list[object] = []
            context.on("page", lambda new: opened.append(new))
            page = context.new_page()
            opened.clear()
            panel = Panel(page)
            try:
                page.goto(f"http://127.0.0.1:{port}/?fontsize={FONT_SIZE}")
                panel.wait_for(LINK)
                _wait_for(lambda: LINK in panel.text(), "the name drawn whole", page)
                x, y = panel.where(LINK)
                for _ in range(2):  # hover (the terminal finds the link), then press
                    page.mouse.move(x, y)
                    page.wait_for_timeout(200)
                    page.mouse.click(x, y)
                    page.touchscreen.tap(x, y)
                    page.wait_for_timeout(500)
                assert opened == [], "a URL on the panel opened a browser window"
                assert page.url.startswith(f"http://127.0.0.1:{port}/")
            finally:
                chromium.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.parametrize("listen", ["0.0.0.0:8080", "192.0.2.10:8080", "kiosk.school:8080"])
def test_a_listen_address_off_this_machine_is_refused(
    listen: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[school]\nname = "A"\n[database]\nurl = "sqlite:///{tmp_path}/k.db"\n')
    assert main(["panel", "--listen", listen, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--allow-network" in err
