"""The panel after a crash: seconds from SIGKILL of its `kiosk run` to the next badge marked.

`kiosk panel` as kiosk-panel.service runs it, with no browser, on an SQLite school made with the
CLI; the reader is an EM4100 on a pseudo-terminal and the pins are gpiozero's mock. The app is
killed with SIGKILL and a learner taps at once, then again as soon as the restarted app has the
reader open, and every TAP_EVERY_S after that until the tap is marked.
The figure is the worst of ROUNDS kills: the door's promise is 10 s, every time.

`python -m bench.panel` prints this figure alone.
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.endtoend import Pty, badge, quiet
from drivers.framing import encode_frame
from kiosk.cli import main as cli

ROUNDS = 3
LEARNERS = 20
TAP_EVERY_S = 0.6  # a learner not answered taps again (the reader takes 0.5 s as a new tap)
WAIT_S = 60.0  # a bound for a stuck run; a working panel answers in seconds

CONFIG = """\
[school]
name = "Bench Academy"
timezone = "{zone}"
day_starts = "08:00"
register_closes = "08:30"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "off"
screening = "off"

[rfid]
driver = "em4100"
port = "{port}"
repeat_suppress_seconds = 0.5

[detector]
driver = "none"
"""


def _morning_zone(now: datetime) -> str:
    """A fixed-offset zone in which `now` is between 09:00 and 10:00, so a tap is marked (U)
    whenever the bench runs. The Etc/GMT names carry POSIX's sign: Etc/GMT-3 is UTC+3."""
    offset = (9 - now.astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _has_open(pid: int, device: str) -> bool:
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == device:
                    return True
    return False


def _until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def _marked(db: Path, mis_id: str) -> bool:
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as book:
        row = book.execute(
            "SELECT 1 FROM session_marks m JOIN learners l ON l.id = m.learner_id "
            "WHERE l.mis_id = ?",
            (mis_id,),
        ).fetchone()
    return row is not None


def _reading(server: int, device: str) -> int | None:
    """The server's `kiosk run`, once it has the reader open."""
    for pid in _children(server):
        if _has_open(pid, device):
            return pid
    return None


def _kill_and_tap(server: int, reader: Pty, device: str, db: Path, n: int) -> float:
    """SIGKILL the kiosk, learner n taps; seconds until the mark is on record."""
    killed = _reading(server, device)
    assert killed is not None
    killed_at = time.monotonic()
    os.kill(killed, signal.SIGKILL)
    reader.write(encode_frame(badge(n)))  # the tap right after the kill
    _until(lambda: _reading(server, device) not in (None, killed), "the kiosk to restart")
    _tap(reader, n, db)
    return time.monotonic() - killed_at


def _tap(reader: Pty, n: int, db: Path) -> None:
    """Learner n taps now, and again every TAP_EVERY_S until the mark is on record. (The app
    takes reads once its screen is up, after it opens the reader: a tap in between is lost, as
    it would be at a real door, and the learner taps again.)"""
    frame, mis_id = encode_frame(badge(n)), f"P{n:05d}"
    deadline = time.monotonic() + WAIT_S
    next_tap = 0.0
    while not _marked(db, mis_id):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{mis_id} not marked in {WAIT_S:.0f} s")
        if time.monotonic() >= next_tap:
            reader.write(frame)
            next_tap = time.monotonic() + TAP_EVERY_S
        time.sleep(0.005)


def recovery_seconds(folder: Path) -> list[float]:
    """Kill the panel's kiosk ROUNDS times; the seconds from each kill to the next mark."""
    db, reader = folder / "kiosk.db", Pty(folder / "usb-reader-if00-port0")
    device = os.ttyname(reader.slave)
    config = folder / "kiosk.toml"
    config.write_text(CONFIG.format(zone=_morning_zone(datetime.now(UTC)), db=db, port=reader.path))
    roster = folder / "learners.csv"
    with roster.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["mis_id", "surname", "forename", "sex", "reg_group", "badge"])
        out.writerows(
            [f"P{n:05d}", f"Surname{n}", f"Learner{n}", "FM"[n % 2], "7A", badge(n)]
            for n in range(LEARNERS)
        )
    quiet(lambda: cli(["db", "upgrade", "--config", str(config)]))
    quiet(lambda: cli(["roster", "import", str(roster), "--config", str(config)]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "GPIOZERO_PIN_FACTORY": "mock",
        "RUNTIME_DIRECTORY": str(folder),
        "KIOSK_LOG": str(folder / "kiosk.log"),
    }
    listen = f"127.0.0.1:{port}"
    with (folder / "panel.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "panel", "--listen", listen, "--config", str(config)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _until(lambda: _reading(server.pid, device), "the kiosk to open its reader")
        _tap(reader, 0, db)
        return [_kill_and_tap(server.pid, reader, device, db, n) for n in range(1, ROUNDS + 1)]
    finally:
        server.terminate()
        try:
            server.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            for pid in [*_children(server.pid), server.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            server.wait()
        reader.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o700)
        seconds = recovery_seconds(Path(folder))
    print(f"panel_recovery_s: {max(seconds):.2f}")


if __name__ == "__main__":
    main()
