"""School days through one real `kiosk run`, on a clock the soak moves (`make soak`).

The kiosk runs as at a door: its own terminal (read with pyte, as a person reads the panel, and
touched with mouse reports where the buttons are drawn), an entry reader, a phone-station reader
and a serial arch on pseudo-terminals, GPIO on gpiozero's mock pins. Time is the real clock moved
on by `KIOSK_CLOCK_FILE` (kiosk.clock), so a day passes in a minute or two while the kiosk's own
timers (the idle lock, the lane's tick, the watchdog) run at their real pace.

Each day: doors open, the morning's learners on the clear path, two arch alarms left for staff,
staff walking away (the idle lock) from the queue with an alarm unanswered and from a learner's
desk, a refusal coded O, a wand check and an admission, late arrivals, the afternoon, the day's
end (staff signed off), the night, and the next morning. Checked all along: the process never
exits, no traceback in its log, every learner answered has their mark in that session, the fire
roll (`kiosk roll`, a separate process on the same clock) lists exactly who is on site at every
hour, and the kiosk's memory at the end against after the first hour.

`python -m bench.soak [DAYS]` prints soak_days, soak_rss_growth_ratio and soak_crashes.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import re
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pyte

from bench.endtoend import Pty
from drivers.framing import encode_frame

ROOT = Path(__file__).resolve().parents[1]
ZONE = ZoneInfo("Europe/London")
COLUMNS, ROWS = 100, 30
PIN = "2580"
IDLE_LOCK_SECONDS = 15  # the shortest the config allows
WAIT_SECONDS = 90.0  # an upper bound for a loaded machine; a passing step returns at once
FIRST_DAY = date(2026, 3, 2)  # a Monday in term

CONFIG = """\
[school]
name = "Soak Academy"
timezone = "Europe/London"
doors_open = "07:00"
day_starts = "08:40"
register_closes = "09:10"
pm_starts = "13:30"
pm_register_closes = "13:45"
day_ends = "18:00"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "required"
screening = "required"
phone_slots = "1-400"
staff_idle_lock_seconds = {idle}

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

STAFF = """\
staff_id,surname,forename,sex,roles,badge
S01,Khan,Aisha,F,screener;searcher,1A00990001
S02,Reid,Daniel,M,screener;searcher,1A00990002
"""
AISHA = "1A00990001"


def badge(n: int) -> str:
    return f"00{0x00200000 + n:08X}"


def mis_id(n: int) -> str:
    return f"S{n:05d}"


class Crashed(AssertionError):
    """The kiosk exited, or wrote a traceback: the door would have gone dark."""


class Terminal:
    """`kiosk run` on a pseudo-terminal of its own, its screen kept by a terminal emulator."""

    def __init__(self, config: Path, log: Path, clock_file: Path) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "GPIOZERO_PIN_FACTORY": "mock",
            "KIOSK_LOG": str(log),
            "KIOSK_CLOCK_FILE": str(clock_file),
            "PYTHONPATH": str(ROOT),
            "RUNTIME_DIRECTORY": str(log.parent),
        }
        env.pop("TEXTUAL", None)
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
        self._screen = pyte.Screen(COLUMNS, ROWS)
        self._stream = pyte.ByteStream(self._screen)
        self._lock = threading.Lock()
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._stream.feed(chunk)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self._screen.display)

    def find(self, label: str) -> tuple[int, int] | None:
        """The cell in the middle of `label` where it is drawn, if it is."""
        with self._lock:
            lines = list(self._screen.display)
        for row, line in enumerate(lines):
            column = line.find(label)
            if column >= 0:
                return column + len(label) // 2, row
        return None

    def wait_for(self, label: str, seconds: float = WAIT_SECONDS) -> tuple[int, int]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if (where := self.find(label)) is not None:
                return where
            self.alive()
            time.sleep(0.02)
        raise AssertionError(f"{label!r} not on the kiosk's screen:\n{self.text()}")

    def touch(self, label: str, seconds: float = WAIT_SECONDS, *, until: str = "") -> None:
        """A finger on `label`: a mouse press and release there, as the panel's browser sends.

        With `until`, the touch is made again (as a person taps again) while what it should
        bring up has not come: a notice can lie over a button for a few seconds."""
        for _ in range(5):
            column, row = self.wait_for(label, seconds)
            x, y = column + 1, row + 1
            os.write(self.master, f"\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m".encode())
            if not until:
                return
            try:
                self.wait_for(until, 2.0)
                return
            except AssertionError:
                continue
        raise AssertionError(f"touching {label!r} never brought {until!r}:\n{self.text()}")

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise Crashed(f"kiosk run exited with {self.process.returncode}:\n{self.text()}")

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert match is not None
        return int(match.group(1))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drain.join(timeout=5)
        os.close(self.master)


@dataclass
class Day:
    """What the soak did on one day, to check the kiosk's record against."""

    day: date
    admitted: dict[str, set[str]] = field(default_factory=lambda: {"AM": set(), "PM": set()})
    refused: set[str] = field(default_factory=set)


class Soak:
    """A kiosk folder, the running kiosk and the clock it reads."""

    def __init__(self, folder: Path, learners: int) -> None:
        self.folder = folder
        self.learners = learners
        self.db = folder / "kiosk.db"
        self.log = folder / "kiosk.log"
        self.clock_file = folder / "clock-offset"
        self.entry = Pty(folder / "usb-entry")
        self.phone = Pty(folder / "usb-phone")
        self.arch = Pty(folder / "usb-arch")
        self.config = folder / "kiosk.toml"
        self.config.write_text(
            CONFIG.format(
                db=self.db,
                idle=IDLE_LOCK_SECONDS,
                entry=self.entry.path,
                phone=self.phone.path,
                arch=self.arch.path,
            )
        )
        roster = folder / "learners.csv"
        with roster.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["mis_id", "surname", "forename", "sex", "reg_group", "badge"])
            for n in range(learners):
                out.writerow([mis_id(n), f"Surname{n}", f"Pupil{n}", "FM"[n % 2], "7A", badge(n)])
        (folder / "staff.csv").write_text(STAFF)
        self.set_time(datetime.combine(FIRST_DAY, clock_time(7, 0), ZONE))
        self.cli("db", "upgrade")
        self.cli("roster", "import", str(roster))
        self.cli("staff", "import", str(folder / "staff.csv"))
        self.cli("staff", "set-pin", "S01", stdin=PIN)
        self.kiosk: Terminal | None = None
        self.days: list[Day] = []
        self.first_hour_rss: int | None = None

    # --- the clock and the command line ------------------------------------------------------

    def set_time(self, at: datetime) -> None:
        """The school's clock reads `at` from now on (written whole: a rename)."""
        offset = (at - datetime.now(UTC)).total_seconds()
        partial = self.clock_file.with_suffix(".new")
        partial.write_text(f"{offset:.3f}\n", encoding="ascii")
        partial.replace(self.clock_file)
        self.now_set = at

    def cli(self, *args: str, stdin: str = "") -> str:
        env = {**os.environ, "KIOSK_CLOCK_FILE": str(self.clock_file), "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "kiosk", *args, "--config", str(self.config)],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=WAIT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"kiosk {' '.join(args)}: {done.returncode}: {done.stderr}")
        return done.stdout

    def start(self) -> Terminal:
        self.kiosk = Terminal(self.config, self.log, self.clock_file)
        self.kiosk.wait_for("Tap your badge")
        return self.kiosk

    @property
    def screen(self) -> Terminal:
        assert self.kiosk is not None
        return self.kiosk

    def healthy(self) -> None:
        self.screen.alive()
        text = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
        if "Traceback" in text or "CRITICAL" in text:
            raise Crashed(f"the kiosk's log has an error:\n{text[-4000:]}")

    # --- the records --------------------------------------------------------------------------

    def query(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db, timeout=30) as db:
            return db.execute(sql, args).fetchall()

    def marks(self, day: date, session: str) -> dict[str, str]:
        rows = self.query(
            "SELECT l.mis_id, m.code FROM session_marks m JOIN learners l ON l.id = m.learner_id "
            "WHERE m.date = ? AND m.session = ?",
            day.isoformat(),
            session,
        )
        return {str(who): str(code) for who, code in rows}

    def wait_marked(self, day: date, session: str, learners: set[str]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not learners <= set(self.marks(day, session)):
            self.healthy()
            if time.monotonic() > deadline:
                missing = sorted(learners - set(self.marks(day, session)))
                raise AssertionError(f"{day} {session}: no mark for {missing[:10]}")
            time.sleep(0.05)

    def roll(self) -> tuple[set[str], set[str]]:
        """(learners, staff) on the fire roll now, from `kiosk roll` as the office runs it."""
        rows = list(csv.reader(io.StringIO(self.cli("roll", "--format", "csv"))))
        learners = {row[2] for row in rows[1:] if row and row[0] == "learner"}
        staff = {row[2] for row in rows[1:] if row and row[0] == "staff"}
        return learners, staff

    def check_roll(self, learners: set[str], staff: set[str]) -> None:
        """The roll says who is on site: waited for within the lane's tick (every 5 s), since
        the kiosk notices a session's end on its tick."""
        deadline = time.monotonic() + 30.0
        while (found := self.roll()) != (learners, staff):
            self.healthy()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"roll at {self.now_set:%a %H:%M}: learners "
                    f"+{sorted(found[0] - learners)[:5]} -{sorted(learners - found[0])[:5]}, "
                    f"staff {sorted(found[1])} (expected {sorted(staff)})"
                )
            time.sleep(0.5)

    # --- people at the door -------------------------------------------------------------------

    def events(self, kind: str) -> int:
        return int(self.query("SELECT count(*) FROM visit_events WHERE kind = ?", kind)[0][0])

    def wait_events(self, kind: str, count: int) -> None:
        """Each reader is its own thread: a learner's next step waits until the last is in."""
        deadline = time.monotonic() + WAIT_SECONDS
        while self.events(kind) < count:
            self.healthy()
            if time.monotonic() > deadline:
                raise AssertionError(f"{kind}: {self.events(kind)} of {count} recorded")
            time.sleep(0.02)

    def walk(self, learners: list[int], arch: bytes, *, phone: bool = True) -> None:
        """Badge at the door, phone at the station, then through the arch (`arch` each)."""
        entries, phones = self.events("EntryTapped"), self.events("PhoneStationTapped")
        self.entry.write(b"".join(encode_frame(badge(n)) for n in learners))
        self.wait_events("EntryTapped", entries + len(learners))
        if phone:
            self.phone.write(b"".join(encode_frame(badge(n)) for n in learners))
            self.wait_events("PhoneStationTapped", phones + len(learners))
        self.arch.write(arch * len(learners))

    def clear_path(self, learners: list[int], *, phone: bool = True) -> None:
        """Ten at a time, as a queue moves: nobody touches the screen for them. In the
        afternoon a learner whose phone was handed in this morning has none to hand in."""
        for start in range(0, len(learners), 10):
            self.walk(learners[start : start + 10], b"PASS\r\n", phone=phone)

    def alarm(self, n: int) -> None:
        alarms = self.events("ArchAlarmed")
        self.walk([n], b"ALARM\r\n")
        self.wait_events("ArchAlarmed", alarms + 1)

    def sign_on(self) -> None:
        """Badge and PIN, then close the duty panel. A learner's answer drawn over the PIN pad
        (an alarm told to the learner at that moment) takes the keys: staff try again."""
        for _ in range(3):
            self.entry.write(encode_frame(AISHA))
            self.screen.wait_for("enter your PIN")
            self.screen.type(PIN + "\r")
            try:
                self.screen.touch("Close", seconds=10.0, until="In the lane")  # the duty panel
            except AssertionError:
                time.sleep(3.5)  # past the reader's repeat suppression of the same badge
                continue
            return
        raise AssertionError(f"staff could not sign on:\n{self.screen.text()}")

    def idle_lock(self) -> None:
        """Staff walk away: the idle lock brings the learners' screen back."""
        self.screen.wait_for("Tap your badge", IDLE_LOCK_SECONDS + WAIT_SECONDS)

    # --- a day --------------------------------------------------------------------------------

    def run_day(self, day: date, learners: int) -> Day:
        record = Day(day)
        self.days.append(record)
        everyone = list(range(learners))
        alarmed_refused, alarmed_wanded = everyone[-1], everyone[-2]
        late = everyone[-6:-2]
        morning = everyone[:-6]
        afternoon = everyone[: max(2, learners // 5)]
        at = lambda hh, mm: datetime.combine(day, clock_time(hh, mm), ZONE)  # noqa: E731

        self.set_time(at(7, 30))  # doors open; nobody yet
        self.check_roll(set(), set())

        self.set_time(at(8, 30))
        self.clear_path(morning)
        names = {mis_id(n) for n in morning}
        self.wait_marked(day, "AM", names)
        record.admitted["AM"] |= names

        # Two alarms, with nobody signed on: they wait for staff.
        self.alarm(alarmed_refused)
        self.alarm(alarmed_wanded)
        self.sign_on()
        self.screen.wait_for(f"ALARM: Pupil{alarmed_refused}")
        self.idle_lock()  # walked away from the queue with the alarms unanswered
        self.sign_on()
        self.screen.touch(f"Pupil{alarmed_refused}  ·", until="Refuses")
        self.idle_lock()  # walked away from a learner's desk
        self.sign_on()
        self.screen.touch(f"Pupil{alarmed_refused}  ·", until="Refuses")
        self.screen.touch("Refuses", until="Confirm refusal")
        self.screen.touch("Confirm refusal", until="In the lane")
        self.screen.touch(f"Pupil{alarmed_wanded}  ·", until="Wand: clear")
        self.screen.touch("Wand: clear", until="In the lane")  # a clear wand admits
        self.wait_marked(day, "AM", {mis_id(alarmed_refused), mis_id(alarmed_wanded)})
        record.refused.add(mis_id(alarmed_refused))
        record.admitted["AM"].add(mis_id(alarmed_wanded))
        self.screen.touch("Sign off", until="Tap your badge")

        self.set_time(at(9, 0))
        self.check_roll(record.admitted["AM"], set())
        if self.first_hour_rss is None:
            self.first_hour_rss = self.screen.rss_kb()
        self.set_time(at(9, 25))  # after the register closed
        self.clear_path(late)
        late_names = {mis_id(n) for n in late}
        self.wait_marked(day, "AM", late_names)
        record.admitted["AM"] |= late_names

        for hour in (10, 11, 12):
            self.set_time(at(hour, 0))
            self.check_roll(record.admitted["AM"], set())

        self.set_time(at(13, 25))
        self.clear_path(afternoon, phone=False)
        pm_names = {mis_id(n) for n in afternoon}
        self.wait_marked(day, "PM", pm_names)
        record.admitted["PM"] |= pm_names
        on_site = record.admitted["AM"] | record.admitted["PM"]
        for hour in range(14, 18):
            self.set_time(at(hour, 0))
            self.check_roll(on_site, set())

        # Staff on at the day's end are signed off by it: the roll lists none after 18:00.
        self.set_time(at(17, 58))
        self.sign_on()
        self.check_roll(on_site, {"S01"})
        self.set_time(at(18, 1))
        self.check_roll(on_site, set())
        self.screen.wait_for("Tap your badge")

        self.set_time(at(23, 30))  # the night
        time.sleep(6)  # a lane tick or so in the small hours
        self.healthy()
        return record

    def check_marks(self) -> None:
        """Every learner the kiosk answered has a mark in that session; the refusal is O."""
        for record in self.days:
            for session, names in record.admitted.items():
                marks = self.marks(record.day, session)
                assert names <= set(marks), f"{record.day} {session}"
                wrong = {n: marks[n] for n in names if marks[n] not in ("/", "\\", "L", "U")}
                assert not wrong, f"{record.day} {session}: admitted but coded {wrong}"
            am = self.marks(record.day, "AM")
            assert all(am[n] == "O" for n in record.refused), am


@dataclass(frozen=True)
class Figures:
    days: int
    rss_growth_ratio: float
    crashes: int


def school_days(count: int) -> list[date]:
    days: list[date] = []
    day = FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def run(folder: Path, days: int, learners: int, on_day: Callable[[Day], None] = print) -> Figures:
    """`days` school days and the morning after; raises if the kiosk ever fails."""
    soak = Soak(folder, learners)
    kiosk = soak.start()
    try:
        for n, day in enumerate(school_days(days + 1)):
            if n == days:  # the next morning: the first learner of a new day is marked in it
                soak.set_time(datetime.combine(day, clock_time(8, 35), ZONE))
                soak.clear_path([0])
                soak.wait_marked(day, "AM", {mis_id(0)})
                soak.check_roll({mis_id(0)}, set())
                break
            on_day(soak.run_day(day, learners))
        soak.healthy()
        soak.check_marks()
        end_rss = kiosk.rss_kb()
    finally:
        kiosk.stop()
        for pty in (soak.entry, soak.phone, soak.arch):
            pty.close()
    assert soak.first_hour_rss is not None
    return Figures(days, end_rss / soak.first_hour_rss, 0)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    days = int(args[0]) if args else 5
    learners = int(os.environ.get("SOAK_LEARNERS", "300"))
    crashes = 0
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as folder:
        try:
            figures = run(Path(folder), days, learners, lambda d: print(f"# day {d.day} done"))
        except Crashed as exc:
            print(f"# the kiosk failed: {exc}")
            crashes = 1
            figures = Figures(0, float("nan"), crashes)
    print(f"soak_days: {figures.days}")
    print(f"soak_rss_growth_ratio: {figures.rss_growth_ratio:.3f}")
    print(f"soak_crashes: {figures.crashes}")


if __name__ == "__main__":
    main()
