"""The OSDP reader against a real OSDP peripheral (libosdp's PD) on a pseudo-terminal."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import osdp
import pytest

from drivers.events import BadgeRead, ReaderOffline, ReaderOnline
from drivers.osdp_reader import KeyFileError, OsdpReader, card_uid, load_scbk, probe_osdp
from drivers.readers import open_reader
from drivers.wiegand_formats import CORPORATE_1000, H10301, encode, raw_hex
from tests.drivers.driverfakes import PtyDevice, Recorder, reader_callbacks, wait_until
from tests.drivers.osdpfakes import KEY, OTHER_KEY, SERIAL, VENDOR, OsdpPeripheral

MakePty = Callable[..., PtyDevice]
SLOW = 15.0  # an upper bound for going offline and back; passing tests return early


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def peripherals() -> Iterator[list[OsdpPeripheral]]:
    made: list[OsdpPeripheral] = []
    yield made
    for peripheral in made:
        peripheral.stop()


def key_file(tmp_path: Path, key: bytes = KEY, mode: int = 0o600) -> str:
    path = tmp_path / "reader.scbk"
    path.write_text(key.hex().upper() + "\n", encoding="ascii")
    path.chmod(mode)
    return str(path)


def test_a_card_read_over_the_secure_channel_is_a_badge_read(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], recorder: Recorder
) -> None:
    device = pty_device()
    peripheral = OsdpPeripheral(device, address=3)
    peripherals.append(peripheral)
    with OsdpReader(device.path, scbk=KEY, address=3, **reader_callbacks(recorder)) as reader:
        recorder.wait_for(ReaderOnline)
        assert peripheral.pd.is_sc_active()
        assert reader.identity is not None
        assert (reader.identity.vendor_code, reader.identity.serial_number) == (VENDOR, SERIAL)
        assert reader.identity.has_led and reader.identity.has_buzzer
        peripheral.present(H10301, 45678, 123)
        (read,) = recorder.wait_for(BadgeRead)
        # The same badge a Wiegand reader reports for this card.
        assert read.uid == raw_hex(encode(H10301, 45678, 123), 26)
        assert read.reader == device.path
        peripheral.present(CORPORATE_1000, 987654, 2049)
        second = recorder.wait_for(BadgeRead, 2)[1]
        assert second.uid == raw_hex(encode(CORPORATE_1000, 987654, 2049), 35)


def test_the_readers_light_and_beeper_follow_the_kiosks_answer(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], recorder: Recorder
) -> None:
    device = pty_device()
    peripheral = OsdpPeripheral(device)
    peripherals.append(peripheral)
    with OsdpReader(device.path, scbk=KEY, **reader_callbacks(recorder)) as reader:
        recorder.wait_for(ReaderOnline)
        assert reader.show("admitted")
        assert wait_until(lambda: len(peripheral.received(osdp.Command.LED)) == 1)
        (led,) = peripheral.received(osdp.Command.LED)
        assert led["on_color"] == osdp.CommandLEDColor.Green
        assert led["temporary"] and led["timer_count"] == 30  # for the door's 3 seconds
        assert wait_until(lambda: len(peripheral.received(osdp.Command.Buzzer)) == 1)
        assert peripheral.received(osdp.Command.Buzzer)[0]["rep_count"] == 1
        assert reader.show("refused")
        assert wait_until(lambda: len(peripheral.received(osdp.Command.LED)) == 2)
        assert peripheral.received(osdp.Command.LED)[1]["on_color"] == osdp.CommandLEDColor.Red
        with pytest.raises(ValueError, match="unknown signal"):
            reader.show("purple")


def test_a_reader_without_an_led_is_only_beeped(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], recorder: Recorder
) -> None:
    device = pty_device()
    peripheral = OsdpPeripheral(device, led=False)
    peripherals.append(peripheral)
    with OsdpReader(device.path, scbk=KEY, **reader_callbacks(recorder)) as reader:
        recorder.wait_for(ReaderOnline)
        assert reader.show("alarm")
        assert wait_until(lambda: len(peripheral.received(osdp.Command.Buzzer)) == 1)
        assert peripheral.received(osdp.Command.LED) == []


def test_a_reader_with_another_key_is_refused_and_shown_offline(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], recorder: Recorder
) -> None:
    device = pty_device()
    peripheral = OsdpPeripheral(device, scbk=OTHER_KEY)
    peripherals.append(peripheral)
    with OsdpReader(device.path, scbk=KEY, **reader_callbacks(recorder)) as reader:
        (offline,) = recorder.wait_for(ReaderOffline, timeout=SLOW)
        assert "refused the secure channel" in offline.reason
        assert "scbk_file" in offline.reason
        peripheral.present(H10301, 45678, 123)
        assert not wait_until(lambda: bool(recorder.of(BadgeRead)), timeout=1.0)
        assert recorder.of(ReaderOnline) == []
        assert not reader.show("admitted")


def test_a_silent_address_is_reported_as_not_answering(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], recorder: Recorder
) -> None:
    device = pty_device()
    peripherals.append(OsdpPeripheral(device, address=5))
    with OsdpReader(device.path, scbk=KEY, address=6, **reader_callbacks(recorder)):
        (offline,) = recorder.wait_for(ReaderOffline, timeout=SLOW)
        assert "address 6 does not answer" in offline.reason


def test_an_unplugged_reader_goes_offline_and_is_read_again_when_plugged_back(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], recorder: Recorder, tmp_path: Path
) -> None:
    by_id = tmp_path / "usb-rs485-if00-port0"
    first = pty_device(by_id)
    peripheral = OsdpPeripheral(first)
    peripherals.append(peripheral)
    with OsdpReader(str(by_id), scbk=KEY, retry_interval=0.2, **reader_callbacks(recorder)):
        recorder.wait_for(ReaderOnline)
        peripheral.stop()
        first.unplug()
        (offline,) = recorder.wait_for(ReaderOffline, timeout=SLOW)
        assert "went away" in offline.reason or "stopped answering" in offline.reason
        second = pty_device(by_id)
        again = OsdpPeripheral(second)
        peripherals.append(again)
        recorder.wait_for(ReaderOnline, 2, timeout=SLOW)
        again.present(H10301, 45678, 123)
        recorder.wait_for(BadgeRead)


def test_a_reader_that_loses_power_is_shown_offline_and_comes_back(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], recorder: Recorder
) -> None:
    device = pty_device()  # the RS-485 adapter stays plugged in; the reader's supply fails
    peripheral = OsdpPeripheral(device)
    peripherals.append(peripheral)
    with OsdpReader(
        device.path, scbk=KEY, retry_interval=0.2, **reader_callbacks(recorder)
    ) as reader:
        recorder.wait_for(ReaderOnline)
        peripheral.stop()
        (offline,) = recorder.wait_for(ReaderOffline, timeout=SLOW)
        assert "stopped answering" in offline.reason
        assert not reader.is_online
        peripheral.start()
        recorder.wait_for(ReaderOnline, 2, timeout=SLOW)
        peripheral.present(H10301, 1, 2)
        recorder.wait_for(BadgeRead)


def test_the_key_file_must_be_private(tmp_path: Path) -> None:
    shared = key_file(tmp_path, mode=0o644)
    with pytest.raises(KeyFileError, match=r"readable by others \(mode 0644\).*chmod 600"):
        load_scbk(shared)
    os.chmod(shared, 0o600)
    assert load_scbk(shared) == KEY


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "32 hex digits"), ("0011", "32 hex digits"), ("zz" * 16, "32 hex digits")],
)
def test_a_malformed_key_file_is_refused_plainly(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "key"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match=message):
        load_scbk(str(path))
    with pytest.raises(KeyFileError, match="no such key file"):
        load_scbk(str(tmp_path / "absent"))


def test_open_reader_reads_the_key_file_and_refuses_a_shared_one(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], recorder: Recorder, tmp_path: Path
) -> None:
    device = pty_device()
    peripherals.append(OsdpPeripheral(device, address=1))
    path = key_file(tmp_path)
    reader = open_reader(
        "osdp", device.path, address=1, scbk_file=path, **reader_callbacks(recorder)
    )
    assert isinstance(reader, OsdpReader)
    with reader:
        recorder.wait_for(ReaderOnline)
    os.chmod(path, 0o640)
    with pytest.raises(ValueError, match="readable by others"):
        open_reader("osdp", device.path, scbk_file=path)
    with pytest.raises(ValueError, match="needs scbk_file"):
        open_reader("osdp", device.path)


def test_probe_reports_the_readers_id_or_why_not(
    pty_device: MakePty, peripherals: list[OsdpPeripheral], tmp_path: Path
) -> None:
    device = pty_device()
    peripherals.append(OsdpPeripheral(device))
    ok, message = probe_osdp(device.path, address=0, scbk_file=key_file(tmp_path))
    assert ok, message
    assert f"vendor {VENDOR:06X}" in message and "LED yes, buzzer yes" in message
    ok, message = probe_osdp(device.path, address=0, scbk_file=key_file(tmp_path, key=OTHER_KEY))
    assert not ok and "refused the secure channel" in message


@pytest.mark.parametrize(
    ("event", "uid"),
    [
        # 26 bits left-aligned in 4 bytes: the last bit sent is bit 6 of the last byte.
        ({"format": osdp.CardFormat.Wiegand, "length": 26, "data": b"\x00\x00\x00\x40"}, "4000001"),
        ({"format": osdp.CardFormat.Wiegand, "length": 26, "data": b"\xff\xff\xff\xc0"}, "7FFFFFF"),
        ({"format": osdp.CardFormat.ASCII, "data": b"12345678"}, "12345678"),
        ({"format": osdp.CardFormat.ASCII, "data": b"card?"}, None),
        ({"format": osdp.CardFormat.Wiegand, "length": 40, "data": b"\x01"}, None),
    ],
)
def test_card_data_becomes_the_badge_or_is_refused(
    event: dict[str, object], uid: str | None
) -> None:
    assert card_uid(event) == uid
