"""The clock the kiosk and its commands read: the system's, or one moved on by a file.

`KIOSK_CLOCK_FILE` names a file holding a number of seconds to add to the system clock. It is
for rehearsing a day (or a week) in minutes and for the soak tests; a kiosk at a door never
has it set, and one that does says so in its log and in `kiosk check`.
"""

from __future__ import annotations

import os
from datetime import datetime

from drivers.clock import Clock, OffsetClock, SystemClock

CLOCK_FILE_VARIABLE = "KIOSK_CLOCK_FILE"


def clock_file() -> str:
    return os.environ.get(CLOCK_FILE_VARIABLE, "")


def school_clock() -> Clock:
    path = clock_file()
    return OffsetClock(path) if path else SystemClock()


_CLOCK = school_clock()


def utc_now() -> datetime:
    """Now, as the kiosk's commands see it (timezone-aware, UTC)."""
    return _CLOCK.now()
