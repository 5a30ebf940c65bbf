"""`kiosk check` for the door readers a school already has: Wiegand on GPIO, OSDP on RS-485."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from kiosk.cli import main
from tests.drivers.driverfakes import PtyDevice
from tests.drivers.osdpfakes import KEY, OTHER_KEY, VENDOR, OsdpPeripheral
from tests.drivers.wiegandfakes import ticked_factory

CONFIG = """\
[database]
url = "sqlite:///{db}"

[rfid]
{reader}

[detector]
driver = "none"

[outputs]
green_led = -1
red_led = -1
buzzer = -1
door_relay = -1
"""


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    saved = Device.pin_factory
    Device.pin_factory = ticked_factory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


def reader_line(tmp_path: Path, reader: str, capsys: pytest.CaptureFixture[str]) -> str:
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(db=tmp_path / "k.db", reader=reader))
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    capsys.readouterr()
    main(["check", "--config", str(config)])
    return next(line for line in capsys.readouterr().out.splitlines() if "reader (" in line)


WIEGAND = 'driver = "wiegand"\nd0_pin = 5\nd1_pin = 6'


def test_check_finds_wiegand_lines_idle_high(
    tmp_path: Path, pins: MockFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    line = reader_line(tmp_path, WIEGAND, capsys)
    assert line.startswith("ok") and "idle high" in line


def test_check_names_a_wiegand_line_held_low(
    tmp_path: Path, pins: MockFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    pins.pin(6).held_low = True  # type: ignore[attr-defined]
    line = reader_line(tmp_path, WIEGAND, capsys)
    assert line.startswith("PROBLEM") and "D1 (GPIO6) held low" in line


def key(tmp_path: Path, value: bytes = KEY, mode: int = 0o600) -> Path:
    path = tmp_path / "reader.scbk"
    path.write_text(value.hex())
    path.chmod(mode)
    return path


def osdp_config(port: str, scbk: Path) -> str:
    return f'driver = "osdp"\nport = "{port}"\naddress = 1\nscbk_file = "{scbk}"'


def test_check_shows_the_osdp_readers_id_and_what_it_can_do(
    tmp_path: Path, pins: MockFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    device = PtyDevice()
    peripheral = OsdpPeripheral(device, address=1)
    try:
        line = reader_line(tmp_path, osdp_config(device.path, key(tmp_path)), capsys)
    finally:
        peripheral.stop()
        device.close()
    assert line.startswith("ok") and f"vendor {VENDOR:06X}" in line and "LED yes" in line


@pytest.mark.parametrize(
    ("peer_key", "mode", "said"),
    [
        (OTHER_KEY, 0o600, "refused the secure channel"),
        (KEY, 0o644, "readable by others"),
    ],
)
def test_check_says_why_an_osdp_reader_cannot_be_used(
    tmp_path: Path,
    pins: MockFactory,
    capsys: pytest.CaptureFixture[str],
    peer_key: bytes,
    mode: int,
    said: str,
) -> None:
    device = PtyDevice()
    peripheral = OsdpPeripheral(device, address=1, scbk=peer_key)
    try:
        line = reader_line(tmp_path, osdp_config(device.path, key(tmp_path, mode=mode)), capsys)
    finally:
        peripheral.stop()
        device.close()
    assert line.startswith("PROBLEM") and said in line
