"""The kiosk on the panel: one `kiosk run` kept running, with the panel's browser attached to it.

textual-serve starts an app per browser connection and ends it when the connection closes. At
a door that is the wrong way round: badges must be read while Chromium restarts, and after a
crash nobody is there to tap "Start again". So the server starts `kiosk run` itself (under
Textual's web driver, as textual-serve would), starts it again whenever it ends, and reads its
output at all times. A browser attaches to that process (the newest connection is the one
shown and heard) and is sent a full screen when it does; the page reloads itself whenever its
connection closes, so it finds the server again after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from kiosk.serve.panel_touch import TOUCH_DRAG_SCRIPT
from kiosk.serve.textual_page import PageServer

log = logging.getLogger(__name__)

RESTART_PAUSE_S = 1.0  # after an exit; doubled up to MAX_PAUSE_S while it fails to start
MAX_PAUSE_S = 10.0
STOP_GRACE_S = 20.0  # for the app to save the taps it has read, after it is asked to quit
REPAINT_WAIT_S = 5.0  # for the app to draw at the nudged size (a busy Pi can be slow)
BACKLOG_BYTES = 4 * 1024 * 1024  # screen output queued for a browser that has stopped reading
DEFAULT_SIZE = (80, 24)
RESTARTING = "The kiosk is starting again…"

PRELUDE = b"__GANGLION__\n"  # the web driver's first line: the app is a Textual app, started
# DEC private modes the app sets once at its start (alternate screen, mouse reporting, hidden
# cursor, bracketed paste): a browser attaching later must be told them again, or its taps
# would never reach the app. 2026 (synchronised output) brackets each frame: never replayed.
MODE = re.compile(rb"\x1b\[\?([0-9;]+)([hl])")
UNREPLAYED_MODES = {b"2026"}
FIRST_LINE = b"\x1b[1;1H"  # a whole frame starts at the top left (a change, where it is)

PANEL_PAGE = """{% extends "page.html" %}
{% block closed %}<div class="message">Reconnecting…</div>{% endblock %}
{% block script %}
    <script>
      // The panel is a kiosk, not a browser: text that looks like a URL (a name from the MIS)
      // is made a link by the page's terminal, which opens it with window.open. Never here.
      window.open = () => null;
      // Nobody is at the panel to tap "Start again": when the connection closes (the server
      // restarting), load the page again as soon as the server answers, trying every 2 s.
      (() => {
        let waiting = false;
        const retry = () =>
          fetch(window.location.href, { cache: "no-store" })
            .then((answer) => {
              if (answer.ok) window.location.reload();
              else setTimeout(retry, 2000);
            })
            .catch(() => setTimeout(retry, 2000));
        new MutationObserver(() => {
          if (!waiting && document.body.classList.contains("-closed")) {
            waiting = true;
            setTimeout(retry, 2000);
          }
        }).observe(document.body, { attributes: true, attributeFilter: ["class"] });
      })();
    </script>
    <script>TOUCH_DRAG</script>
{% endblock %}
""".replace("TOUCH_DRAG", TOUCH_DRAG_SCRIPT)


def _notice(text: str, size: tuple[int, int]) -> bytes:
    """`text` alone in the middle of a cleared terminal of `size`."""
    row, column = size[1] // 2 + 1, max(1, (size[0] - len(text)) // 2 + 1)
    return f"\x1b[0m\x1b[2J\x1b[{row};{column}H{text}".encode()


def packet(kind: bytes, payload: bytes) -> bytes:
    """One packet of the web driver's protocol: a type byte, a 4-byte big-endian size, data."""
    return kind + len(payload).to_bytes(4, "big") + payload


def web_environment(width: int, height: int) -> dict[str, str]:
    """The environment textual-serve's AppService gives an app: Textual's web driver, a size."""
    environment = dict(os.environ)
    if environment.get("WATCHDOG_PID") == str(os.getpid()):
        # systemd expects pings from this server; they come from the kiosk (its event loop is
        # what may freeze), which pings only when the watchdog is not named as another's.
        del environment["WATCHDOG_PID"]
    return {
        **environment,
        "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
        "TEXTUAL_FPS": "60",
        "TEXTUAL_COLOR_SYSTEM": "truecolor",
        "TERM_PROGRAM": "textual",
        "TERM_PROGRAM_VERSION": version("textual-serve"),
        "COLUMNS": str(width),
        "ROWS": str(height),
    }


class Viewer:
    """One browser connection: its size, and the output on its way to it.

    Output is queued, never awaited where it is read: a browser that stops reading must not
    stop the kiosk's output being read (the kiosk would block on a full pipe, badges unread).
    """

    def __init__(self, websocket: web.WebSocketResponse, size: tuple[int, int]) -> None:
        self.websocket = websocket
        self.size = size
        self._outbox: asyncio.Queue[bytes | str] = asyncio.Queue()
        self._queued = 0
        self.dropped = False
        self._closing: asyncio.Task[bool] | None = None  # held: a task nobody holds may vanish

    def send(self, data: bytes | str) -> None:
        if self.dropped:
            return
        if self._queued > BACKLOG_BYTES:
            # Its page reloads when the connection closes, and is drawn afresh.
            log.warning("the browser is not keeping up with the screen; closing its connection")
            self.dropped = True
            self._closing = asyncio.get_running_loop().create_task(self.websocket.close())
            return
        self._queued += len(data)
        self._outbox.put_nowait(data)

    async def pump(self) -> None:
        """Send what is queued, in order, until the connection goes."""
        while True:
            data = await self._outbox.get()
            self._queued -= len(data)
            try:
                if isinstance(data, bytes):
                    await self.websocket.send_bytes(data)
                else:
                    await self.websocket.send_str(data)
            except (ConnectionError, RuntimeError):
                return


class PanelKiosk:
    """`kiosk run` under the web driver, started again whenever it ends; browsers attach to it."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.size = DEFAULT_SIZE  # the app's, as last told; the next start's
        self._viewers: list[Viewer] = []
        self._process: asyncio.subprocess.Process | None = None
        # The app has drawn its first screen. Until then a resize is held back: the web driver
        # posts its starting size from another thread, and could apply it after ours.
        self._ready = False
        self._shown: Viewer | None = None  # the browser holding the app's whole screen
        self._modes: dict[bytes, bytes] = {}
        self._stopping = False
        self._wake = asyncio.Event()
        self._repaint: asyncio.Task[None] | None = None
        self._drawn_at_row: tuple[re.Pattern[bytes], asyncio.Event] | None = None
        self._supervisor: asyncio.Task[None] | None = None

    @property
    def viewers(self) -> tuple[Viewer, ...]:
        return tuple(self._viewers)

    @property
    def attached(self) -> Viewer | None:
        return self._viewers[-1] if self._viewers else None

    def start(self) -> None:
        """Start the kiosk now, and again after each exit, until `stop`."""
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())

    async def _supervise(self) -> None:
        pause = RESTART_PAUSE_S / 2
        while not self._stopping:
            try:
                started = await self._run_once()
            except Exception:
                log.exception("kiosk run could not be started")
                started = False
            if self._stopping:
                break
            pause = RESTART_PAUSE_S if started else min(pause * 2, MAX_PAUSE_S)
            log.info("starting kiosk run again in %.0f s", pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)

    async def stop(self) -> None:
        """Ask the kiosk to quit (it saves what it has read), and kill it if it will not."""
        self._stopping = True
        self._wake.set()
        if self._supervisor is None:
            return
        await self._quit()
        try:
            await asyncio.wait_for(asyncio.shield(self._supervisor), STOP_GRACE_S)
        except TimeoutError:
            if self._process is not None and self._process.returncode is None:
                log.error("kiosk run did not quit in %.0f s; killing it", STOP_GRACE_S)
                self._process.kill()
            await self._supervisor

    async def _quit(self) -> None:
        if self._process is not None and self._process.returncode is None:
            log.info("asking kiosk run (pid %d) to quit", self._process.pid)
            await self._write(packet(b"M", json.dumps({"type": "quit"}).encode()))

    async def _run_once(self) -> bool:
        """One life of the app; whether it got as far as starting its screen."""
        if self.attached is not None:
            self.size = self.attached.size
        self._shown = self.attached  # it sees the first frame, drawn whole at its size
        self._modes.clear()
        self._ready = False
        process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=web_environment(*self.size),
        )
        self._process = process
        log.info("kiosk run started (pid %d)", process.pid)
        assert process.stdout is not None and process.stderr is not None
        stderr = asyncio.create_task(self._log_stderr(process.pid, process.stderr))
        if self._stopping:  # stopped while it was starting: it still gets to quit cleanly
            await self._quit()
        started = False
        try:
            started = await self._read_output(process.stdout)
        except Exception:
            log.exception("kiosk run's output could not be read; stopping it")
        finally:
            if process.returncode is None and not process.stdout.at_eof():
                process.kill()  # unreadable, it would soon block on a full pipe
            status = await process.wait()
            await stderr
            self._ready = False
            self._process = None
            if self._repaint is not None:
                self._repaint.cancel()  # the next start draws its whole screen anyway
            if self.attached is not None and not self._stopping:
                # Not the last screen it drew, which would say "tap your badge" to nobody.
                self.attached.send(_notice(RESTARTING, self.attached.size))
        how = f"killed by signal {-status}" if status < 0 else f"exit status {status}"
        level = logging.INFO if self._stopping and status == 0 else logging.WARNING
        log.log(level, "kiosk run (pid %d) ended: %s", process.pid, how)
        return started

    async def _read_output(self, stdout: asyncio.StreamReader) -> bool:
        while True:
            line = await stdout.readline()
            if not line:
                return False
            if line == PRELUDE:
                break
            log.info("kiosk run wrote: %s", line.decode(errors="replace").rstrip())
        while True:
            try:
                head = await stdout.readexactly(5)
                payload = await stdout.readexactly(int.from_bytes(head[1:], "big"))
            except asyncio.IncompleteReadError:
                return True
            kind = head[:1]
            if kind == b"D":
                self._on_screen(payload)
            elif kind == b"M":
                self._on_meta(payload)
            # b"P" carries files for download: the panel offers none.

    async def _log_stderr(self, pid: int, stderr: asyncio.StreamReader) -> None:
        # Drained as it comes (a full pipe would stop the app); the kiosk logs to its own
        # file, so anything here is a surprise worth keeping in the journal.
        pending = b""
        while chunk := await stderr.read(4096):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                log.warning("kiosk run (pid %d): %s", pid, line.decode(errors="replace"))
        if pending:
            log.warning("kiosk run (pid %d): %s", pid, pending.decode(errors="replace"))

    def _on_screen(self, data: bytes) -> None:
        for numbers, state in MODE.findall(data):
            for number in numbers.split(b";"):
                if number not in UNREPLAYED_MODES:
                    self._modes[number] = state
        if self._drawn_at_row is not None and self._drawn_at_row[0].search(data):
            self._drawn_at_row[1].set()
        if self.attached is not None:
            self.attached.send(data)
        if not self._ready and FIRST_LINE in data:  # its first frame: the whole screen
            self._ready = True
            viewer = self.attached
            if viewer is not None and (viewer is not self._shown or viewer.size != self.size):
                self._show_to(viewer)

    def _on_meta(self, payload: bytes) -> None:
        try:
            meta: dict[str, Any] = json.loads(payload)
        except ValueError:
            log.warning("kiosk run sent a meta packet that is not JSON: %r", payload[:200])
            return
        kind = meta.get("type")
        if kind == "exit":
            # The app is closing its screen. The browser stays connected: the next start
            # draws on the same page.
            log.info("kiosk run is closing its screen")
        elif kind == "open_url":
            log.warning("kiosk run asked to open %r: the panel opens no windows", meta.get("url"))
        else:
            log.info("kiosk run sent %r, which the panel does not use", kind)

    async def _write(self, data: bytes) -> None:
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            return  # restarting: a tap on the glass now has nothing to reach
        try:
            process.stdin.write(data)
            await process.stdin.drain()
        except (ConnectionError, RuntimeError):
            pass  # it has just ended; the supervisor starts it again

    async def _send_size(self, size: tuple[int, int]) -> None:
        self.size = size
        meta = {"type": "resize", "width": size[0], "height": size[1]}
        await self._write(packet(b"M", json.dumps(meta).encode()))

    # Browsers

    def attach(self, viewer: Viewer) -> None:
        """The newest browser is the one shown and heard; the others wait their turn."""
        self._viewers.append(viewer)
        self._modes_to(viewer)
        if self._ready:  # else its first frame, or the check when it is drawn, covers it
            self._show_to(viewer)

    def detach(self, viewer: Viewer) -> None:
        was_attached = viewer is self.attached
        with contextlib.suppress(ValueError):
            self._viewers.remove(viewer)
        if was_attached and self.attached is not None:
            self._modes_to(self.attached)
            if self._ready:
                self._show_to(self.attached)

    def _modes_to(self, viewer: Viewer) -> None:
        modes = b"".join(b"\x1b[?" + number + state for number, state in self._modes.items())
        if modes:
            viewer.send(modes)

    def _show_to(self, viewer: Viewer) -> None:
        if self._repaint is not None:
            self._repaint.cancel()
        self._shown = None
        self._repaint = asyncio.get_running_loop().create_task(self._redraw(viewer))

    async def _redraw(self, viewer: Viewer) -> None:
        """Make the app draw its whole screen for a browser that has just attached.

        The web driver's resize meta is the only nudge the app takes from outside. Textual
        (8.2.8) takes a resize to the size it has as a layout pass that repaints only what
        moved: on a plain still screen, nothing. A new size repaints every line, as the
        screen's own region has changed. So: one row taller, wait until a line is drawn on that
        extra row (the app has laid out at that size: two resizes close together would be
        merged into none), then the browser's own size, which repaints the screen in full.
        """
        width, height = viewer.size
        drawn = asyncio.Event()
        self._drawn_at_row = (re.compile(rb"\x1b\[%d;\d+H" % (height + 1)), drawn)
        try:
            await self._send_size((width, height + 1))
            try:
                await asyncio.wait_for(drawn.wait(), REPAINT_WAIT_S)
            except TimeoutError:
                log.warning("kiosk run did not redraw in %.0f s", REPAINT_WAIT_S)
        finally:
            self._drawn_at_row = None
        if viewer.size != (width, height + 1):  # else the browser grew meanwhile: drawn
            await self._send_size(viewer.size)
        self._shown = viewer
        log.info("the panel shows the kiosk's whole screen at %dx%d", *viewer.size)

    async def receive(self, viewer: Viewer, envelope: list[Any]) -> None:
        """A message from a browser; only the attached one's reach the app."""
        kind = envelope[0] if envelope else None
        if kind == "ping" and len(envelope) > 1:
            viewer.send(json.dumps(["pong", envelope[1]]))
        elif kind == "resize" and len(envelope) > 1 and isinstance(envelope[1], dict):
            try:
                viewer.size = (
                    max(1, int(envelope[1]["width"])),
                    max(1, int(envelope[1]["height"])),
                )
            except (KeyError, TypeError, ValueError):
                return
            redrawing = self._repaint is not None and not self._repaint.done()
            if viewer is self.attached and self._ready and not redrawing:
                await self._send_size(viewer.size)  # a new size is drawn whole
        elif viewer is not self.attached:
            return
        elif kind == "stdin" and len(envelope) > 1 and isinstance(envelope[1], str):
            await self._write(packet(b"D", envelope[1].encode()))
        elif kind in ("focus", "blur"):
            await self._write(packet(b"M", json.dumps({"type": kind}).encode()))


class PanelServer(PageServer):
    """The panel's page and its websocket, in front of one supervised `kiosk run`."""

    PAGE = PANEL_PAGE

    def __init__(self, argv: Sequence[str], *, host: str, port: int, title: str) -> None:
        super().__init__(" ".join(argv), host=host, port=port, title=title)
        self.kiosk = PanelKiosk(argv)

    async def on_startup(self, app: web.Application) -> None:
        # The kiosk starts with the server, not with a browser: badges are read without one.
        self.kiosk.start()
        log.info("serving the kiosk to the panel on http://%s:%d", self.host, self.port)

    async def on_shutdown(self, app: web.Application) -> None:
        await self.kiosk.stop()
        # The pages start looking for the server again (it is restarting, or being stopped).
        for viewer in self.kiosk.viewers:
            await viewer.websocket.close(code=WSCloseCode.GOING_AWAY, message=b"restarting")

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        viewer = Viewer(websocket, (_size(request, "width", 80), _size(request, "height", 24)))
        pump = asyncio.get_running_loop().create_task(viewer.pump())
        self.kiosk.attach(viewer)
        try:
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    envelope = message.json()
                except ValueError:
                    continue
                if isinstance(envelope, list):
                    await self.kiosk.receive(viewer, envelope)
        finally:
            self.kiosk.detach(viewer)
            pump.cancel()
        return websocket


def _size(request: web.Request, name: str, default: int) -> int:
    try:
        return max(1, int(request.query.get(name, default)))
    except ValueError:
        return default


def serve_panel(argv: Sequence[str], *, host: str, port: int, title: str) -> None:
    """Run the kiosk and serve it to the panel until SIGINT or SIGTERM."""
    PanelServer(argv, host=host, port=port, title=title).serve()
