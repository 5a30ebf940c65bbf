"""Simulated reader, detector and outputs with the real devices' events, for demos and app tests.

Simulated devices report in the thread that calls them (`present`, `trip`, ...), unlike real
devices, whose callbacks come from their own threads. Simulated outputs are the real
gpiozero outputs on a private `MockFactory`, so their pins can be inspected.
"""

from __future__ import annotations

import re
from typing import Any, Unpack

from gpiozero.pins.mock import MockFactory

from drivers.badge_reader import BadgeReader, ReaderOptions
from drivers.clock import Clock
from drivers.detector import AlarmDetector, DetectorCallbacks
from drivers.events import AlarmCleared, AlarmRaised, BadgeRead, FrameRejected
from drivers.outputs import Outputs, open_outputs

_SEPARATORS = re.compile(r"[\s:\-]")
_HEX = re.compile(r"[0-9A-F]+")


class SimulatedReader(BadgeReader):
    """A badge reader driven by `present(uid)`, with the same repeat suppression as real ones.

    It starts online; `unplug()` and `replug()` send the offline and online events a real
    reader would, and cards presented while unplugged are not read.
    """

    def __init__(
        self,
        port: str = "simulated",
        **options: Unpack[ReaderOptions],
    ) -> None:
        super().__init__(port, **options)
        self._online = True

    def present(self, uid: str) -> BadgeRead | None:
        """A card in the field (hex, separators allowed); the `BadgeRead` if it was a new one."""
        normal = _SEPARATORS.sub("", uid).upper()
        if not normal or _HEX.fullmatch(normal) is None:
            raise ValueError(f"a badge UID is hex digits, got {uid!r}")
        if not self._online:
            return None
        return self._report_uid(normal)

    def reject(self, reason: str = "bad checksum", raw: bytes = b"") -> FrameRejected | None:
        """A frame that failed its checks, as line noise would give."""
        if not self._online:
            return None
        return self._report_rejected(reason, raw)

    def unplug(self, reason: str = "unplugged") -> None:
        self._report_offline(f"{self.port}: {reason}")

    def replug(self) -> None:
        self._report_online()


class SimulatedDetector(AlarmDetector):
    """An arch driven by `trip(zone)` and `clear()`."""

    def __init__(
        self,
        name: str = "simulated",
        *,
        clock: Clock | None = None,
        **callbacks: Unpack[DetectorCallbacks],
    ) -> None:
        super().__init__(name, clock=clock, **callbacks)

    def trip(self, zone: str | None = None) -> AlarmRaised | None:
        return self._report_alarm(zone)

    def clear(self) -> AlarmCleared | None:
        return self._report_clear()

    def unplug(self, reason: str = "unplugged") -> None:
        self._report_offline(f"{self.name}: {reason}")

    def replug(self) -> None:
        self._report_online()


def simulated_outputs(
    green_led: int = 22,
    red_led: int = 27,
    buzzer: int = 23,
    door_relay: int = 24,
    *,
    relay_active_high: bool = False,
    door_open_seconds: float = 3.0,
    pin_factory: Any = None,
) -> Outputs:
    """Real gpiozero outputs on mock pins (a fresh `MockFactory` unless one is given)."""
    return open_outputs(
        green_led,
        red_led,
        buzzer,
        door_relay,
        relay_active_high=relay_active_high,
        door_open_seconds=door_open_seconds,
        pin_factory=pin_factory if pin_factory is not None else MockFactory(),
    )
