"""The Textual app: hardware events in through messages, the use cases, screens and outputs out.

Every write runs on the station's one writer thread (kiosk.writer), never on the UI thread. With
phones and screening off a tap is the admission, saved there. Otherwise each tap, phone-station
tap and arch signal is a lane event (kiosk.lane), recorded in order; the app carries out what the
lane decided (the learner's answer, the lights, the door) and the desk (kiosk.desk) is where
staff sign on and handle the exceptions.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import random
import signal
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.exc import SQLAlchemyError
from textual import events
from textual.binding import BindingType
from textual.message import Message
from textual.timer import Timer

from kiosk.checkin import (
    DISK_FULL,
    NOT_SAVED,
    SAVING,
    TapOutcome,
    is_disk_full,
    is_locked,
    sign_in,
)
from kiosk.config import Config
from kiosk.crash import LogsCrashes
from kiosk.database import Book
from kiosk.desk import Desk
from kiosk.device_inbox import DeviceInbox, wire_devices
from kiosk.devices import Devices
from kiosk.domain import lane as rules
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import (
    ATTENDANCE_HEADER,
    SEARCH_HEADER,
    ExportError,
    attendance_rows,
    record_search_log_read,
    search_rows,
    write_export_file,
)
from kiosk.hub import SyncWorker
from kiosk.known_badges import KnownBadges
from kiosk.lane import LaneKeeper, LaneOutcome
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
from kiosk.screens.greeting import UNTIL_REPLACED, GreetingScreen, Tone, tone_for
from kiosk.screens.idle import IdleScreen
from kiosk.screens.lane import LaneChoice, LaneDemo, LaneScreen
from kiosk.screens.office import ExportRequested, OfficeScreen
from kiosk.screens.pin_pad import PinPadScreen
from kiosk.screens.text import plain
from kiosk.systemd_notify import Notifier, watchdog_interval
from kiosk.views import LaneView
from kiosk.writer import JobDone, JobFailed, Writer

log = logging.getLogger(__name__)

# The learner's answer stays at least this long (read from two metres, a touch cannot wipe it);
# a next step stays until the learner takes it, the next learner taps, or STEP_HOLD_SECONDS.
GREETING_SECONDS = 6.0
STEP_HOLD_SECONDS = 30.0
STAFF_NEEDED = "Staff needed at the arch"
GC_YOUNG_THRESHOLD = 20_000
# Where the office's exports go unless staff choose another folder: the USB stick's mount point
# (systemd/99-kiosk-usb.rules), writable under the service's sandbox.
EXPORT_FOLDER = "/media/kiosk-usb"
# How often the lane looks for learners who have waited too long, and the queue's clock moves.
LANE_TICK_SECONDS = 5.0
NOT_RECOGNISED = "Badge not recognised"
# Cards found unknown are remembered a short while, so a flood of them is answered without the
# database; long enough to drain a burst, short enough that a card enrolled since is read again.
UNKNOWN_REMEMBERED = 1024
UNKNOWN_FORGOTTEN_SECONDS = 30.0
EXPORT_PROGRESS_EVERY = 50
# A sign-in not saved within this time is shown as waiting: the learner is told "One moment"
# and staff see how many sign-ins wait (another program holds the database, or the disk stalls).
SAVE_PATIENCE_SECONDS = 0.1
DISK_FULL_STATUS = (
    "DISK FULL: sign-ins are NOT being saved. Free space on the kiosk's disk, then tap again."
)
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
            tone="welcome",
            seconds=GREETING_SECONDS,
            hold=STEP_HOLD_SECONDS,
            demo_badges=devices.demo_badges,
            demo_arch=devices.trip_arch is not None,
        )
        self.reader_status = ""
        self.detector_status = ""
        self.alert = ""  # a fault staff must act on (the disk full), until a tap is saved again
        # Sign-ins on their way to the writer, and those of them that took longer than
        # SAVE_PATIENCE_SECONDS (UI thread only).
        self._tap_numbers = itertools.count()
        self._saving: dict[int, float] = {}  # tap number: when it went to the writer
        self._saving_late: set[int] = set()
        # One timer looks for sign-ins kept waiting, while any are: not a timer for every tap.
        self._patience: Timer | None = None
        self.notifier = Notifier()
        self.writer = Writer(self.post_message)
        self.keeper = LaneKeeper(config, book.sessions, station=config.station.name, draw=draw)
        self.lane_view = LaneView((), (), 0, 0, "")
        # With a hub, this door's log is pushed to it on a thread of its own; never waited for.
        self.known_badges = KnownBadges(book.reads)
        self.sync = (
            SyncWorker(config, book.sessions, on_roster=self.known_badges.refresh)
            if config.hub.enabled
            else None
        )
        self._lane_screen: LaneScreen | None = None
        self._stopping = False
        # The session a plain sign-in station is in (its staff are signed off when it ends).
        self._plain_session: tuple[date, SchoolSession | None] | None = None
        # The last answer a learner was given while staff were at the screen.
        self.last_told: tuple[str, str] | None = None
        self._entry_pending: set[str] = set()  # entry taps on their way to the lane
        self._unknown: OrderedDict[str, float] = OrderedDict()  # unknown cards, when seen
        self._unknown_counted = 0  # unknown cards since the last minute's log line
        self._unknown_logged_at = time.monotonic()
        self.desk = Desk(self)
        # The devices read from now on; what they report before the app runs is held.
        self.inbox = DeviceInbox()
        wire_devices(devices, self.inbox.deliver)

    def on_mount(self) -> None:
        self.install_screen(self.greeting, "greeting")  # kept, and reused for every tap
        self.push_screen(self.idle)
        self.call_after_refresh(self._started)
        if self.sync is not None:
            self.sync.start()
        self.desk.nobody_on_duty()  # a spell left open by a restart is over
        if not self.config.policy.plain_sign_in:
            # The lane as it was left (a restart mid-morning keeps the queue), then kept moving.
            self.submit(lambda: self.keeper.start(self.clock()), self._lane_started)
        else:
            self._plain_tick()  # the session the station starts in
        self.set_interval(LANE_TICK_SECONDS, self._tick)
        if (interval := watchdog_interval()) is not None:
            self.set_interval(interval / 2, self.notifier.watchdog)  # a frozen loop stops pinging
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # A stop (systemd, the panel's server) saves the taps already read before exiting.
            loop.add_signal_handler(sig, lambda: self.call_later(self.action_stop))
        self.run_worker(self.known_badges.refresh, thread=True, group="badges")
        self.inbox.open(self.post_message)  # reads held since the devices opened come first
        reader = self.devices.reader
        if reader is not None:
            # The reader started before the app: show where it stands now.
            self._show_reader_status(
                "reader online" if reader.is_online else f"reader OFFLINE: {reader.last_fault}"
            )
        detector = self.devices.detector
        if detector is not None:
            self.detector_status = (
                "arch online" if detector.is_online else f"arch OFFLINE: {detector.last_fault}"
            )
            self._show_backlog()

    def _started(self) -> None:
        """The first screen is drawn: tell systemd, and stop the collector re-scanning start-up
        objects on every full pass (those passes were the slowest taps' p99)."""
        gc.freeze()
        # Fewer, later full passes: a morning's objects are small and short-lived, and a full
        # pass over a long-running kiosk's heap is what the slowest answers wait behind.
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)
        self.notifier.ready()

    @property
    def lane_screen(self) -> LaneScreen | None:
        """The queue, while it is on the screen stack: a popped queue is never drawn on."""
        if self._lane_screen is not None and self._lane_screen not in self.screen_stack:
            self._lane_screen = None
        return self._lane_screen

    def action_stop(self) -> None:
        """Stop without losing a tap: close the readers, let every tap they read reach the
        writer (StopNow queues behind them), then exit; on_unmount waits for the writer."""
        if self._stopping:
            return
        self._stopping = True
        log.info("stopping: saving the taps already read")
        for reader in (self.devices.reader, self.devices.phone_reader):
            if reader is not None:
                try:
                    reader.close()
                except Exception:  # a reader that fails to close must not stop the stop
                    log.exception("a reader did not close cleanly")
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
        elif self._saving:
            log.info("stopped: the %d tap(s) still being answered were saved", len(self._saving))
        self.devices.close_all()

    def on_key(self, event: events.Key) -> None:
        if self.desk.unlocked:
            self.desk.touch()
        # A keyboard-wedge reader types into the kiosk's own terminal: its keys feed the reader,
        # which tells a reader's fast run of digits from a person typing.
        feed = getattr(self.devices.reader, "feed_key", None)
        if feed is not None:
            key = "enter" if event.key == "enter" else (event.character or "")
            if key:
                feed(key)

    def on_demo_badge_presented(self, message: DemoBadgePresented) -> None:
        if self.devices.present is not None:
            self.devices.present(message.uid)

    def on_export_requested(self, message: ExportRequested) -> None:
        """Write an export off the UI thread, with its progress on the office screen."""
        screen = self.screen
        if not isinstance(screen, OfficeScreen) or not self.desk.unlocked:
            return
        if message.kind == "searches" and not self.desk.operator_is_dsl:
            return  # search detail is for the safeguarding lead only
        self.desk.touch()
        self.run_worker(
            lambda: self._export(screen, message.kind, Path(message.folder)),
            thread=True,
            exclusive=True,
            group="export",
        )

    def _export(self, screen: OfficeScreen, kind: str, folder: Path) -> None:
        school = self.config.school
        now = self.clock()
        day = now.astimezone(school.zone).date()
        try:
            header: Sequence[str]
            # R35: a search-log export is read in a write transaction that records the read.
            book = self.book.reads if kind == "attendance" else self.book.sessions.begin
            with book() as session:
                if kind == "attendance":
                    header = ATTENDANCE_HEADER
                    rows = list(
                        attendance_rows(
                            session,
                            day=day,
                            school_session=SchoolSession.AM,
                            school=school,
                            now=now,
                        )
                    )
                else:
                    header = SEARCH_HEADER
                    rows = list(search_rows(session, first=day, last=day, zone=school.zone))
                    record_search_log_read(
                        session,
                        at=now,
                        by_staff_id=self.desk.operator,
                        first=day,
                        last=day,
                        where="the kiosk's office screen: export",
                        rows=len(rows),
                    )
            out = folder / f"{kind}-{day.isoformat()}.csv"

            def counted() -> Iterator[tuple[str, ...]]:
                for n, row in enumerate(rows, 1):
                    if n % EXPORT_PROGRESS_EVERY == 0:
                        self.call_from_thread(screen.export_progress, n, len(rows))
                    yield row

            written = write_export_file(out, header, counted())
            self.call_from_thread(screen.export_progress, written, max(written, 1))
            self.call_from_thread(screen.export_finished, f"Saved {written} rows to {out}")
            log.info("export %s: %d rows to %s", kind, written, out)
        except (ExportError, SQLAlchemyError) as exc:
            log.error("export %s failed: %s", kind, exc)
            self.call_from_thread(screen.export_finished, f"Not saved: {exc}")

    def on_demo_arch_tripped(self, _: DemoArchTripped) -> None:
        self.action_trip_arch()

    def action_trip_arch(self) -> None:
        if self.devices.trip_arch is not None:
            self.devices.trip_arch()

    def on_arch_alarmed(self, message: ArchAlarmed) -> None:
        self.lane_event(rules.ArchAlarmed(message.at, message.zone), None, lambda _: None)

    def on_arch_cleared(self, message: ArchCleared) -> None:
        # A serial arch's clear line is its pass line; a relay contact's release only says the
        # alarm has ended, which is nobody's passage.
        if self.config.detector.driver == "serial":
            self.lane_event(rules.ArchPassed(message.at), None, lambda _: None)

    def on_arch_passed(self, message: ArchPassed) -> None:
        alarming = self.devices.arch_alarming
        self.lane_event(rules.ArchPassed(message.at, alarming), None, lambda _: None)

    def on_phone_badge_scanned(self, message: PhoneBadgeScanned) -> None:
        self.submit(
            lambda: self.keeper.phone_badge(message.uid, message.read_at), self._phone_tapped
        )

    def _phone_tapped(self, outcome: LaneOutcome) -> None:
        self.apply(outcome)
        if outcome.rejected and not self.desk.unlocked:
            self.greet("Please wait", "Please see a member of staff.", tone="staff")

    def on_lane_demo(self, message: LaneDemo) -> None:
        if message.what == "pass" and self.devices.pass_arch is not None:
            self.devices.pass_arch()
        elif message.what == "alarm":
            self.action_trip_arch()
        elif message.what == "phone" and self.devices.present_phone is not None:
            waiting = [r for r in self.lane_view.rows if r.step == "phone" and not r.phone_done]
            if waiting:
                self.devices.present_phone(waiting[0].learner_id)

    def on_reader_status_changed(self, message: ReaderStatusChanged) -> None:
        self.notifier.status(message.detail)
        self._show_reader_status(message.detail)

    def on_click(self, _: events.Click) -> None:
        if self.desk.unlocked:
            self.desk.touch()

    def on_detector_status_changed(self, message: DetectorStatusChanged) -> None:
        self.notifier.status(message.detail)
        self.detector_status = message.detail
        self._show_backlog()

    def _show_reader_status(self, text: str) -> None:
        self.reader_status = text
        self._show_backlog()

    def on_badge_scanned(self, message: BadgeScanned) -> None:
        """Record the tap on the writer, in the order taps were read; the read time is the
        arrival time, so the mark is right however long the database keeps it waiting.

        When the school asks for more than a tap, the tap goes to the lane instead."""
        if isinstance(self.screen, PinPadScreen):
            # A learner's tap closes a PIN pad left open: the learner's answer comes first.
            self.back_to_idle()
        uid, read_at = message.uid, message.read_at
        if self._known_unknown(uid) or (
            not self.desk.unlocked and self.known_badges.knows(uid) is False
        ):
            # A card nobody owns (a flood of them, however many different) never reaches the
            # database nor the log one by one: staff signed on see it, to enrol it.
            self._unknown_counted += 1
            self._not_recognised()
            return
        if not self.config.policy.plain_sign_in:
            if uid in self._entry_pending:
                return  # the same card again while its first read is on its way: one tap
            self._entry_pending.add(uid)
            self.submit(
                lambda: self.keeper.badge(uid, read_at),
                lambda result: self._entry_recorded(uid, read_at, result),
                urgent=True,  # a new arrival changes nothing for those already in the lane
            )
            return
        number = next(self._tap_numbers)
        self._saving[number] = time.monotonic()
        self.submit(lambda: self._sign_in(uid, read_at), lambda out: self._signed_in(number, out))
        if self._patience is None:
            self._patience = self.set_interval(SAVE_PATIENCE_SECONDS / 2, self._still_saving)

    def _sign_in(self, uid: str, read_at: datetime) -> TapOutcome:
        """The writer's job for a plain tap. A lock is raised, for the writer to wait out;
        any other failure is the learner's answer (sent to staff) and the staff line's."""
        try:
            return sign_in(
                self.book.sessions,
                uid,
                at=read_at,
                school=self.config.school,
                tap_admits=self.config.policy.plain_sign_in,
            )
        except Exception as exc:  # the learner is answered whatever went wrong
            if isinstance(exc, SQLAlchemyError) and is_locked(exc):
                raise
            return self._failed(exc)

    def _still_saving(self) -> None:
        """Sign-ins not saved within SAVE_PATIENCE_SECONDS: the learner is told "One moment"
        (once, however many wait) and staff see how many wait."""
        if not self._saving:
            if self._patience is not None:
                self._patience.stop()
                self._patience = None
            return
        due = time.monotonic() - SAVE_PATIENCE_SECONDS
        late = {n for n, sent in self._saving.items() if sent <= due} - self._saving_late
        if not late:
            return
        if not self._saving_late:
            log.warning("database busy: taps are queued until it is free")
        self._saving_late |= late
        self._show_backlog()
        self._show(SAVING)

    def _signed_in(self, number: int, outcome: TapOutcome) -> None:
        self._saving.pop(number, None)
        if number in self._saving_late:
            self._saving_late.discard(number)
            if not self._saving_late:
                log.warning("database free again: every queued tap is saved")
            self._show_backlog()
        self._show(outcome)

    def _show_backlog(self) -> None:
        """The staff's line at the foot of the idle screen (redrawn only when it changes)."""
        waiting = self.writer.waiting if self.writer.locked or self._saving_late else 0
        if waiting:
            text = (
                f"Database busy (another program is writing): {waiting} sign-in(s) "
                "waiting to be saved; nothing is lost"
            )
        else:
            hub = self.sync.status().line(self.config.school.zone) if self.sync else ""
            parts = (self.reader_status, self.detector_status, hub)
            text = self.alert or "  ·  ".join(s for s in parts if s)
        if text != self.idle.status_text:
            self.idle.show_status(text)

    def _failed(self, exc: Exception) -> TapOutcome:
        """A tap that cannot be saved: logged, and the outcome says why (any thread)."""
        if is_disk_full(exc):
            log.error("disk full: a tap was not saved: %s", getattr(exc, "orig", exc))
            return DISK_FULL
        log.error("database error: a tap was not saved", exc_info=exc)
        return NOT_SAVED

    def _set_alert(self, text: str) -> None:
        if text != self.alert:
            self.alert = text
            self._show_backlog()

    def _show(self, outcome: TapOutcome) -> None:
        if outcome.kind == "unknown" and outcome.read_at and self.desk.unlocked:
            self._close_answers()
            self.desk.unknown_badge(outcome.uid, outcome.read_at)
            return
        if outcome.owner is not None and outcome.read_at is not None:
            # Staff signing on, or a learner the desk takes through the morning's steps.
            self._set_alert("")
            self._close_answers()
            self.desk.staff_badge(outcome.owner)
            return
        if outcome.kind == "unknown":
            self._remember_unknown(outcome.uid)
            self._not_recognised()
            return
        if outcome is DISK_FULL:
            self._set_alert(DISK_FULL_STATUS)
        elif outcome.admitted:
            self._set_alert("")  # a tap was saved: whatever was wrong is not wrong now
        # Every plain tap that is neither admitted nor still saving is one for staff to see to.
        tone = tone_for(admitted=outcome.admitted, see_staff=outcome is not SAVING)
        self.greet(outcome.headline, outcome.next_step, tone=tone)
        # An unknown badge is not an alarm: the door stays locked and nothing sounds, so a
        # learner who forgot their badge is not made a spectacle of.
        if outcome.admitted:
            self.drive_outputs(rules.Signal.ADMITTED)

    # --- the lane ---------------------------------------------------------------------------

    def submit(
        self, job: Callable[[], Any], then: Callable[[Any], None], *, urgent: bool = False
    ) -> None:
        """Database work for the writer thread; `then(result)` runs back here, in order."""
        self.writer.submit(job, then, urgent=urgent)
        self._show_backlog()

    def read(self, job: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """A read that may wait on the network (the hub): on a thread of its own, so neither
        the screen nor the writer waits for it; `then(result)` runs back here."""

        def work() -> None:
            try:
                result = job()
            except Exception:
                log.exception("a read for the staff screen failed")
                self.call_from_thread(
                    self.notify, "The record could not be read. Try again.", severity="error"
                )
                return
            self.call_from_thread(then, result)

        self.run_worker(work, thread=True, group="reads")

    def _showing(self) -> bool:
        """Screens can still be shown: not while the app is closing (its stack emptied)."""
        return self.is_running and bool(self.screen_stack)

    def on_job_done(self, message: JobDone) -> None:
        self.writer.waiting -= 1
        if not self._showing():
            return  # saved; there is no screen left to answer on
        self._show_backlog()
        message.then(message.result)

    def on_job_failed(self, message: JobFailed) -> None:
        self.writer.waiting -= 1
        if not self._showing():
            return
        self._show_backlog()
        error = message.error
        if isinstance(error, SQLAlchemyError) and is_disk_full(error):
            self._set_alert(DISK_FULL_STATUS)
        if self.desk.unlocked:
            self.notify(
                "The database did not answer: nothing was recorded. Try again.",
                title="Not recorded",
                severity="error",
            )
        else:
            self.greet(NOT_SAVED.headline, NOT_SAVED.next_step, tone="staff")

    def _lane_started(self, view: LaneView) -> None:
        self.lane_view = view
        self._call_staff(view.alarm_outstanding)  # an alarm left by a restart still calls

    def _tick(self) -> None:
        self._show_backlog()  # the hub's line moves on by itself
        self.run_worker(self.known_badges.refresh, thread=True, group="badges")
        if self._unknown_counted and time.monotonic() - self._unknown_logged_at >= 60:
            log.info("%d tap(s) of unknown cards in the last minute", self._unknown_counted)
            self._unknown_counted, self._unknown_logged_at = 0, time.monotonic()
        if self.lane_view.alarm_outstanding and not self.desk.unlocked:
            self.drive_outputs(rules.Signal.ALARM)  # nobody has taken it yet: keep calling
        if self.config.policy.plain_sign_in:
            self._plain_tick()
        elif not self.writer.waiting:  # the queue moves on its own; never pile ticks up
            self.submit(lambda: self.keeper.tick(self.clock()), self.apply)

    def _plain_tick(self) -> None:
        """A plain station has no lane to say a session ended: its duty list ends here."""
        school = self.config.school
        local = self.clock().astimezone(school.zone)
        now = (local.date(), school.session_at(local.time().replace(tzinfo=None)))
        before, self._plain_session = self._plain_session, now
        if before is not None and before != now and before[1] is not None:
            self.desk.end_of_session()

    def _entry_recorded(
        self, uid: str, read_at: datetime, result: tuple[Any, LaneOutcome | None]
    ) -> None:
        self._entry_pending.discard(uid)
        owner, outcome = result
        if outcome is not None:
            self._set_alert("")
            self.apply(outcome)
            if outcome.rejected and not any(isinstance(e, rules.Tell) for e in outcome.effects):
                self.greet(
                    f"Hello, {owner.first_name}", "Please see a member of staff.", tone="staff"
                )
            return
        if owner.kind == "staff":
            self._close_answers()
            self.desk.staff_badge(owner)
        elif owner.kind == "unknown" and self.desk.unlocked:
            self._close_answers()
            self.desk.unknown_badge(uid, read_at)
        else:
            if owner.kind == "unknown":
                self._remember_unknown(uid)
            self._not_recognised()

    def _remember_unknown(self, uid: str) -> None:
        self._unknown[uid] = time.monotonic()
        while len(self._unknown) > UNKNOWN_REMEMBERED:
            self._unknown.popitem(last=False)

    def _known_unknown(self, uid: str) -> bool:
        """A card found unknown moments ago (staff signed on may enrol it: they always see it)."""
        seen = self._unknown.get(uid)
        if seen is None or self.desk.unlocked:
            return False
        if (
            time.monotonic() - seen > UNKNOWN_FORGOTTEN_SECONDS
            or seen < self.known_badges.changed_at
        ):
            del self._unknown[uid]  # it may have been enrolled since
            return False
        return True

    def _not_recognised(self) -> None:
        """An unknown badge is not an alarm: the door stays locked and nothing sounds. When the
        screen already says so, it is left as it is, so a flood of unknown cards costs nothing
        on screen and the next real learner is greeted at once."""
        if self.screen is self.greeting and self.greeting.headline == NOT_RECOGNISED:
            self.greeting.on_screen_resume()  # its few seconds start again
            return
        self.greet(NOT_RECOGNISED, "Please see a member of staff.", tone="staff")

    def lane_event(
        self,
        event: rules.Event,
        staff_id: str | None,
        then: Callable[[LaneOutcome], None],
    ) -> None:
        def done(outcome: LaneOutcome) -> None:
            self.apply(outcome)
            then(outcome)

        self.submit(lambda: self.keeper.handle(event, staff_id=staff_id, now=self.clock()), done)

    def arrive(self, learner_id: int, first_name: str, at: datetime) -> None:
        """Staff found a learner by name (a forgotten badge): the visit starts now."""
        self.submit(lambda: self.keeper.arrive(learner_id, first_name, at), self.apply)

    def apply(self, outcome: LaneOutcome) -> None:
        """Carry out what the lane decided: the learner's answer, the lights, staff's attention."""
        before = self.lane_view.session
        alarmed_before = self.lane_view.alarm_outstanding
        self.lane_view = outcome.view
        if self.sync is not None:
            self.sync.nudge()
        if before and outcome.view.session != before:
            # A session belongs to itself: its queue and its duty list end with it.
            self.desk.end_of_session()
        names = {row.learner_id: row.first_name for row in outcome.view.rows}
        for effect in outcome.effects:
            if isinstance(effect, rules.Tell):
                self._tell(effect)
            elif isinstance(effect, rules.Light):
                self.drive_outputs(effect.signal)
            elif isinstance(effect, rules.CallStaff) and effect.need is rules.Need.ALARM:
                who = names.get(effect.learner_id or 0, "")
                # The queue's red banner says it; a pop-up there would cover its buttons.
                if self.desk.unlocked and self.screen is not self.lane_screen:
                    self.notify(
                        plain(f"{who}: {effect.detail}" if who else effect.detail),
                        title="Arch alarm",
                        severity="error",
                    )
            elif isinstance(effect, rules.Rejected) and self.desk.unlocked:
                self.notify(plain(effect.reason), title="Not recorded", severity="warning")
        if (queue := self.lane_screen) is not None:
            queue.show(outcome.view)
        alarmed = outcome.view.alarm_outstanding
        self._call_staff(alarmed)
        if (
            alarmed_before
            and not alarmed
            and not any(isinstance(e, rules.Light) for e in outcome.effects)
        ):
            self._outputs_idle()  # taken: the red light and the buzzer stop

    def _call_staff(self, alarmed: bool) -> None:
        """The idle screen calls staff while an alarm waits for them (nobody may be signed on)."""
        self.idle.show_staff_needed(STAFF_NEEDED if alarmed else "")

    def _tell(self, tell: rules.Tell) -> None:
        """The learner's answer: on the queue's learner line while staff work the screen,
        else on the learner-facing greeting."""
        if self.desk.unlocked:
            self.last_told = (tell.headline, tell.next_step)
            queue = self.lane_screen
            if queue is not None:
                queue.say(tell.headline, tell.next_step)
            if queue is None or self.screen is not queue:
                self.notify(plain(f"{tell.headline}: {tell.next_step}"), timeout=3)
            return
        row = next((r for r in self.lane_view.rows if r.learner_id == tell.learner_id), None)
        waits = row is not None and rules.Need.ALARM in row.needs
        # A learner held at the arch is told to wait until someone comes for them.
        tone = tone_for(admitted=tell.admitted, see_staff=tell.see_staff)
        self.greet(tell.headline, tell.next_step, tone=tone, hold=UNTIL_REPLACED if waits else None)

    def show_lane(self, *, office: bool, then: Callable[[LaneChoice | None], None]) -> None:
        if self.lane_screen is not None and self.screen is self.lane_screen:
            return  # the queue is on the screen already (staff tapped their own badge)
        self._close_answers()
        screen = LaneScreen(
            self.lane_view,
            self.clock,
            office=office,
            demo=self.devices.pass_arch is not None,
            demo_badges=self.devices.demo_badges,
        )
        self._lane_screen = screen
        if self.last_told is not None:
            screen.say(*self.last_told)

        def chosen(choice: LaneChoice | None) -> None:
            self._lane_screen = None
            then(choice)

        self.push_screen(screen, chosen)

    # --- what the desk asks of the app (kiosk.desk.DeskHost) -------------------------------

    def greet(
        self, headline: str, next_step: str, *, tone: Tone, hold: float | None = None
    ) -> None:
        """The learner-facing answer: a first name and the next step, then back to idle.

        `tone`: "welcome" (green) to go through, "next" (calm blue) for a next step, "staff"
        (amber) to see a member of staff; held GREETING_SECONDS once admitted, else until the
        next answer (or STEP_HOLD_SECONDS)."""
        self._close_answers()
        if hold is None:
            hold = GREETING_SECONDS if tone == "welcome" else STEP_HOLD_SECONDS
        self.greeting.show(headline, next_step, tone=tone, hold=hold)
        self.push_screen(self.greeting, callback=lambda _: self._outputs_idle())

    def _close_answers(self) -> None:
        if isinstance(self.screen, GreetingScreen):  # only the newest answer stays on screen
            self.pop_screen()

    def back_to_idle(self) -> None:
        """Close every screen above the idle one (staff screens included)."""
        while len(self.screen_stack) > 2 and self.screen is not self.idle:
            self.pop_screen()
        self._lane_screen = None  # popped without its answer: nothing keeps it

    def drive_outputs(self, signal: rules.Signal) -> None:
        self._reader_shows(signal.value)
        outputs = self.devices.outputs
        if outputs is None:
            return
        show = {
            rules.Signal.ADMITTED: outputs.admitted,
            rules.Signal.ALARM: outputs.alarm,
            rules.Signal.REFUSED: outputs.refused,
        }
        show[signal]()

    def _outputs_idle(self) -> None:
        if self.lane_view.alarm_outstanding:
            return  # the red light stays until staff take the alarm
        self._reader_shows("idle")
        if self.devices.outputs is not None:
            self.devices.outputs.idle()

    def _reader_shows(self, signal: str) -> None:
        """A door reader with its own LED and beeper (OSDP) echoes the kiosk's answer."""
        show = getattr(self.devices.reader, "show", None)
        if show is not None:
            show(signal)


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


__all__ = ["KioskApp", "make_app"]
