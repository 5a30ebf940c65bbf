"""`kiosk check` probes: what is wrong with a port or a pin, and what to do, in one line each."""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import serial
from gpiozero import Device, InputDevice
from gpiozero.pins.mock import MockFactory

from drivers.framing import encode_frame
from drivers.probe import probe_gpio, probe_serial_port
from tests.drivers.driverfakes import PtyDevice, ScriptedPn532

MakePty = Callable[..., PtyDevice]


def test_missing_port_says_check_the_cable_and_the_by_id_path(tmp_path: Path) -> None:
    result = probe_serial_port(str(tmp_path / "usb-reader"))
    assert not result.ok
    assert result.message.endswith("no such port")
    assert "/dev/serial/by-id" in result.fix
    assert "\n" not in result.message + result.fix


def test_permission_denied_says_join_the_dialout_group(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(url: str, **kwargs: object) -> serial.Serial:
        # How pyserial reports a tty the user may not open.
        raise serial.SerialException(
            errno.EACCES, f"could not open port {url}: [Errno 13] Permission denied: '{url}'"
        )

    monkeypatch.setattr(serial, "serial_for_url", refuse)
    result = probe_serial_port("/dev/ttyUSB0")
    assert not result.ok
    assert result.message == "/dev/ttyUSB0: permission denied"
    assert "dialout" in result.fix


def test_port_in_use_is_reported(pty_device: MakePty) -> None:
    device = pty_device()
    holder = serial.Serial(device.path, exclusive=True)
    try:
        result = probe_serial_port(device.path)
    finally:
        holder.close()
    assert not result.ok
    assert "in use" in result.message


def test_silent_reader_is_a_warning_to_present_a_card(pty_device: MakePty) -> None:
    result = probe_serial_port(pty_device().path, listen_seconds=0.1)
    assert result.ok and result.warning
    assert "no card frames seen; present a card" in result.message


def test_card_frame_during_the_probe_is_reported(pty_device: MakePty) -> None:
    device = pty_device()
    timer = threading.Timer(0.1, device.write, [encode_frame("0C000621A5")])
    timer.start()
    result = probe_serial_port(device.path, listen_seconds=3.0)
    timer.join()
    assert result.ok and not result.warning
    assert "card 0C000621A5 read" in result.message


def test_wrong_reader_type_is_a_warning_to_check_the_driver(pty_device: MakePty) -> None:
    device = pty_device()
    timer = threading.Timer(0.1, device.write, [encode_frame("0C000621A5") * 3])
    timer.start()
    result = probe_serial_port(device.path, driver="id12", listen_seconds=0.5)
    timer.join()
    assert result.ok and result.warning
    assert "no valid id12 frames" in result.message


def test_pn532_probe_asks_the_firmware_version(pty_device: MakePty) -> None:
    chip = ScriptedPn532(pty_device())
    try:
        result = probe_serial_port(chip.device.path, driver="pn532")
    finally:
        chip.stop()
    assert result.ok
    assert "PN532 firmware 1.6 answering" in result.message


def test_silent_pn532_is_a_failure_with_wiring_advice(pty_device: MakePty) -> None:
    result = probe_serial_port(pty_device().path, driver="pn532", listen_seconds=0.2)
    assert not result.ok
    assert "TX/RX" in result.fix


def test_gpio_pins_free_on_a_working_factory(mock_factory: MockFactory) -> None:
    result = probe_gpio({"alarm contact": 17, "door relay": 24, "buzzer": None})
    assert result.ok
    assert "alarm contact (GPIO17)" in result.message
    assert "buzzer" not in result.message


def test_gpio_pin_in_use_is_named(mock_factory: MockFactory) -> None:
    with InputDevice(24):
        result = probe_gpio([17, 24])
    assert not result.ok
    assert result.message == "GPIO24 is in use"
    assert "kiosk already running" in result.fix


def test_gpio_pin_that_does_not_exist_is_named(mock_factory: MockFactory) -> None:
    result = probe_gpio([99])
    assert not result.ok
    assert "not a GPIO pin" in result.message


def test_no_gpio_library_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")
    result = probe_gpio([17])
    assert not result.ok
    assert result.message.startswith("no usable GPIO library")
    assert "lgpio" in result.fix and "gpio group" in result.fix
