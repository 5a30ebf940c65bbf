"""Simulated reader and detector: the real devices' events, driven by the demo and app tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from drivers.clock import ManualClock
from drivers.events import AlarmCleared, AlarmRaised, BadgeRead, ReaderOffline, ReaderOnline
from drivers.simulated import SimulatedDetector, SimulatedReader
from tests.drivers.driverfakes import Recorder, detector_callbacks, reader_callbacks


def test_simulated_card_held_is_one_presentation_like_a_real_reader() -> None:
    clock = ManualClock(datetime(2025, 3, 3, 8, 35, tzinfo=UTC))
    recorder = Recorder()
    reader = SimulatedReader(clock=clock, **reader_callbacks(recorder))
    assert reader.present("DEADBEEF") is not None
    clock.advance(2.0)
    assert reader.present("deadbeef") is None  # same card, still in the field
    clock.advance(2.0)
    assert reader.present("DE:AD:BE:EF") is None  # 2 s since it was last seen
    clock.advance(3.0)
    read = reader.present("DEADBEEF")
    assert read == BadgeRead("DEADBEEF", datetime(2025, 3, 3, 8, 35, 7, tzinfo=UTC), "simulated")
    assert recorder.of(BadgeRead) == [recorder.of(BadgeRead)[0], read]


def test_simulated_reader_unplugged_reads_nothing_until_replugged() -> None:
    recorder = Recorder()
    reader = SimulatedReader(**reader_callbacks(recorder))
    assert reader.is_online
    reader.unplug()
    assert reader.present("0C000621A5") is None
    reader.unplug()  # already offline: no second event
    reader.replug()
    assert reader.present("0C000621A5") is not None
    assert recorder.kinds() == ["ReaderOffline", "ReaderOnline", "BadgeRead"]
    assert recorder.of(ReaderOffline)[0].reason == "simulated: unplugged"
    assert isinstance(recorder.events[1], ReaderOnline)


def test_simulated_reader_counts_rejected_frames() -> None:
    reader = SimulatedReader()
    reader.reject("bad checksum", b"\x02...\x03")
    assert reader.rejected_count == 1
    assert reader.last_fault == "bad checksum"


def test_simulated_reader_refuses_a_uid_that_is_not_hex() -> None:
    with pytest.raises(ValueError, match="hex"):
        SimulatedReader().present("learner 42")


def test_simulated_detector_trips_with_a_zone_and_clears() -> None:
    recorder = Recorder()
    arch = SimulatedDetector(**detector_callbacks(recorder))
    arch.trip("2")
    assert arch.is_alarm
    arch.clear()
    assert not arch.is_alarm
    assert [type(e) for e in recorder.events] == [AlarmRaised, AlarmCleared]
    assert recorder.events[0].zone == "2"


def test_closed_simulated_devices_report_nothing() -> None:
    recorder = Recorder()
    with SimulatedReader(**reader_callbacks(recorder)) as reader:
        pass
    with SimulatedDetector(**detector_callbacks(recorder)) as arch:
        pass
    assert reader.present("DEADBEEF") is None
    assert arch.trip() is None
    assert recorder.events == []
