"""Coming and going: the online/offline bookkeeping shared by readers and serial arches."""

from __future__ import annotations

import threading

from drivers.closing import Closing


class Presence(Closing):
    """Holds a device's online state and last fault, and decides when a change is news.

    Subclasses fire their own typed events when `_went_online` or `_went_offline` return True.
    """

    def __init__(self, *, online: bool) -> None:
        self._lock = threading.Lock()
        self._online = online
        self._offline_reported = False
        self._closed = False
        self._last_fault: str | None = None

    @property
    def last_fault(self) -> str | None:
        """The latest problem (a lost connection; for a reader, a rejected frame too), or None."""
        return self._last_fault

    @property
    def closed(self) -> bool:
        return self._closed

    def _went_online(self) -> bool:
        with self._lock:
            if self._closed or self._online:
                return False
            self._online = True
            self._offline_reported = False
        return True

    def _went_offline(self, reason: str) -> bool:
        with self._lock:
            # Report going offline, or a new reason while offline; not every failed retry.
            repeat = self._offline_reported and reason == self._last_fault
            self._last_fault = reason
            if self._closed or repeat:
                return False
            self._online = False
            self._offline_reported = True
        return True
