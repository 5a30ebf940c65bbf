"""Doors as real kiosks for the hub tests: each `kiosk run` in a pseudo-terminal of its own,
with pseudo-terminal readers at its entry and its arch, its own SQLite log and the school's hub.

The kiosks read the real clock; the school's zone is chosen so that the test runs mid-morning
(`morning_zone`), with the day's start and register close set around it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from drivers.framing import encode_frame
from kiosk.domain.attendance import SessionTimes
from tests.drivers.driverfakes import PtyDevice
from tests.hub.doors import badge
from tests.reliability.conftest import KioskProcess, morning_zone

# The most any one wait may take on a loaded machine; a passing test never waits this long.
WAIT_SECONDS = 60.0

CONFIG = """\
[school]
name = "Three Doors Academy"
timezone = "{zone}"
day_starts = "{starts}"
register_closes = "{closes}"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "off"
screening = "required"

[rfid]
driver = "em4100"
port = "{entry}"
repeat_suppress_seconds = 3.0

[detector]
driver = "serial"
port = "{arch}"

[station]
name = "{name}"

[hub]
url = "{hub}"
interval_seconds = 0.2
batch_size = {batch}
connect_timeout_seconds = 1
"""


class SchoolClock:
    """The morning the doors share: a zone in which the real clock reads 09:xx, the day's start
    at the next whole minute and the register's close a minute after that, so the morning's
    first taps are present and later ones late."""

    def __init__(self, now: datetime) -> None:
        self.zone = ZoneInfo(morning_zone(now))
        local = now.astimezone(self.zone).replace(second=0, microsecond=0)
        self.day = local.date()
        self.starts: wall_time = (local + timedelta(minutes=1)).time()
        self.register_closes: wall_time = (local + timedelta(minutes=2)).time()

    @property
    def times(self) -> SessionTimes:
        return SessionTimes(self.starts, self.register_closes)

    @property
    def closes_at(self) -> datetime:
        return datetime.combine(self.day, self.register_closes, self.zone)


def wait_until(
    condition: Callable[[], bool],
    what: str,
    timeout: float = WAIT_SECONDS,
    *,
    said: Callable[[], str] | None = None,
) -> None:
    """Poll `condition` until it holds; fail naming `what` (and `said()`) after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            extra = f"\n{said()}" if said is not None else ""
            raise AssertionError(f"timed out waiting for {what}{extra}")
        time.sleep(0.01)


class KioskTerminal(KioskProcess):
    """`kiosk run --config` on a pseudo-terminal (see KioskProcess), with a runtime folder of its
    own: the device lock is per machine, and these three kiosks share one."""

    def __init__(self, config: Path, folder: Path, size: tuple[int, int] = (100, 30)) -> None:
        runtime = folder / "run"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        super().__init__(config, folder / "kiosk.log", size, runtime=runtime)

    def said(self) -> str:
        """The end of the kiosk's log and of its terminal, for a failure's message."""
        logged = self.log.read_text(encoding="utf-8")[-3000:] if self.log.exists() else ""
        tail = self.screen()[-1500:]
        return f"exit status {self.process.poll()}; log:\n{logged}\nterminal: {tail!r}"


class KioskDoor:
    """One door: its folder, config, SQLite log and pseudo-terminal devices, and its kiosk."""

    def __init__(
        self, folder: Path, name: str, hub_url: str, clock: SchoolClock, *, batch_size: int = 100
    ) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.name = name
        self.folder = folder
        self.db = folder / f"{name}.db"
        self.url = f"sqlite:///{self.db}"
        self.entry = PtyDevice(folder / "usb-entry-reader")
        self.arch = PtyDevice(folder / "usb-arch")
        self.config_path = folder / f"{name}.toml"
        self.config_path.write_text(
            CONFIG.format(
                zone=clock.zone.key,
                starts=f"{clock.starts:%H:%M}",
                closes=f"{clock.register_closes:%H:%M}",
                db=self.db,
                entry=self.entry.path,
                arch=self.arch.path,
                name=name,
                hub=hub_url,
                batch=batch_size,
            ),
            encoding="utf-8",
        )
        self.kiosk: KioskTerminal | None = None
        self.runs = 0

    def start(self) -> KioskTerminal:
        self.runs += 1
        self.kiosk = KioskTerminal(self.config_path, self.folder / f"run{self.runs}")
        return self.kiosk

    def running(self) -> KioskTerminal:
        assert self.kiosk is not None and self.kiosk.process.poll() is None, self.name
        return self.kiosk

    def kill(self) -> None:
        if self.kiosk is not None:
            self.kiosk.kill()
            self.kiosk = None

    def close(self) -> None:
        self.kill()
        self.entry.unplug()
        self.arch.unplug()

    # --- what happens at the door -----------------------------------------------------------

    def tap(self, n: int) -> None:
        """Learner n's badge at the entry reader."""
        self.entry.write(encode_frame(badge(n)))

    def passes(self) -> None:
        """The arch reports a clear walk-through."""
        self.arch.write(b"PASS\r\n")

    def alarms(self) -> None:
        self.arch.write(b"ALARM\r\n")

    # --- its log, read as another program would -----------------------------------------------

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db, timeout=10) as db:
            return db.execute(sql, args).fetchall()

    def count(self, sql: str, *args: object) -> int:
        ((value,),) = self.query(sql, *args)
        return int(value)

    def wait_until_holds(self, what: str, sql: str, *args: object) -> None:
        """Wait until `sql` (a count, or a truth) is more than 0 in the door's log."""
        wait_until(lambda: self.count(sql, *args) > 0, f"{self.name}: {what}", said=self.said)

    def events(self) -> int:
        return self.count("SELECT count(*) FROM visit_events")

    def said(self) -> str:
        return self.kiosk.said() if self.kiosk is not None else f"{self.name}: not running"


def utc(stored: str) -> datetime:
    """A time as the local database keeps it: UTC, written without its offset."""
    at = datetime.fromisoformat(stored)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
