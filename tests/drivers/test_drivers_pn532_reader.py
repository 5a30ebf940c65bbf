"""The PN532 reader against a scripted chip on a pseudo-terminal, and on a loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from drivers.events import BadgeRead, FrameRejected, ReaderOffline, ReaderOnline
from drivers.pn532 import (
    IN_LIST_PASSIVE_TARGET,
    RF_CONFIGURATION,
    SAM_CONFIGURATION,
    Pn532Reader,
    build_response,
)
from drivers.readers import open_reader
from tests.drivers.driverfakes import (
    PtyDevice,
    Recorder,
    ScriptedPn532,
    corrupt,
    poll_response,
    reader_callbacks,
    wait_until,
)

CARD_4 = bytes.fromhex("DEADBEEF")
CARD_7 = bytes.fromhex("04A2B3C4D5E680")

FAST: dict[str, Any] = {
    "poll_interval": 0.01,
    "ack_timeout": 0.1,
    "response_timeout": 0.3,
    "retry_interval": 0.1,
}


@pytest.fixture
def chip(pty_device: Callable[..., PtyDevice]) -> Iterator[Callable[..., ScriptedPn532]]:
    made: list[ScriptedPn532] = []

    def make(polls: list[list[bytes]] | None = None) -> ScriptedPn532:
        scripted = ScriptedPn532(pty_device(), polls)
        made.append(scripted)
        return scripted

    yield make
    for scripted in made:
        scripted.stop()


def test_reader_wakes_and_configures_the_chip_before_polling(
    chip: Callable[..., ScriptedPn532],
) -> None:
    pn532 = chip()
    recorder = Recorder()
    with Pn532Reader(pn532.device.path, **FAST, **reader_callbacks(recorder)) as reader:
        recorder.wait_for(ReaderOnline)
        assert wait_until(lambda: pn532.command_codes().count(IN_LIST_PASSIVE_TARGET) >= 2)
        assert reader.baudrate == 115200
    assert bytes(pn532.received).startswith(bytes.fromhex("5555000000"))
    sam, rf, poll = pn532.commands[:3]
    assert sam[:2] == bytes([SAM_CONFIGURATION, 0x01])  # normal mode
    assert rf[:2] == bytes([RF_CONFIGURATION, 0x05])  # MaxRetries
    assert poll == bytes([IN_LIST_PASSIVE_TARGET, 0x01, 0x00])  # one target, 106 kbps type A


def test_card_held_across_polls_then_a_7_byte_card_gives_two_reads(
    chip: Callable[..., ScriptedPn532],
) -> None:
    held = [[poll_response(CARD_4)]] * 4
    pn532 = chip([*held, [poll_response(None)], [poll_response(CARD_7)]])
    recorder = Recorder()
    with Pn532Reader(pn532.device.path, **FAST, **reader_callbacks(recorder)):
        reads = recorder.wait_for(BadgeRead, 2)
        assert [r.uid for r in reads] == ["DEADBEEF", "04A2B3C4D5E680"]
        assert wait_until(lambda: not pn532.polls)
    assert len(recorder.of(BadgeRead)) == 2


def test_corrupted_response_is_counted_and_the_resent_frame_read(
    chip: Callable[..., ScriptedPn532],
) -> None:
    good = poll_response(CARD_7)
    pn532 = chip([[corrupt(good), good]])  # the good copy only after the reader's NACK
    recorder = Recorder()
    with Pn532Reader(pn532.device.path, **FAST, **reader_callbacks(recorder)) as reader:
        (read,) = recorder.wait_for(BadgeRead)
        assert read.uid == "04A2B3C4D5E680"
        (rejected,) = recorder.of(FrameRejected)
        assert rejected.reason == "bad data checksum"
        assert reader.rejected_count == 1
        assert pn532.nacks == 1
        assert reader.is_online


def test_nonsense_poll_response_is_rejected_without_stopping_the_reader(
    chip: Callable[..., ScriptedPn532],
) -> None:
    nonsense = build_response(IN_LIST_PASSIVE_TARGET, bytes.fromhex("0101004408050102030405"))
    pn532 = chip([[nonsense], [poll_response(CARD_4)]])
    recorder = Recorder()
    with Pn532Reader(pn532.device.path, **FAST, **reader_callbacks(recorder)):
        assert recorder.wait_for(BadgeRead)[0].uid == "DEADBEEF"
        assert "UID of 5 bytes" in recorder.of(FrameRejected)[0].reason


def test_chip_that_stops_answering_goes_offline_and_is_reinitialised(
    chip: Callable[..., ScriptedPn532],
) -> None:
    pn532 = chip()
    recorder = Recorder()
    with Pn532Reader(pn532.device.path, **FAST, **reader_callbacks(recorder)) as reader:
        recorder.wait_for(ReaderOnline)
        pn532.answering = False
        (offline,) = recorder.wait_for(ReaderOffline)
        assert "PN532 did not answer InListPassiveTarget" in offline.reason
        assert not reader.is_online
        sams_before = pn532.command_codes().count(SAM_CONFIGURATION)
        pn532.polls = [[poll_response(CARD_4)]]
        pn532.answering = True
        recorder.wait_for(ReaderOnline, 2)
        assert recorder.wait_for(BadgeRead)[0].uid == "DEADBEEF"
        assert pn532.command_codes().count(SAM_CONFIGURATION) > sams_before


def test_pn532_on_a_loopback_hears_only_its_own_commands_and_reports_no_answer() -> None:
    # TX wired to RX (or a loop:// port): the driver must not take its commands for answers.
    recorder = Recorder()
    reader = open_reader("pn532", "loop://", None, 3.0, **FAST, **reader_callbacks(recorder))
    assert isinstance(reader, Pn532Reader)
    with reader:
        (offline,) = recorder.wait_for(ReaderOffline)
        assert offline.reason == "loop://: PN532 did not answer SAMConfiguration after 3 tries"
        assert recorder.of(BadgeRead) == []
        assert recorder.of(ReaderOnline) == []
