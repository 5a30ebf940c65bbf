"""`kiosk run` as a school sets it up: an EM4100 reader on a serial line, SQLite, GPIO outputs."""

from __future__ import annotations

import asyncio
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from sqlalchemy import select

from drivers.framing import encode_frame
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.demo import DEMO_LEARNERS
from kiosk.launch import build_production
from kiosk.screens.greeting import GreetingScreen
from records.models import LearnerRecord, SessionMarkRecord
from tests.drivers.driverfakes import PtyDevice

CONFIG = """\
[school]
name = "Sign-in Academy"
day_starts = "00:00"
register_closes = "00:30"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "off"
screening = "off"

[rfid]
driver = "em4100"
port = "{port}"

[detector]
driver = "none"
"""


@pytest.fixture
def mock_pins():
    saved = Device.pin_factory
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


@pytest.fixture
def reader(tmp_path: Path):
    device = PtyDevice(tmp_path / "usb-reader-if00-port0")
    yield device
    device.unplug()


def configure(tmp_path: Path, port: str, capsys) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(db=tmp_path / "kiosk.db", port=port))
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert main(["roster", "import", str(DEMO_LEARNERS), "--config", str(config)]) == 0
    capsys.readouterr()
    return config


async def until(predicate, pilot, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


async def test_badge_frames_on_the_serial_line_sign_learners_in(
    tmp_path, reader, mock_pins, capsys
) -> None:
    config = load_config(configure(tmp_path, reader.path, capsys))
    app = build_production(config)

    def codes() -> dict[str, str]:
        with app.book.sessions() as session:
            rows = session.execute(
                select(LearnerRecord.mis_id, SessionMarkRecord.code).join(SessionMarkRecord)
            ).all()
        return dict(rows)

    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: app.devices.reader.is_online, pilot)
        # Garbage, a bad checksum, then two good frames split across writes; the card held on
        # the reader repeats its frame, which is one presentation.
        reader.write(b"\x00noise" + encode_frame("0C00062101", checksum=0))
        frame = encode_frame("0C00062101")
        reader.write(frame[:5])
        await asyncio.sleep(0.02)
        reader.write(frame[5:] + frame + frame)
        reader.write(encode_frame("0C00062102"))
        await until(lambda: len(codes()) == 2, pilot)
        # The register closes at 00:30: any later tap is after it (U), an earlier one late (L).
        expected = "U" if datetime.now(ZoneInfo("Europe/London")).time() > time(0, 30) else "L"
        assert codes() == {"A1001": expected, "A1002": expected}
        assert isinstance(app.screen, GreetingScreen)
        assert app.devices.reader.rejected_count >= 1


def test_kiosk_run_refuses_a_screening_policy_it_cannot_run_yet(tmp_path, capsys) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        CONFIG.format(db=tmp_path / "k.db", port="loop://").replace(
            'screening = "off"', 'screening = "required"'
        )
    )
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert main(["run", "--config", str(config)]) == 2
    assert "screening" in capsys.readouterr().err
