"""Single-shot timed outputs on one long-lived thread: a pin on now, off when its time is up.

gpiozero's `blink(n=1, background=True)` starts a thread for every call, and joins the one
before it: at a door admitting a learner every few tens of milliseconds, that is three thread
starts and joins a tap on the caller's thread (the screen's), up to 10 ms at the 99th
percentile. Here the caller switches the pin on itself, at once, and names when it goes off;
one thread for every output switches it off once the latest time named for it has passed.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)


class OffTimer:
    """`on_for(device, seconds)`: on now, off after `seconds` (a later call moves the time);
    `cancel(device)` before anything else drives that device, so no stale time cuts it short."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._due: dict[int, tuple[float, Any]] = {}  # id(device) -> (monotonic time, device)
        self._thread: threading.Thread | None = None

    def on_for(self, device: Any, seconds: float) -> None:
        with self._changed:
            device.on()
            self._due[id(device)] = (time.monotonic() + seconds, device)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outputs-off", daemon=True)
                self._thread.start()
            self._changed.notify()

    def cancel(self, device: Any) -> None:
        with self._changed:
            self._due.pop(id(device), None)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for key, (at, device) in list(self._due.items()):
                    if at <= now:
                        del self._due[key]
                        self._switch_off(device)
                soonest = min((at for at, _ in self._due.values()), default=None)
                self._changed.wait(None if soonest is None else max(0.0, soonest - now))

    @staticmethod
    def _switch_off(device: Any) -> None:
        try:
            if not device.closed:
                device.off()
        except Exception:  # the thread serves every output: one failure must not stop it
            log.exception("cannot switch off %r", device)


# One thread for every output of the process.
OFF_TIMER = OffTimer()
