"""The hardware the app drives, as kiosk.launch builds it: any device may be missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Devices:
    """The hardware the app drives; any may be missing. Built by kiosk.launch."""

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
