"""A Wiegand reader on gpiozero's mock pins: frames of each format with realistic timing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from drivers.events import BadgeRead, FrameRejected, ReaderOffline, ReaderOnline
from drivers.readers import open_reader
from drivers.wiegand import WiegandReader, probe_wiegand
from drivers.wiegand_formats import (
    CORPORATE_1000,
    H10301,
    H10302,
    H10304,
    H10306,
    WiegandFormat,
    encode,
    raw_hex,
)
from tests.drivers.driverfakes import Recorder, reader_callbacks
from tests.drivers.wiegandfakes import WiegandWire, ticked_factory

D0, D1 = 5, 6
SETTLE = 0.1  # several frame gaps: long enough for a frame that was going to end to have ended


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    saved = Device.pin_factory
    Device.pin_factory = ticked_factory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def reader(factory: MockFactory, recorder: Recorder) -> Iterator[WiegandReader]:
    with WiegandReader(D0, D1, **reader_callbacks(recorder)) as made:
        recorder.wait_for(ReaderOnline)
        yield made


@pytest.fixture
def wire(factory: MockFactory, reader: WiegandReader) -> WiegandWire:
    return WiegandWire(factory, D0, D1)


@pytest.mark.parametrize(
    ("fmt", "facility", "number"),
    [
        pytest.param(H10301, 123, 45678, id="26-bit"),
        pytest.param(H10306, 4321, 54321, id="34-bit"),
        pytest.param(CORPORATE_1000, 2049, 987654, id="35-bit-corporate-1000"),
        pytest.param(H10304, 12345, 456789, id="37-bit-h10304"),
        pytest.param(H10302, 0, 12345678901, id="37-bit-h10302"),
    ],
)
def test_a_card_of_each_format_is_read_once(
    wire: WiegandWire,
    reader: WiegandReader,
    recorder: Recorder,
    fmt: WiegandFormat,
    facility: int,
    number: int,
) -> None:
    wire.send(fmt, number, facility)
    (read,) = recorder.wait_for(BadgeRead)
    assert read.uid == raw_hex(encode(fmt, number, facility), fmt.length)
    assert read.reader == reader.name == f"GPIO{D0}/GPIO{D1}"
    time.sleep(SETTLE)
    assert len(recorder.of(BadgeRead)) == 1
    assert reader.rejected_count == 0


def test_a_frame_cut_short_is_dropped_and_counted(
    wire: WiegandWire, reader: WiegandReader, recorder: Recorder
) -> None:
    bits = format(encode(H10301, 45678, 123), "026b")
    wire.send_bits(bits[:20])  # the card left the field mid-frame
    (rejected,) = recorder.wait_for(FrameRejected)
    assert rejected.reason == "unknown length: 20 bits"
    assert rejected.raw == bits[:20].encode()
    assert reader.rejected_count == 1
    assert reader.last_fault == "unknown length: 20 bits"
    assert recorder.of(BadgeRead) == []


@pytest.mark.parametrize("flip", [1, 13, 26])
def test_a_flipped_bit_fails_parity_and_is_dropped(
    wire: WiegandWire, reader: WiegandReader, recorder: Recorder, flip: int
) -> None:
    wire.send(H10301, 45678, 123, flip=flip)
    (rejected,) = recorder.wait_for(FrameRejected)
    assert "bad parity" in rejected.reason
    assert reader.rejected_count == 1
    time.sleep(SETTLE)
    assert recorder.of(BadgeRead) == []


def test_two_frames_back_to_back_are_two_cards_in_order(
    wire: WiegandWire, recorder: Recorder
) -> None:
    wire.send(H10301, 1, 10)
    wire.quiet(0.030)  # the shortest gap between frames the reader takes as two
    wire.send(CORPORATE_1000, 2, 20)
    first, second = recorder.wait_for(BadgeRead, 2)
    assert first.uid == raw_hex(encode(H10301, 1, 10), 26)
    assert second.uid == raw_hex(encode(CORPORATE_1000, 2, 20), 35)


def test_the_same_card_held_is_one_presentation(wire: WiegandWire, recorder: Recorder) -> None:
    for _ in range(3):  # some readers repeat the frame while the card stays in the field
        wire.send(H10301, 45678, 123)
        wire.quiet(0.1)
    recorder.wait_for(BadgeRead)
    time.sleep(SETTLE)
    assert len(recorder.of(BadgeRead)) == 1


def test_a_spike_on_one_line_mid_frame_does_not_spoil_the_card(
    wire: WiegandWire, reader: WiegandReader, recorder: Recorder
) -> None:
    bits = format(encode(H10301, 45678, 123), "026b")
    wire.send_bits(bits[:10])
    wire.pulse(1, width=2e-6)  # a 2 us spike on D1 between two bits (a relay switching nearby)
    wire.tick += 1e-3
    wire.send_bits(bits[10:])
    (read,) = recorder.wait_for(BadgeRead)
    assert read.uid == raw_hex(int(bits, 2), 26)
    assert reader.glitch_count == 1
    assert reader.rejected_count == 0


def test_a_lone_pulse_of_noise_is_a_rejected_frame_not_a_card(
    wire: WiegandWire, reader: WiegandReader, recorder: Recorder
) -> None:
    wire.pulse(0)  # one full-width pulse on D0 with no frame around it
    (rejected,) = recorder.wait_for(FrameRejected)
    assert rejected.reason == "unknown length: 1 bits"
    wire.quiet(0.5)
    wire.send(H10301, 45678, 123)
    recorder.wait_for(BadgeRead)  # the reader carries on


def test_noise_on_both_lines_at_once_spoils_that_frame_only(
    wire: WiegandWire, reader: WiegandReader, recorder: Recorder
) -> None:
    d0, d1 = wire.lines
    d1.drive_at(False, wire.tick)
    d0.drive_at(False, wire.tick + 10e-6)  # both low: no reader does this
    d0.drive_at(True, wire.tick + 60e-6)
    d1.drive_at(True, wire.tick + 60e-6)
    (rejected,) = recorder.wait_for(FrameRejected)
    assert "both data lines low" in rejected.reason
    wire.quiet(0.5)
    wire.send(H10306, 7, 70)
    (read,) = recorder.wait_for(BadgeRead)
    assert read.uid == raw_hex(encode(H10306, 7, 70), 34)


def test_a_format_not_configured_is_rejected(factory: MockFactory, recorder: Recorder) -> None:
    with WiegandReader(D0, D1, formats=["h10301"], **reader_callbacks(recorder)):
        wire = WiegandWire(factory, D0, D1)
        wire.send(H10306, 7, 70)
        (rejected,) = recorder.wait_for(FrameRejected)
        assert rejected.reason == "unknown length: 34 bits"


def test_a_line_held_low_shows_the_reader_offline_until_released(
    wire: WiegandWire, reader: WiegandReader, recorder: Recorder
) -> None:
    wire.hold_low(0)
    (offline,) = recorder.wait_for(ReaderOffline)
    assert "D0 held low" in offline.reason
    assert not reader.is_online
    wire.quiet(2.0)
    wire.release(0)
    recorder.wait_for(ReaderOnline, 2)
    assert reader.is_online
    recorder.events.clear()
    wire.quiet(0.5)
    wire.send(H10301, 45678, 123)
    recorder.wait_for(BadgeRead)


def test_open_reader_builds_a_wiegand_reader_from_its_keys(
    factory: MockFactory, recorder: Recorder
) -> None:
    reader = open_reader(
        "wiegand", d0_pin=D0, d1_pin=D1, formats=("corporate1000",), **reader_callbacks(recorder)
    )
    assert isinstance(reader, WiegandReader)
    with reader:
        WiegandWire(factory, D0, D1).send(CORPORATE_1000, 5, 6)
        recorder.wait_for(BadgeRead)
    with pytest.raises(ValueError, match="d0_pin and d1_pin"):
        open_reader("wiegand", d0_pin=D0)


def test_closing_releases_both_pins(factory: MockFactory) -> None:
    WiegandReader(D0, D1).close()
    with WiegandReader(D0, D1):  # the pins are free again
        pass


def test_probe_finds_idle_lines_and_names_a_line_held_low(factory: MockFactory) -> None:
    ok, message = probe_wiegand(D0, D1)
    assert ok, message
    assert "idle high" in message
    factory.pin(D1).held_low = True  # type: ignore[attr-defined]
    ok, message = probe_wiegand(D0, D1)
    assert not ok
    assert message.startswith(f"D1 (GPIO{D1}) held low")
