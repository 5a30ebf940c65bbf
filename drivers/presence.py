"""Coming and going: the online/offline bookkeeping shared by readers and serial arches."""

from __future__ import annotations

import threading

from drivers.closing import Closing


class Presence(Closing):
    """Decides when a device's online or offline state is news worth an event.

    Subclasses set `_lock`, `_online`, `_offline_reported`, `_closed` and `_last_fault` in
    their constructor and fire their own typed events when these methods return True.
    """

    _lock: threading.Lock
    _online: bool
    _offline_reported: bool
    _closed: bool
    _last_fault: str | None

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
