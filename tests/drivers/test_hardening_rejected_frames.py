"""A flood of garbled frames is logged at most once a minute per device, with the count."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from drivers.clock import ManualClock
from drivers.detector import SerialDetector
from drivers.floodlog import FloodCounter
from drivers.readers import Em4100Reader
from drivers.simulated import SimulatedReader

GARBLED = b"\x02ZZ\x03"


def rejected_lines(caplog: pytest.LogCaptureFixture, device: str) -> list[int]:
    """The count each 'rejected' log line carries, for one device, in order."""
    counts: list[int] = []
    for record in caplog.records:
        args = cast(tuple[Any, ...], record.args)
        if record.name == "drivers.reader" and "rejected" in record.msg and args[0] == device:
            counts.append(int(args[1]))
    return counts


def test_five_thousand_garbled_frames_make_one_line_a_minute_carrying_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="drivers.reader")
    clock = ManualClock()
    reader = SimulatedReader(clock=clock, name="gate")
    for _ in range(5000):
        reader.reject("bad checksum", GARBLED)
        clock.advance(0.06)  # 5,000 frames over five minutes

    during = rejected_lines(caplog, "gate")
    reader.close()
    after = rejected_lines(caplog, "gate")

    assert len(during) <= 6, "one line a minute over five minutes, the first at once"
    assert during[0] == 1, "the first bad frame is logged at once"
    assert sum(after) == 5000 == reader.rejected_count, "every frame is in some line's count"
    assert len(after) == len(during) + 1, "closing logs what was counted since the last line"


def test_a_burst_from_a_real_reader_is_one_line_until_a_minute_has_passed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="drivers.reader")
    clock = ManualClock()
    reader = Em4100Reader("loop://", clock=clock, name="arch-reader")
    try:
        reader._data_received(GARBLED * 5000)
        assert rejected_lines(caplog, "arch-reader") == [1]
        clock.advance(59.9)
        reader._data_received(GARBLED)
        assert rejected_lines(caplog, "arch-reader") == [1]
        clock.advance(0.1)
        reader._data_received(GARBLED)
        assert rejected_lines(caplog, "arch-reader") == [1, 5001]
        assert reader.rejected_count == 5002
    finally:
        reader.close()


def test_each_device_gets_its_own_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="drivers.reader")
    clock = ManualClock()
    front, back = (
        SimulatedReader(clock=clock, name="front"),
        SimulatedReader(clock=clock, name="back"),
    )
    for _ in range(100):
        front.reject()
        back.reject()
    assert rejected_lines(caplog, "front") == [1]
    assert rejected_lines(caplog, "back") == [1]


def test_a_serial_arch_talking_nonsense_is_logged_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="drivers.detector")
    clock = ManualClock()
    arch = SerialDetector("loop://", clock=clock, name="arch")
    try:
        for _ in range(1000):
            arch.handle_line("\x7f\x00 garbage")
        clock.advance(60)
        arch.handle_line("still garbage")
    finally:
        arch.close()
    lines = [r for r in caplog.records if r.name == "drivers.detector" and "neither" in r.msg]
    assert [cast(tuple[Any, ...], r.args)[1] for r in lines] == [1, 1000]
    assert arch.ignored_count == 1001


def test_flood_counter_needs_no_sleeping() -> None:
    now = [0.0]
    counter = FloodCounter(lambda: now[0], interval_seconds=60.0)
    assert counter.count() == 1
    assert [counter.count() for _ in range(3)] == [None, None, None]
    now[0] = 60.0
    assert counter.count() == 4
    assert counter.take() == 0
    counter.count()
    assert counter.take() == 1
