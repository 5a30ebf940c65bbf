"""The kiosk under faults: a school of generated learners, a pseudo-terminal reader, the kiosk
in process (`build_production` under `run_test`) or as `kiosk run` in its own terminal."""

from __future__ import annotations

import csv
import fcntl
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from hypothesis import settings

from kiosk.cli import main
from kiosk.domain.attendance import SessionTimes
from tests.drivers.driverfakes import PtyDevice

settings.register_profile("fuzz", max_examples=20_000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz":
    settings.load_profile("fuzz")

ROOT = Path(__file__).resolve().parents[2]
# An upper bound for what a test waits on, generous for a loaded machine: a passing test
# returns as soon as the condition holds, so this is never a pause.
WAIT_SECONDS = 60.0

CONFIG = """\
[school]
name = "Reliability Academy"
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
repeat_suppress_seconds = 3.0

[detector]
driver = "none"
"""


def badge(n: int) -> str:
    """The badge (10 hex digits, as an EM4100 reader reports it) of generated learner n."""
    return f"00{0x00100000 + n:08X}"


def mis_id(n: int) -> str:
    return f"R{n:05d}"


def write_roster(path: Path, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["mis_id", "surname", "forename", "sex", "reg_group", "badge"])
        for n in range(count):
            out.writerow([mis_id(n), f"Surname{n}", f"Learner{n}", "FM"[n % 2], "7A", badge(n)])
    return path


class School:
    """A configured kiosk folder: config, database with `learners` learners, a pty reader."""

    def __init__(self, folder: Path, learners: int) -> None:
        self.folder = folder
        self.db = folder / "kiosk.db"
        self.reader = PtyDevice(folder / "usb-reader-if00-port0")
        self.config_path = folder / "kiosk.toml"
        # The school's clock reads mid-morning whenever the suite runs: inside the session's
        # hours, after the register has closed (so every mark is U, with minutes late).
        zone = morning_zone(datetime.now(UTC))
        self.config_path.write_text(CONFIG.format(zone=zone, db=self.db, port=self.reader.path))
        roster = write_roster(folder / "learners.csv", learners)
        assert main(["db", "upgrade", "--config", str(self.config_path)]) == 0
        assert main(["roster", "import", str(roster), "--config", str(self.config_path)]) == 0

    def marks(self) -> list[tuple[str, str]]:
        """(mis_id, arrived_at) of every session mark, in the order they were written."""
        with sqlite3.connect(self.db, timeout=10) as db:
            return db.execute(
                "SELECT l.mis_id, m.arrived_at FROM session_marks m "
                "JOIN learners l ON l.id = m.learner_id ORDER BY m.id"
            ).fetchall()

    def admissions_audited(self) -> int:
        with sqlite3.connect(self.db, timeout=10) as db:
            (count,) = db.execute(
                "SELECT count(*) FROM audit_log WHERE action = 'learner.admitted'"
            ).fetchone()
        return int(count)


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Callable[[int], School]]:
    made: list[School] = []

    def make(learners: int = 20) -> School:
        made.append(School(tmp_path, learners))
        return made[-1]

    yield make
    for each in made:
        each.reader.unplug()


@pytest.fixture
def mock_pins() -> Iterator[MockFactory]:
    saved = Device.pin_factory
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


class KioskProcess:
    """`kiosk run` in a subprocess with a pseudo-terminal of a fixed size as its terminal.

    The terminal's output is drained on a thread (a full pty would stall the app) and kept,
    so a test can wait for text to be drawn.
    """

    def __init__(
        self,
        config: Path,
        log: Path,
        size: tuple[int, int] = (100, 30),
        runtime: Path | None = None,  # the device lock's folder, for kiosks sharing a machine
    ) -> None:
        self.log = log
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "GPIOZERO_PIN_FACTORY": "mock",
            "KIOSK_LOG": str(log),
            "PYTHONPATH": str(ROOT),
        }
        if runtime is not None:
            env["RUNTIME_DIRECTORY"] = str(runtime)
        env.pop("TEXTUAL", None)
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "run", "--config", str(config)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self._screen = bytearray()
        self._lock = threading.Lock()
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()
        self.rusage: object | None = None

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._screen += chunk

    def drawn(self, text: str, since: int = 0) -> bool:
        with self._lock:
            return text.encode() in self._screen[since:]

    def mark(self) -> int:
        """Where the terminal has got to: `wait_drawn(..., since=mark)` looks only after it."""
        with self._lock:
            return len(self._screen)

    def screen(self) -> bytes:
        """Everything the kiosk has drawn on its terminal so far."""
        with self._lock:
            return bytes(self._screen)

    def wait_drawn(self, text: str, timeout: float = WAIT_SECONDS, since: int = 0) -> float:
        """Seconds from the process start until `text` was drawn on its terminal."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.drawn(text, since):
                return time.monotonic() - self.started
            if self.process.poll() is not None:
                break
            time.sleep(0.005)
        with self._lock:
            tail = bytes(self._screen[-2000:])
        raise AssertionError(f"{text!r} not drawn (exit {self.process.poll()}): {tail!r}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` and reap the process, keeping its resource usage (ru_maxrss)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
            _, _, self.rusage = os.wait4(self.process.pid, 0)
            self.process.returncode = -sig
        self.process.wait(timeout=5)
        # What the kiosk wrote before it died was drawn: read it all (the terminal ends once
        # its last writer has gone) before letting go of the terminal.
        self._drain.join(timeout=WAIT_SECONDS)
        os.close(self.master)
        self._drain.join(timeout=2)


@pytest.fixture
def kiosk_process() -> Iterator[Callable[..., KioskProcess]]:
    started: list[KioskProcess] = []

    def start(config: Path, log: Path) -> KioskProcess:
        started.append(KioskProcess(config, log))
        return started[-1]

    yield start
    for each in started:
        if each.process.poll() is None:
            each.kill()


LANE_CONFIG = """\
[school]
name = "Restart Academy"
timezone = "{zone}"
day_starts = "{starts}"
register_closes = "{closes}"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "required"
screening = "required"
phone_slots = "1-50"

[rfid]
driver = "em4100"
port = "{entry}"
repeat_suppress_seconds = 3.0

[rfid.phone]
driver = "em4100"
port = "{phone}"
repeat_suppress_seconds = 3.0

[detector]
driver = "serial"
port = "{arch}"
"""


def morning_zone(now: datetime, hour: int = 9) -> str:
    """A fixed-offset zone in which `now` falls in the hour from `hour`:00, whenever the suite
    runs: so the session's hours, its start and its register close can be set around the tests'
    own taps. Offsets run from 12 hours behind UTC to 14 ahead, so one always fits."""
    offset = (hour - now.astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    # The Etc/GMT names carry POSIX's sign: Etc/GMT-3 is three hours ahead of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


class LaneSchool:
    """A kiosk fitted for the lane: an entry reader, a phone-station reader and a serial arch,
    each a pseudo-terminal, with the school's day begun a few minutes before the first tap
    (so every first tap is late, `L`, and a tap half an hour on would be `U`)."""

    def __init__(self, folder: Path, learners: int, now: datetime) -> None:
        self.folder = folder
        self.db = folder / "kiosk.db"
        self.entry = PtyDevice(folder / "usb-entry-reader")
        self.phone = PtyDevice(folder / "usb-phone-reader")
        self.arch = PtyDevice(folder / "usb-arch")
        self.zone = ZoneInfo(morning_zone(now))
        local = now.astimezone(self.zone).replace(second=0, microsecond=0, tzinfo=None)
        self.times = SessionTimes(
            (local - timedelta(minutes=5)).time(), (local + timedelta(minutes=25)).time()
        )
        self.config_path = folder / "kiosk.toml"
        self.config_path.write_text(
            LANE_CONFIG.format(
                zone=self.zone.key,
                starts=f"{self.times.starts:%H:%M}",
                closes=f"{self.times.register_closes:%H:%M}",
                db=self.db,
                entry=self.entry.path,
                phone=self.phone.path,
                arch=self.arch.path,
            )
        )
        roster = write_roster(folder / "learners.csv", learners)
        assert main(["db", "upgrade", "--config", str(self.config_path)]) == 0
        assert main(["roster", "import", str(roster), "--config", str(self.config_path)]) == 0

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db, timeout=10) as db:
            return db.execute(sql, args).fetchall()

    def events(self) -> list[tuple[str, str | None]]:
        """(kind, mis_id) of every lane event recorded, in order."""
        return self.query(
            "SELECT e.kind, l.mis_id FROM visit_events e "
            "LEFT JOIN learners l ON l.id = e.learner_id ORDER BY e.id"
        )

    def close(self) -> None:
        for device in (self.entry, self.phone, self.arch):
            device.unplug()


@pytest.fixture
def lane_school(tmp_path: Path) -> Iterator[Callable[[int], LaneSchool]]:
    made: list[LaneSchool] = []

    def make(learners: int = 10) -> LaneSchool:
        made.append(LaneSchool(tmp_path, learners, datetime.now(UTC)))
        return made[-1]

    yield make
    for each in made:
        each.close()
