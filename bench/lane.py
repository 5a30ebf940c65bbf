"""A morning through one lane: learners from the entry reader to the door, staff on the queue.

The real app (`build_production`) under Textual's `run_test`: EM4100 readers at the entry and at
the phone station and a serial arch, each on a pseudo-terminal; a real SQLite file; GPIO on
gpiozero's mock pins. Learners come as fast as the arch allows (it answers at once), a few in
the lane at a time: each taps in, taps the phone station, and walks through the arch. Staff are
signed on and work the queue screen by touch: an alarm is cleared by a wand check, a learner
with no phone and a refusal are recorded from the learner's row. Late learners are the last to
come, after the bell, and need nobody.

`python -m bench.lane [learners]` prints these figures alone; LANE_BENCH_LEARNERS sets the size.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widget import Widget

from bench.endtoend import DrawnStamps, Pty, percentile
from drivers.framing import encode_frame
from kiosk.cli import main as cli
from kiosk.config import Config, load_config
from kiosk.domain.lane import Need
from kiosk.people.pins import set_pin
from kiosk.screens.lane import LaneScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.pin_pad import PinPadScreen
from kiosk.screens.refusal import RefusalScreen
from kiosk.station.app import KioskApp
from kiosk.station.launch import build_production
from kiosk.views.lane import LaneRow
from records.models import LearnerRecord

LEARNERS = 1000
SIZE_ENV = "LANE_BENCH_LEARNERS"
# Learners in the lane at once at most (tapped in and not yet through the door or refused).
IN_LANE = 5
ALARM_SHARE, NO_PHONE_SHARE, REFUSE_SHARE, LATE_SHARE = 0.05, 0.03, 0.01, 0.10
SEED = 20261123
LONDON = ZoneInfo("Europe/London")
# A Monday, well before the bell (08:40): the morning's first nine in ten are on time.
DOORS_AT = datetime(2026, 11, 23, 7, 0, tzinfo=LONDON)
LATE_AT = datetime(2026, 11, 23, 8, 45, tzinfo=LONDON)
PIN = "2580"
STAFF = (("S01", "Khan", "Aisha", "F", "1A00990001"), ("S02", "Reid", "Daniel", "M", "1A00990002"))
ROSTER_HEADER = (
    "mis_id", "upn", "surname", "forename", "preferred_name", "sex", "year_group", "reg_group",
    "badge", "sen",
)  # fmt: skip
WAIT_S = 15.0  # any one step taking longer than this is a stall: the bench stops and says where

CONFIG = """\
[school]
name = "Lane Academy"
day_starts = "08:40"
register_closes = "09:10"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "required"
screening = "required"
phone_slots = "1-{slots}"
staff_idle_lock_seconds = 3600

[rfid]
driver = "em4100"
port = "{entry}"

[rfid.phone]
driver = "em4100"
port = "{phone}"

[detector]
driver = "serial"
port = "{arch}"
alarm_pattern = "ALARM"
clear_pattern = "PASS"
"""


def badge(n: int) -> str:
    return f"00{0x00300000 + n:08X}"


@dataclass(frozen=True)
class Learner:
    """One learner's morning as planned: what they will do, not what the kiosk will say."""

    n: int
    no_phone: bool = False
    alarm: bool = False
    refuses: bool = False
    late: bool = False

    @property
    def badge(self) -> str:
        return badge(self.n)

    @property
    def first_name(self) -> str:
        return f"Learner{self.n}"

    @property
    def clear_path(self) -> bool:
        """A phone, a clean walk through the arch, no refusal (late or not)."""
        return not (self.no_phone or self.alarm or self.refuses)


def plan_morning(count: int, seed: int = SEED) -> list[Learner]:
    """`count` learners in arrival order; exceptions drawn at random (at least one of each),
    none twice over; the late ones are the last to arrive."""
    draw = random.Random(seed)

    def share(part: float) -> int:
        return max(1, round(part * count)) if count >= 10 else 0

    order = list(range(count))
    draw.shuffle(order)
    alarm_n, phone_n, refuse_n = share(ALARM_SHARE), share(NO_PHONE_SHARE), share(REFUSE_SHARE)
    alarm = set(order[:alarm_n])
    no_phone = set(order[alarm_n : alarm_n + phone_n])
    refuses = set(order[alarm_n + phone_n : alarm_n + phone_n + refuse_n])
    late_from = count - share(LATE_SHARE)
    return [
        Learner(n, n in no_phone, n in alarm, n in refuses, n >= late_from) for n in range(count)
    ]


class MorningClock:
    """Wall time that runs with the real clock from `start`, and can be moved on (the bell)."""

    def __init__(self, start: datetime) -> None:
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()
        self._skipped = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() - self._origin + self._skipped

    def move_to(self, at: datetime) -> None:
        ahead = (at - self.now()).total_seconds()
        if ahead > 0:
            with self._lock:
                self._skipped += ahead


def _quiet(call: Callable[[], int]) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        if call() != 0:
            raise RuntimeError("the bench school could not be set up")


class LaneSchool:
    """A school on disk with one lane: the database, the roster, the staff and the three lines."""

    def __init__(self, folder: Path, plan: list[Learner]) -> None:
        self.folder = folder
        self.plan = plan
        self.db = folder / "kiosk.db"
        self.entry = Pty(folder / "usb-entry-reader-if00-port0")
        self.phone = Pty(folder / "usb-phone-reader-if00-port0")
        self.arch = Pty(folder / "usb-arch-if00-port0")
        path = folder / "kiosk.toml"
        path.write_text(
            CONFIG.format(
                db=self.db,
                entry=self.entry.path,
                phone=self.phone.path,
                arch=self.arch.path,
                slots=len(plan) + 100,
            )
        )
        learners, staff = folder / "learners.csv", folder / "staff.csv"
        with learners.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(ROSTER_HEADER)
            for learner in plan:
                n = learner.n
                out.writerow(
                    (
                        f"L{n:05d}", f"X{n:012d}", f"Surname{n}", learner.first_name, "",
                        "FM"[n % 2], str(7 + n % 5), f"{7 + n % 5}A", learner.badge, "N",
                    )
                )  # fmt: skip
        with staff.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["staff_id", "surname", "forename", "sex", "roles", "badge"])
            for staff_id, surname, forename, sex, card in STAFF:
                out.writerow([staff_id, surname, forename, sex, "screener;searcher", card])
        for args in (
            ["db", "upgrade"],
            ["roster", "import", str(learners)],
            ["staff", "import", str(staff)],
        ):
            _quiet(partial(cli, [*args, "--config", str(path)]))
        self.config: Config = load_config(path)

    def close(self) -> None:
        for line in (self.entry, self.phone, self.arch):
            line.close()

    def marks(self, day: str) -> dict[str, int]:
        """The register as saved: how many learners have each code today."""
        with sqlite3.connect(self.db) as db:
            rows = db.execute(
                "SELECT code, count(*) FROM session_marks WHERE date = ? GROUP BY code", (day,)
            ).fetchall()
        return {code: count for code, count in rows}


@dataclass
class Morning:
    """What happened: times, touches and the lane's size along the way."""

    seconds: float = 0.0
    prompt_ms: list[float] = field(default_factory=list)
    desk_open_ms: list[float] = field(default_factory=list)  # a row touched to its desk drawn
    touches: dict[int, int] = field(default_factory=dict)  # by learner number
    sign_on_touches: int = 0
    max_in_flight: int = 0
    admitted: int = 0
    refused: int = 0
    marks: dict[str, int] = field(default_factory=dict)


class Stalled(RuntimeError):
    """The lane did not move for WAIT_S: the bench stops rather than report a made-up figure."""


class Run:
    """The learners and the staff of one morning, driving the app through its devices and screen."""

    def __init__(
        self, school: LaneSchool, app: KioskApp, pilot: Pilot[Any], clock: MorningClock
    ) -> None:
        self.school = school
        self.clock = clock
        self.app = app
        self.pilot = pilot
        self.morning = Morning(touches={learner.n: 0 for learner in school.plan})
        self.by_id: dict[int, Learner] = {}
        self.touched_at = 0.0  # when the last staff touch went down
        self.arch_for: int | None = None  # the learner whose arch line is on its way
        self.bell_rung = False

    # --- watching the screen -------------------------------------------------------------

    def watch_answers(self) -> None:
        """Stamp each learner's first answer once the screen has been refreshed with it.

        The app's `_tell` is the one place a learner-facing answer goes out (the queue's
        learner line while staff are on the queue, a toast over their other screens, the
        greeting when nobody is signed on).
        """
        self.answers = DrawnStamps(self.app, "_tell", lambda effect: effect.learner_id)

    async def drawn(self, widget: Widget) -> None:
        """Until the screen has been refreshed with what `widget` shows now."""
        done = asyncio.Event()
        widget.call_after_refresh(done.set)
        await asyncio.wait_for(done.wait(), WAIT_S)

    async def until(self, condition: Callable[[], object], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not condition():
            if time.monotonic() > deadline:
                raise Stalled(f"{what}: nothing for {WAIT_S:.0f} s; lane {self.app.lane_view}")
            await asyncio.sleep(0.0005)

    def rows(self) -> dict[int, LaneRow]:
        rows = {row.learner_id: row for row in self.app.lane_view.rows}
        self.morning.max_in_flight = max(self.morning.max_in_flight, len(rows))
        return rows

    # --- staff ---------------------------------------------------------------------------

    async def touch(
        self, target: str | Callable[[], Widget | None], learner: Learner | None
    ) -> None:
        """One staff touch: scrolled into view as a finger would find it, then clicked (found
        again after the scroll: the queue's rows may have moved up meanwhile)."""

        def find() -> Widget:
            widget = self.app.screen.query_one(target) if isinstance(target, str) else target()
            if widget is None:
                raise Stalled(f"nothing to touch for {target}")
            return widget

        find().scroll_visible(animate=False, immediate=True)
        await self.pilot.pause()
        self.touched_at = time.perf_counter()
        if not await self.pilot.click(find()):
            raise Stalled(f"the touch on {target} landed on something else")
        await self.pilot.pause()
        if learner is None:
            self.morning.sign_on_touches += 1
        else:
            self.morning.touches[learner.n] += 1

    async def sign_on(self, card: str) -> None:
        """Staff badge at the entry reader, the PIN on the pad, then close the duty panel."""
        self.school.entry.write(encode_frame(card))
        await self.until(
            lambda: isinstance(self.app.screen, PinPadScreen) and self.app.screen.query("#key-ok"),
            "the PIN pad",
        )
        for key in PIN:
            await self.touch(f"#key-{key}", None)
        await self.touch("#key-ok", None)
        await self.until(lambda: self.app.screen.query("#close"), "the duty panel")
        await self.touch("#close", None)
        await self.until(lambda: isinstance(self.app.screen, LaneScreen), "the queue")

    def staff_job(self, row: LaneRow) -> str | None:
        """What staff must do for this learner now, from what the learner says and the row."""
        learner = self.by_id[row.learner_id]
        if learner.no_phone and row.step == "phone" and not row.phone_done:
            return "no-phone"  # the learner tells staff there is no phone to hand in
        if learner.refuses and (row.in_arch == 1 or Need.REFUSED in row.needs):
            return "refuse"  # at the arch, the learner says no
        if Need.ALARM in row.needs:
            return "wand-clear"  # a wand check finds the keys: clear
        if Need.ADMIT in row.needs:
            return "admit"
        if Need.ARCH in row.needs:
            return "arch-clear"
        return None

    async def queue_ready(self, learner_id: int) -> None:
        def ready() -> bool:
            screen = self.app.screen
            return (
                not self.app.writer.waiting
                and isinstance(screen, LaneScreen)
                and screen.row_of(learner_id) is not None
            )

        await self.until(ready, f"learner {learner_id}'s row on the queue")

    async def handle(self, row: LaneRow, job: str) -> None:
        """From the queue: the learner's row, then the step; until nothing is left for them."""
        learner, learner_id = self.by_id[row.learner_id], row.learner_id
        while True:
            if not self.app.desk.unlocked:  # locked while idle: sign on again
                await self.sign_on(STAFF[0][4])
            screen = self.app.screen
            if not (
                isinstance(screen, LearnerDeskScreen) and screen.view.first_name == row.first_name
            ):
                await self.queue_ready(learner_id)
                queue = self.app.screen
                assert isinstance(queue, LaneScreen)
                await self.touch(partial(queue.row_of, learner_id), learner)
                await self.until(
                    lambda: isinstance(self.app.screen, LearnerDeskScreen), "the learner's desk"
                )
                opened = self.app.screen
                assert isinstance(opened, LearnerDeskScreen)
                await self.drawn(opened)
                self.morning.desk_open_ms.append((time.perf_counter() - self.touched_at) * 1000)
                if opened.view.first_name != row.first_name:
                    # The queue moved up under the finger (as it can for staff): back, again.
                    await self.touch("#back", learner)
                    continue
            await self.touch(f"#{job}", learner)
            if job == "refuse":
                await self.until(
                    lambda: isinstance(self.app.screen, RefusalScreen), "the refusal screen"
                )
                await self.touch("#confirm", learner)
            # The desk goes back to the queue, or reopens the learner while they still need staff.
            await self.until(
                lambda: (
                    not self.app.writer.waiting
                    and isinstance(self.app.screen, LaneScreen | LearnerDeskScreen)
                ),
                "the queue after a step",
            )
            await self.pilot.pause()
            current = self.rows().get(learner_id)
            next_job = None if current is None else self.staff_job(current)
            if next_job is None:
                if isinstance(self.app.screen, LearnerDeskScreen):
                    await self.touch("#back", learner)  # a note for later; not needed now
                    await self.until(
                        lambda: isinstance(self.app.screen, LaneScreen), "the queue after back"
                    )
                return
            assert current is not None
            row, job = current, next_job

    # --- learners ------------------------------------------------------------------------

    async def arrive(self, learner: Learner, learner_id: int) -> None:
        """The entry tap until the learner's answer is on screen, then the phone station."""
        if learner.late and not self.bell_rung:
            self.clock.move_to(LATE_AT)
            self.bell_rung = True
        started = time.perf_counter()
        self.school.entry.write(encode_frame(learner.badge))
        drawn = await self.answers.first(learner_id, WAIT_S)
        if drawn is None:
            raise Stalled(
                f"{learner.first_name}'s answer: nothing for {WAIT_S:.0f} s; "
                f"lane {self.app.lane_view}"
            )
        await self.until(lambda: learner_id in self.rows(), f"{learner.first_name}'s row")
        self.morning.prompt_ms.append((drawn - started) * 1000)
        if not learner.no_phone:
            self.school.phone.write(encode_frame(learner.badge))

    def arch_line(self, rows: dict[int, LaneRow]) -> bool:
        """The arch answers for whoever is in it now: PASS, or ALARM (one line at a time)."""
        head = next((r for r in rows.values() if r.in_arch == 1), None)
        if self.arch_for is not None and (head is None or head.learner_id != self.arch_for):
            self.arch_for = None  # the last line was read and the lane moved on
        if head is None or self.arch_for is not None or self.by_id[head.learner_id].refuses:
            return False
        alarm = self.by_id[head.learner_id].alarm
        self.school.arch.write(b"ALARM\r\n" if alarm else b"PASS\r\n")
        self.arch_for = head.learner_id
        return True

    async def morning_through(self, ids: dict[int, int]) -> None:
        plan = self.school.plan
        self.by_id = {ids[learner.n]: learner for learner in plan}
        arrived = 0
        moved_at = time.monotonic()
        started = time.perf_counter()
        while True:
            view = self.app.lane_view
            if view.admitted + view.refused >= len(plan):
                break
            rows = self.rows()
            if self.arch_line(rows):
                moved_at = time.monotonic()
                continue
            if arrived < len(plan) and len(rows) < IN_LANE:
                learner = plan[arrived]
                await self.arrive(learner, ids[learner.n])
                arrived += 1
                moved_at = time.monotonic()
                continue
            job = next(
                ((row, j) for row in rows.values() if (j := self.staff_job(row)) is not None),
                None,
            )
            if job is not None and self.arch_for is None:
                await self.handle(*job)
                moved_at = time.monotonic()
                continue
            if time.monotonic() - moved_at > WAIT_S:
                raise Stalled(f"the lane stopped with {arrived} arrived: {view}")
            await asyncio.sleep(0.0005)
        self.morning.seconds = time.perf_counter() - started
        self.morning.admitted, self.morning.refused = view.admitted, view.refused


async def run_morning(school: LaneSchool) -> Morning:
    clock = MorningClock(DOORS_AT)
    app = build_production(school.config, clock=clock)
    with app.book.sessions.begin() as session:
        for staff_id, *_ in STAFF:
            set_pin(session, staff_id, PIN, now=clock.now())
        ids = {
            int(mis_id[1:]): learner_id
            for mis_id, learner_id in session.execute(
                select(LearnerRecord.mis_id, LearnerRecord.id)
            )
        }
    async with app.run_test(size=(120, 50)) as pilot:
        run = Run(school, app, pilot, clock)
        run.watch_answers()
        devices = app.devices
        await run.until(
            lambda: (
                devices.reader.is_online
                and devices.phone_reader.is_online
                and devices.detector.is_online
            ),
            "the readers and the arch online",
        )
        for *_, card in STAFF:  # a female and a male searcher on duty: any search is lawful
            await run.sign_on(card)
        await run.morning_through(ids)
        morning = run.morning
    morning.marks = school.marks(DOORS_AT.date().isoformat())
    return morning


def figures(plan: list[Learner], morning: Morning) -> dict[str, float]:
    clear = [morning.touches[learner.n] for learner in plan if learner.clear_path]
    taken = {
        "lane_learners_per_min": (morning.admitted + morning.refused) / (morning.seconds / 60),
        "clear_path_staff_touches": sum(clear) / len(clear) if clear else 0.0,
        "staff_touches_per_learner": sum(morning.touches.values()) / len(plan),
        "tap_to_prompt_p50_ms": percentile(morning.prompt_ms, 0.50),
        "tap_to_prompt_p99_ms": percentile(morning.prompt_ms, 0.99),
        "lane_max_in_flight": morning.max_in_flight,
        "lane_sign_on_touches": morning.sign_on_touches,
    }
    if morning.desk_open_ms:  # a morning too small for anyone to need staff opens no desk
        taken["desk_open_p50_ms"] = percentile(morning.desk_open_ms, 0.50)
        taken["desk_open_p99_ms"] = percentile(morning.desk_open_ms, 0.99)
    return taken


def check(plan: list[Learner], morning: Morning) -> None:
    """The morning's record is whole: every learner marked, the late ones late."""
    refusing = sum(learner.refuses for learner in plan)
    late = sum(learner.late and not learner.refuses for learner in plan)
    if morning.refused != refusing or morning.admitted != len(plan) - refusing:
        raise RuntimeError(f"admitted {morning.admitted} and refused {morning.refused}")
    if sum(morning.marks.values()) != len(plan) or morning.marks.get("L", 0) != late:
        raise RuntimeError(f"the register does not add up: {morning.marks}")


def measure(count: int) -> dict[str, float]:
    plan = plan_morning(count)
    saved = Device.pin_factory
    Device.pin_factory = MockFactory()
    try:
        with tempfile.TemporaryDirectory() as folder:
            school = LaneSchool(Path(folder), plan)
            try:
                morning = asyncio.run(run_morning(school))
            finally:
                school.close()
    finally:
        Device.pin_factory.reset()
        Device.pin_factory = saved
    check(plan, morning)
    return figures(plan, morning)


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else int(os.environ.get(SIZE_ENV, LEARNERS))
    taken = measure(count)
    for name, value in taken.items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"{name}: {shown}")
    return taken


if __name__ == "__main__":
    main()
