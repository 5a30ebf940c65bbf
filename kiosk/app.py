"""The Textual app: hardware events in through messages, the use cases, screens and outputs out.

This is the plain sign-in station (the badge tap is the admission). The full morning flow
(phone hand-in, screening, search, refusal, staff sign-on) is issue 4 and not built yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy.exc import SQLAlchemyError
from textual import events
from textual.app import App
from textual.binding import BindingType

from kiosk.checkin import TapOutcome, sign_in
from kiosk.config import Config
from kiosk.database import Book
from kiosk.messages import BadgeScanned, DemoBadgePresented, ReaderStatusChanged
from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen

log = logging.getLogger(__name__)

GREETING_SECONDS = 3.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Devices:
    """The hardware the app drives; any may be missing. Built by kiosk.launch."""

    reader: Any = None
    outputs: Any = None
    close_all: Callable[[], None] = lambda: None
    demo_badges: Sequence[tuple[str, str]] = field(default_factory=tuple)
    present: Callable[[str], object] | None = None


class KioskApp(App[int], inherit_bindings=False):
    """The kiosk cannot be quit from its own keys; the demo adds ctrl+q back."""

    TITLE = "Entry kiosk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(
        self,
        config: Config,
        book: Book,
        devices: Devices,
        *,
        clock: Callable[[], datetime] = _utc_now,
        allow_quit: bool = False,
    ) -> None:
        super().__init__()
        self.config = config
        self.book = book
        self.devices = devices
        self.clock = clock
        if allow_quit:
            self.bind("ctrl+q", "quit", description="Quit the demo")
        self.idle = IdleScreen(
            config.school.name,
            lambda: self.clock().astimezone(config.school.zone),
            devices.demo_badges,
        )

    def on_mount(self) -> None:
        self.push_screen(self.idle)
        reader = self.devices.reader
        if reader is not None:
            # Called on the reader's thread: post_message is the one thread-safe way in.
            reader.when_read = lambda event: self.post_message(
                BadgeScanned(event.uid, event.read_at)
            )
            reader.when_online = lambda event: self.post_message(
                ReaderStatusChanged(True, "reader online")
            )
            reader.when_offline = lambda event: self.post_message(
                ReaderStatusChanged(False, f"reader OFFLINE: {getattr(event, 'reason', '')}")
            )
            # The reader started before these callbacks were set: show where it stands now.
            self.idle.show_status(
                "reader online" if reader.is_online else f"reader OFFLINE: {reader.last_fault}"
            )

    def on_unmount(self) -> None:
        self.devices.close_all()

    def on_key(self, event: events.Key) -> None:
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

    def on_reader_status_changed(self, message: ReaderStatusChanged) -> None:
        self.idle.show_status(message.detail)

    def on_badge_scanned(self, message: BadgeScanned) -> None:
        try:
            outcome = sign_in(
                self.book.sessions, message.uid, at=message.read_at, school=self.config.school
            )
        except SQLAlchemyError:
            log.exception("database error recording a tap")
            outcome = TapOutcome(
                "error", "Please wait", "Please see a member of staff: the sign-in was not saved."
            )
        self._show(outcome)

    def _show(self, outcome: TapOutcome) -> None:
        if isinstance(self.screen, GreetingScreen):  # only the newest answer stays on screen
            self.pop_screen()
        tone = "welcome" if outcome.admitted else "notice"
        self.push_screen(
            GreetingScreen(
                outcome.headline, outcome.next_step, tone=tone, seconds=GREETING_SECONDS
            ),
            callback=lambda _: self._outputs_idle(),
        )
        # An unknown badge is not an alarm: the door stays locked and nothing sounds, so a
        # learner who forgot their badge is not made a spectacle of.
        if outcome.admitted and self.devices.outputs is not None:
            self.devices.outputs.admitted()

    def _outputs_idle(self) -> None:
        if self.devices.outputs is not None:
            self.devices.outputs.idle()


def make_app(
    config: Config,
    book: Book,
    devices: Devices | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
    allow_quit: bool = False,
) -> KioskApp:
    """The one place the app is built: `kiosk run`, `kiosk demo` and the tests all come here."""
    return KioskApp(config, book, devices or Devices(), clock=clock, allow_quit=allow_quit)


__all__ = ["Devices", "KioskApp", "make_app"]
