"""The web sign-in's own lockout: per source address and per staff id, with back-off.

It lives in memory, in `kiosk office` alone, and never touches the staff records: a guesser at
the office's page must not be able to lock a member of staff's badge at the door.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Wrong tries before a lock, by what is counted: an address is shared by a whole office (or a
# proxy), so it may try more than one staff id may.
TRIES = {"address": 10, "staff": 5}
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


@dataclass
class _Count:
    wrong: int = 0
    locks: int = 0
    until: datetime | None = None


class WebLockout:
    """Counts wrong sign-ins; each lock is twice as long as the one before, up to an hour."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, str], _Count] = {}

    @staticmethod
    def _keys(address: str, staff_id: str) -> tuple[tuple[str, str], ...]:
        return (("address", address), ("staff", staff_id.strip().casefold()))

    def locked_for(self, address: str, staff_id: str) -> timedelta | None:
        """How long sign-in stays refused for this address or staff id; None if it is not."""
        now = self._clock()
        waits = [
            count.until - now
            for key in self._keys(address, staff_id)
            if (count := self._counts.get(key)) and count.until and count.until > now
        ]
        return max(waits) if waits else None

    def failed(self, address: str, staff_id: str) -> None:
        now = self._clock()
        for key in self._keys(address, staff_id):
            count = self._counts.setdefault(key, _Count())
            count.wrong += 1
            if count.wrong >= TRIES[key[0]]:
                count.wrong = 0
                count.until = now + min(FIRST_LOCK * 2**count.locks, LONGEST_LOCK)
                count.locks += 1

    def succeeded(self, address: str, staff_id: str) -> None:
        """A right PIN clears the staff id's count (not its address's: one good colleague
        at a shared desk does not wipe a guesser's tries)."""
        self._counts.pop(self._keys(address, staff_id)[1], None)
