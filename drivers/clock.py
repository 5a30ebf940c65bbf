"""The clock every device reads time from, so tests and simulations can control it."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Wall time for timestamps, monotonic time for intervals."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; thread-safe, for tests and simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime(2025, 1, 6, 8, 30, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._monotonic = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._monotonic

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by `seconds`."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._monotonic += seconds


class StartedClock:
    """A clock that starts at a chosen moment and then runs at the real pace (a demo's morning)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)

    def monotonic(self) -> float:
        return time.monotonic()


class OffsetClock:
    """The real clock moved on by a number of seconds kept in a file, re-read when it changes.

    For a rehearsal or a soak test: a whole school day (or a week) passes in minutes by writing
    a larger offset, while the kiosk's own timers and the devices run at the real pace. The
    offset never takes monotonic time backwards.
    """

    def __init__(self, path: str | os.PathLike[str], base: Clock | None = None) -> None:
        self._path = os.fspath(path)
        self._base = base or SystemClock()
        self._stamp: tuple[int, int, int] | None = None
        self._offset = 0.0
        self._ahead = 0.0  # the largest offset seen: what monotonic time has been moved by
        self._lock = threading.Lock()

    def offset(self) -> float:
        """Seconds ahead of the real clock now (0 while the file is missing or unreadable)."""
        try:
            found = os.stat(self._path)
            stamp = (found.st_mtime_ns, found.st_ino, found.st_size)  # a rename is a new inode
        except OSError:
            return self._offset
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    with open(self._path, encoding="ascii") as handle:
                        self._offset = float(handle.read().strip() or 0)
                except (OSError, ValueError):
                    pass  # half-written: the next read after it is whole takes it
                self._ahead = max(self._ahead, self._offset)
            return self._offset

    def now(self) -> datetime:
        return self._base.now() + timedelta(seconds=self.offset())

    def monotonic(self) -> float:
        self.offset()
        return self._base.monotonic() + self._ahead
