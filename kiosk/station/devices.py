"""The hardware the app drives, as kiosk.station.launch builds it: any device may be missing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Devices:
    """The hardware the app drives; any may be missing. Built by kiosk.station.launch."""

    reader: Any = None
    detector: Any = None
    outputs: Any = None
    close_all: Callable[[], None] = lambda: None
    demo_badges: Sequence[tuple[str, str]] = field(default_factory=tuple)
    present: Callable[[str], object] | None = None
    trip_arch: Callable[[], object] | None = None
    # A reader at the phone station, and a beam at the arch's exit; either may be missing.
    phone_reader: Any = None
    passage: Any = None
    # The demo's stand-ins: a learner's badge at the phone station, a walk through the arch.
    present_phone: Callable[[int], object] | None = None
    pass_arch: Callable[[], object] | None = None

    @property
    def arch_alarming(self) -> bool:
        """Whether the arch is alarming now: a relay contact's level, which sends no edge for
        the state it starts in (an open contact: the alarm, or a cut cable)."""
        return self.detector is not None and bool(getattr(self.detector, "is_alarm", False))

    def show(self, signal: str) -> None:
        """The answer on the door's hardware: `signal` is admitted, alarm, refused or idle.

        A door reader with its own LED and beeper (OSDP) echoes it; the outputs carry it out
        (lights, buzzer, door), each signal a method of theirs by the same name."""
        reader_show = getattr(self.reader, "show", None)
        if reader_show is not None:
            reader_show(signal)
        if self.outputs is not None:
            getattr(self.outputs, signal)()

    def feed_key(self, key: str) -> None:
        """A keyboard-wedge reader types into the kiosk's own terminal: its keys feed the
        reader, which tells a reader's fast run of digits from a person typing."""
        feed = getattr(self.reader, "feed_key", None)
        if feed is not None and key:
            feed(key)

    def close_readers(self) -> None:
        """Stop reading badges (a stop): the readers close, each whatever the other does."""
        for reader in (self.reader, self.phone_reader):
            if reader is not None:
                try:
                    reader.close()
                except Exception:  # a reader that fails to close must not stop the stop
                    log.exception("a reader did not close cleanly")
