"""A beam at the arch's exit on a GPIO input: each break is one person walking out of the arch.

`PassageBeam(5, when_passed=...)`. With `active_high=False` (default) the beam's receiver pulls
the pin LOW while the beam is broken (an open-collector output, the Pi's pull-up on); with
`active_high=True` it drives the pin HIGH. One break is one passage however long it lasts, and
breaks shorter than `bounce_time` seconds (a swinging bag strap) count as nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from drivers.callbacks import fire
from drivers.clock import Clock, SystemClock
from drivers.events import PassageSeen
from drivers.gpio_input import TimedInput


class PassageBeam(TimedInput):
    def __init__(
        self,
        pin: int | str,
        *,
        active_high: bool = False,
        bounce_time: float = 0.05,
        clock: Clock | None = None,
        pin_factory: Any = None,
        when_passed: Callable[[PassageSeen], object] | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.when_passed = when_passed
        self.bounce_time = bounce_time
        self.count = 0
        self._lock = threading.Lock()
        self._broken_since: float | None = None
        self._broken_at = self.clock.now()
        self._closed = False
        self._open_input(pin, active_high=active_high, pin_factory=pin_factory)
        self._device.when_activated = self._broken
        self._device.when_deactivated = self._restored

    def _broken(self) -> None:
        with self._lock:
            self._broken_since = time.monotonic()
            self._broken_at = self.clock.now()

    def _restored(self) -> None:
        # The passage is counted when the beam is whole again: the person has walked out.
        with self._lock:
            since, self._broken_since = self._broken_since, None
            if since is None or self._closed or time.monotonic() - since < self.bounce_time:
                return
            self.count += 1
            event = PassageSeen(self._broken_at)
        fire(self.when_passed, event)

    def close(self) -> None:
        self._closed = True
        self._device.close()

    def __enter__(self) -> PassageBeam:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
