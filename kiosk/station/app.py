"""The Textual app: hardware events in through messages, the station's controllers, the outputs.

Every write runs on the station's one writer thread (kiosk.station.writer), never on the UI
thread. The app composes the station's controllers beside it: the tap pipeline records each tap,
the lane's front carries out what the lane decided, and the staff session, the learner's desk and
the office are where staff sign on and handle the exceptions. The app itself routes messages to
them and owns what the learner sees and hears: the idle screen, the greeting, the lights and the
door.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy.exc import SQLAlchemyError
from textual import events
from textual.binding import BindingType
from textual.message import Message

from kiosk.config import Config
from kiosk.database import Book
from kiosk.domain import lane as rules
from kiosk.door.checkin import NOT_SAVED, is_disk_full
from kiosk.door.lane import LaneKeeper
from kiosk.hub import SyncWorker
from kiosk.messages import (
    ArchAlarmed,
    ArchCleared,
    ArchPassed,
    BadgeScanned,
    DemoArchTripped,
    DemoBadgePresented,
    DetectorStatusChanged,
    PhoneBadgeScanned,
    ReaderStatusChanged,
)
from kiosk.screens.greeting import GreetingScreen, Tone
from kiosk.screens.idle import IdleScreen
from kiosk.screens.lane import LaneChoice, LaneDemo
from kiosk.screens.office import ExportRequested
from kiosk.station.crash import LogsCrashes
from kiosk.station.device_inbox import DeviceInbox, wire_devices
from kiosk.station.devices import Devices
from kiosk.station.export import OfficeExports
from kiosk.station.host import Failed, Job, Then
from kiosk.station.known_badges import KnownBadges
from kiosk.station.lane_front import LaneFront
from kiosk.station.learner_desk import LearnerDesk
from kiosk.station.office_desk import OfficeDesk
from kiosk.station.reads import read_off_thread
from kiosk.station.staff_session import StaffRoutes, StaffSession
from kiosk.station.status import DISK_FULL_STATUS, StatusLine
from kiosk.station.systemd_notify import Notifier, watchdog_interval
from kiosk.station.taps import TapPipeline
from kiosk.station.writer import JobDone, JobFailed, Writer
from kiosk.views.lane import LaneView

log = logging.getLogger(__name__)

# The learner's answer stays at least this long (read from two metres, a touch cannot wipe it);
# a next step stays until the learner takes it, the next learner taps, or STEP_HOLD_SECONDS.
GREETING_SECONDS = 6.0
STEP_HOLD_SECONDS = 30.0
GC_YOUNG_THRESHOLD = 20_000
# Where the office's exports go unless staff choose another folder: the USB stick's mount point
# (systemd/99-kiosk-usb.rules), writable under the service's sandbox.
EXPORT_FOLDER = "/media/kiosk-usb"
# How often the lane looks for learners who have waited too long, and the queue's clock moves.
LANE_TICK_SECONDS = 5.0
# How long a stop waits for the writer to save the taps already read: well inside systemd's
# default stop timeout (90 s), long enough for a morning's burst on a slow SD card.
STOP_DRAIN_SECONDS = 30.0


class StopNow(Message):
    """Posted after the readers are closed: every tap read before it is handled first."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KioskApp(LogsCrashes[int], inherit_bindings=False):
    """The kiosk cannot be quit from its own keys; the demo adds ctrl+q back."""

    TITLE = "Entry kiosk"
    ENABLE_COMMAND_PALETTE = False
    # A pop-up at the top, clear of the action buttons every staff screen keeps at its foot.
    CSS = "ToastRack { dock: top; align: right top; margin-bottom: 0; }"
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(
        self,
        config: Config,
        book: Book,
        devices: Devices,
        *,
        clock: Callable[[], datetime] = _utc_now,
        allow_quit: bool = False,
        draw: Callable[[], float] = random.random,
        export_folder: str = EXPORT_FOLDER,
    ) -> None:
        super().__init__()
        self.export_folder = export_folder
        self.config = config
        self.book = book
        self.devices = devices
        self.clock = clock
        if allow_quit:
            self.bind("ctrl+q", "stop", description="Quit the demo")
        if devices.trip_arch is not None:  # the demo's arch can be tripped from any screen
            self.bind("ctrl+t", "trip_arch", description="Trip the simulated arch")
        self.idle = IdleScreen(
            config.school.name,
            lambda: self.clock().astimezone(config.school.zone),
            devices.demo_badges,
            demo_arch=devices.trip_arch is not None,
        )
        self.greeting = GreetingScreen(
            "",
            "",
            tone=Tone.WELCOME,
            seconds=GREETING_SECONDS,
            hold=STEP_HOLD_SECONDS,
            demo_badges=devices.demo_badges,
            demo_arch=devices.trip_arch is not None,
        )
        self.notifier = Notifier()
        self.writer = Writer(self.post_message)
        self.keeper = LaneKeeper(config, book.sessions, station=config.station.name, draw=draw)
        # With a hub, this door's log is pushed to it on a thread of its own; never waited for.
        self.known_badges = KnownBadges(book.reads)
        self.sync = (
            SyncWorker(
                config,
                book.sessions,
                on_roster=self.known_badges.refresh,
                on_badges=self.known_badges.include,
            )
            if config.hub.enabled
            else None
        )
        self._stopping = False
        self._compose_station()
        # The devices read from now on; what they report before the app runs is held.
        self.inbox = DeviceInbox()
        wire_devices(devices, self.inbox.deliver)

    def _compose_station(self) -> None:
        """The station's controllers, each given the parts it works with (kiosk.station)."""
        self.status = StatusLine(self)
        self.desk = StaffSession(self)  # who is signed on at the screen, and who is on duty
        self.lane = LaneFront(self, self.desk)
        self.learners = LearnerDesk(self, self.desk, self.lane)
        self.office = OfficeDesk(self, self.desk)
        self.exports = OfficeExports(self, self.desk)
        self.taps = TapPipeline(self, self.desk, self.learners, self.lane, self.status)
        self.desk.routes = StaffRoutes(
            open_learner=self.learners.open,
            find_learner=self.learners.find_learner,
            dismiss_alarm=self.learners.dismiss_alarm,
            office=self.office.show_office,
            roll=self.office.show_roll,
            sign_out=self.office.show_sign_out,
        )

    @property
    def lane_view(self) -> LaneView:
        """The lane as last recorded: every learner in flight at this door."""
        return self.lane.view

    def on_mount(self) -> None:
        self.install_screen(self.greeting, "greeting")  # kept, and reused for every tap
        self.push_screen(self.idle)
        self.call_after_refresh(self._started)
        if self.sync is not None:
            self.sync.start()
        self.desk.nobody_on_duty()  # a spell left open by a restart is over
        if not self.config.policy.plain_sign_in:
            self.lane.start()  # the lane as it was left, then kept moving
        else:
            self.desk.watch_session()  # the session the station starts in
        self.set_interval(LANE_TICK_SECONDS, self._tick)
        if (interval := watchdog_interval()) is not None:
            self.set_interval(interval / 2, self.notifier.watchdog)  # a frozen loop stops pinging
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # A stop (systemd, the panel's server) saves the taps already read before exiting.
            loop.add_signal_handler(sig, lambda: self.call_later(self.action_stop))
        self.run_worker(self.known_badges.refresh, thread=True, group="badges")
        self.inbox.open(self.post_message)  # reads held since the devices opened come first
        self.status.devices_started(self.devices)

    def _started(self) -> None:
        """The first screen is drawn: tell systemd, and stop the collector re-scanning start-up
        objects on every full pass (those passes were the slowest taps' p99)."""
        gc.freeze()
        # Fewer, later full passes: a morning's objects are small and short-lived, and a full
        # pass over a long-running kiosk's heap is what the slowest answers wait behind.
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)
        self.notifier.ready()

    def action_stop(self) -> None:
        """Stop without losing a tap: close the readers, let every tap they read reach the
        writer (StopNow queues behind them), then exit; on_unmount waits for the writer."""
        if self._stopping:
            return
        self._stopping = True
        log.info("stopping: saving the taps already read")
        self.devices.close_readers()
        self.post_message(StopNow())

    def on_stop_now(self, _: StopNow) -> None:
        self.exit()

    def on_unmount(self) -> None:
        self.notifier.stopping()
        undone = self.writer.stop(timeout=STOP_DRAIN_SECONDS)
        if self.sync is not None:
            self.sync.stop()
        if undone:
            log.error("shutting down with %d database job(s) not yet saved", undone)
        elif self.status.saving:
            log.info(
                "stopped: the %d tap(s) still being answered were saved", len(self.status.saving)
            )
        self.devices.close_all()

    # --- messages in: each to the part it concerns ------------------------------------------

    def on_key(self, event: events.Key) -> None:
        if self.desk.unlocked:
            self.desk.touch()
        self.devices.feed_key("enter" if event.key == "enter" else (event.character or ""))

    def on_click(self, _: events.Click) -> None:
        if self.desk.unlocked:
            self.desk.touch()

    def on_badge_scanned(self, message: BadgeScanned) -> None:
        self.taps.badge(message.uid, message.read_at)

    def on_phone_badge_scanned(self, message: PhoneBadgeScanned) -> None:
        self.taps.phone(message.uid, message.read_at)

    def on_export_requested(self, message: ExportRequested) -> None:
        self.exports.requested(message)

    def on_arch_alarmed(self, message: ArchAlarmed) -> None:
        self.lane.event(rules.ArchAlarmed(message.at, message.zone), None, lambda _: None)

    def on_arch_cleared(self, message: ArchCleared) -> None:
        # A serial arch's clear line is its pass line; a relay contact's release only says the
        # alarm has ended, which is nobody's passage.
        if self.config.detector.driver == "serial":
            self.lane.event(rules.ArchPassed(message.at), None, lambda _: None)

    def on_arch_passed(self, message: ArchPassed) -> None:
        alarming = self.devices.arch_alarming
        self.lane.event(rules.ArchPassed(message.at, alarming), None, lambda _: None)

    def on_reader_status_changed(self, message: ReaderStatusChanged) -> None:
        self.notifier.status(message.detail)
        self.status.reader(message.detail)

    def on_detector_status_changed(self, message: DetectorStatusChanged) -> None:
        self.notifier.status(message.detail)
        self.status.detector(message.detail)

    def on_demo_badge_presented(self, message: DemoBadgePresented) -> None:
        if self.devices.present is not None:
            self.devices.present(message.uid)

    def on_demo_arch_tripped(self, _: DemoArchTripped) -> None:
        self.action_trip_arch()

    def action_trip_arch(self) -> None:
        if self.devices.trip_arch is not None:
            self.devices.trip_arch()

    def on_lane_demo(self, message: LaneDemo) -> None:
        self.lane.demo(message.what)

    # --- the writer and reads: work off the UI thread ------------------------------------------

    def submit(
        self, job: Job, then: Then[Any], *, urgent: bool = False, failed: Failed | None = None
    ) -> None:
        """Database work for the writer thread; `then(result)` (or `failed`) runs back here."""
        self.writer.submit(job, then, urgent=urgent, failed=failed)
        self.status.show()

    def read(self, job: Job, then: Then[Any], failed: Failed | None = None) -> None:
        """A read that may wait on the network (the hub); `then` (or `failed`) runs back here."""
        read_off_thread(self, job, then, failed)

    def _showing(self) -> bool:
        """Screens can still be shown: not while the app is closing (its stack emptied)."""
        return self.is_running and bool(self.screen_stack)

    def on_job_done(self, message: JobDone) -> None:
        self.writer.waiting -= 1
        if not self._showing():
            return  # saved; there is no screen left to answer on
        self.status.show()
        message.then(message.result)

    def on_job_failed(self, message: JobFailed) -> None:
        self.writer.waiting -= 1
        if not self._showing():
            return
        self.status.show()
        error = message.error
        if isinstance(error, SQLAlchemyError) and is_disk_full(error):
            self.status.set_alert(DISK_FULL_STATUS)
        if self.desk.unlocked:
            self.notify(
                "The database did not answer: nothing was recorded. Try again.",
                title="Not recorded",
                severity="error",
            )
        else:
            self.greet(NOT_SAVED.headline, NOT_SAVED.next_step, tone=Tone.STAFF)
        if message.failed is not None:
            message.failed(error)

    def _tick(self) -> None:
        self.status.show()  # the hub's line moves on by itself
        self.run_worker(self.known_badges.refresh, thread=True, group="badges")
        self.taps.log_unknown()
        if self.lane.view.alarm_outstanding and not self.desk.unlocked:
            self.drive_outputs(rules.Signal.ALARM)  # nobody has taken it yet: keep calling
        if self.config.policy.plain_sign_in:
            self.desk.watch_session()
        else:
            self.lane.tick()

    # --- what the learner sees and hears ------------------------------------------------------

    def show_lane(self, *, office: bool, then: Callable[[LaneChoice | None], None]) -> None:
        self.lane.show(office=office, then=then)

    def _tell(self, tell: rules.Tell) -> None:
        """The one place a learner's answer from the lane goes out (the bench wraps it)."""
        self.lane.tell(tell)

    def greet(
        self, headline: str, next_step: str, *, tone: Tone, hold: float | None = None
    ) -> None:
        """The learner-facing answer: a first name and the next step, then back to idle.

        `tone`: "welcome" (green) to go through, "next" (calm blue) for a next step, "staff"
        (amber) to see a member of staff; held GREETING_SECONDS once admitted, else until the
        next answer (or STEP_HOLD_SECONDS)."""
        if hold is None:
            hold = GREETING_SECONDS if tone == Tone.WELCOME else STEP_HOLD_SECONDS
        if self.screen is self.greeting:
            # The next learner's answer on the screen already up: new words and its time
            # again, not a screen popped and pushed (and every widget restyled) on every tap.
            self.greeting.show(headline, next_step, tone=tone, hold=hold)
            return
        self.close_answers()
        self.greeting.show(headline, next_step, tone=tone, hold=hold)
        self.push_screen(self.greeting, callback=lambda _: self.outputs_idle())

    def close_answers(self) -> None:
        if isinstance(self.screen, GreetingScreen):  # only the newest answer stays on screen
            self.pop_screen()

    def back_to_idle(self) -> None:
        """Close every screen above the idle one (staff screens included)."""
        while len(self.screen_stack) > 2 and self.screen is not self.idle:
            self.pop_screen()
        self.lane.forget_screen()

    def drive_outputs(self, signal: rules.Signal) -> None:
        self.devices.show(signal.value)

    def outputs_idle(self) -> None:
        if not self.lane.view.alarm_outstanding:  # the red light stays until staff take it
            self.devices.show("idle")


def make_app(
    config: Config,
    book: Book,
    devices: Devices | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
    allow_quit: bool = False,
    draw: Callable[[], float] = random.random,
    export_folder: str = EXPORT_FOLDER,
) -> KioskApp:
    """The one place the app is built: `kiosk run`, `kiosk demo` and the tests all come here."""
    return KioskApp(
        config,
        book,
        devices or Devices(),
        clock=clock,
        allow_quit=allow_quit,
        draw=draw,
        export_folder=export_folder,
    )


# DISK_FULL_STATUS: the staff line's words for a full disk, named here for the app's tests.
__all__ = ["DISK_FULL_STATUS", "KioskApp", "make_app"]
