"""`kiosk check`: each configured part named, and for each problem what to do."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from drivers.framing import encode_frame
from kiosk.cli import main
from tests.drivers.driverfakes import PtyDevice

CONFIG = """\
[database]
url = "sqlite:///{db}"

[rfid]
driver = "em4100"
port = "{port}"

[detector]
driver = "gpio"
pin = 17

[outputs]
green_led = 22
red_led = 27
buzzer = -1
door_relay = 24
"""


@pytest.fixture
def mock_pins():
    saved = Device.pin_factory
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


def check(tmp_path: Path, port: str, capsys, upgrade: bool = True) -> tuple[int, str]:
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(db=tmp_path / "k.db", port=port))
    if upgrade:
        assert main(["db", "upgrade", "--config", str(config)]) == 0
    capsys.readouterr()
    code = main(["check", "--config", str(config)])
    return code, capsys.readouterr().out


def line(out: str, what: str) -> str:
    return next(text for text in out.splitlines() if what in text)


def test_a_missing_reader_is_a_problem_with_what_to_do(tmp_path, capsys, mock_pins) -> None:
    code, out = check(tmp_path, str(tmp_path / "no-such-reader"), capsys)
    assert code == 1
    reader = line(out, "reader (em4100)")
    assert reader.startswith("PROBLEM") and "no such port" in reader and "cable" in reader
    assert line(out, "database:").startswith("ok")
    assert line(out, "outputs:").startswith("ok")
    assert line(out, "detector (GPIO 17):").startswith("ok")


def test_a_reader_sending_frames_passes(tmp_path, capsys, mock_pins) -> None:
    device = PtyDevice()
    done = threading.Event()

    def card_held_on_reader() -> None:  # an RDM6300 repeats the frame while the card is there
        while not done.wait(0.05):
            device.write(encode_frame("0C000621A5"))

    holder = threading.Thread(target=card_held_on_reader)
    holder.start()
    try:
        _, out = check(tmp_path, device.path, capsys)
        assert line(out, "reader (em4100)").startswith("ok"), out
    finally:
        done.set()
        holder.join()
        device.unplug()


def test_a_database_not_yet_created_says_to_upgrade(tmp_path, capsys, mock_pins) -> None:
    code, out = check(tmp_path, "loop://", capsys, upgrade=False)
    assert code == 1
    assert "kiosk db upgrade" in line(out, "database:")
