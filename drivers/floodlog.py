"""Logging an event that can come thousands of times a minute: one line a minute, with the count.

A loose wire or a reader at the wrong baud rate turns every byte into a bad frame; a line per
frame would fill the journal (and the Pi's SD card) within the hour.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class FloodCounter:
    """Counts an event and says when a log line is due: the first time, then at most once per
    `interval_seconds` of monotonic time, each line carrying the count since the last one.

    `monotonic` is the device's clock (`Clock.monotonic`), so a test moves time without sleeping.
    """

    def __init__(self, monotonic: Callable[[], float], interval_seconds: float = 60.0) -> None:
        self._monotonic = monotonic
        self.interval_seconds = interval_seconds
        self._pending = 0
        self._last_line_at: float | None = None
        self._lock = threading.Lock()

    def count(self) -> int | None:
        """Count one event; the number to log now (this one included), or None: not yet."""
        now = self._monotonic()
        with self._lock:
            self._pending += 1
            if self._last_line_at is not None and now - self._last_line_at < self.interval_seconds:
                return None
            self._last_line_at = now
            due, self._pending = self._pending, 0
            return due

    def take(self) -> int:
        """The events counted since the last line (0 if none), for a last line at close."""
        with self._lock:
            due, self._pending = self._pending, 0
            return due
