"""Events carry timezone-aware times; clocks give them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from drivers.clock import ManualClock, SystemClock
from drivers.events import AlarmRaised, BadgeRead, FrameRejected, ReaderOffline


def test_events_refuse_naive_datetimes() -> None:
    naive = datetime(2025, 1, 6, 8, 30)
    with pytest.raises(ValueError, match="timezone-aware"):
        BadgeRead("DEADBEEF", naive, "reader")
    with pytest.raises(ValueError, match="timezone-aware"):
        AlarmRaised(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        FrameRejected("bad checksum", b"", naive)


def test_events_are_frozen_values() -> None:
    at = datetime(2025, 1, 6, 8, 30, tzinfo=UTC)
    event = ReaderOffline("/dev/ttyUSB0", "unplugged", at)
    assert event == ReaderOffline("/dev/ttyUSB0", "unplugged", at)
    with pytest.raises(AttributeError):
        event.reason = "other"  # type: ignore[misc]


def test_system_clock_gives_utc_and_a_monotonic_count() -> None:
    clock = SystemClock()
    assert clock.now().utcoffset() == timedelta(0)
    first = clock.monotonic()
    assert clock.monotonic() >= first


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2025, 1, 6, 9, 30, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2025, 1, 6, 8, 30, tzinfo=UTC)
    clock.advance(1.5)
    assert clock.monotonic() == 1.5
    assert clock.now() == datetime(2025, 1, 6, 8, 30, 1, 500000, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.advance(-1)
