"""The badges a school already carries: `kiosk run` with an OSDP reader on RS-485 signs a learner
in from the card's printed FC:card, and so does a Wiegand reader on GPIO (in process, on mock
pins: a subprocess cannot share them)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from drivers.wiegand_formats import CORPORATE_1000, H10301
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.station.launch import build_production
from tests.drivers.driverfakes import PtyDevice
from tests.drivers.osdpfakes import KEY, OTHER_KEY, OsdpPeripheral
from tests.drivers.wiegandfakes import WiegandWire, ticked_factory
from tests.reliability.conftest import WAIT_SECONDS, KioskProcess, morning_zone
from tests.reliability.osdp_taps import tap

CONFIG = """\
[school]
name = "Door Reader Academy"
timezone = "{zone}"
day_starts = "08:00"
register_closes = "08:30"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "off"
screening = "off"

[rfid]
{reader}

[detector]
driver = "none"
"""

ROSTER = """\
mis_id,surname,forename,sex,badge
W001,Okafor,Chidi,M,123:45678
W002,Patel,Shiv,F,2049:987654
"""


def set_up(folder: Path, reader: str) -> Path:
    config = folder / "kiosk.toml"
    zone = morning_zone(datetime.now(UTC))
    config.write_text(CONFIG.format(zone=zone, db=folder / "kiosk.db", reader=reader))
    roster = folder / "learners.csv"
    roster.write_text(ROSTER)
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert main(["roster", "import", str(roster), "--config", str(config)]) == 0
    return config


def marks(db: Path) -> list[str]:
    with sqlite3.connect(db, timeout=10) as conn:
        rows = conn.execute(
            "SELECT l.mis_id FROM session_marks m JOIN learners l ON l.id = m.learner_id "
            "ORDER BY m.id"
        ).fetchall()
    return [r[0] for r in rows]


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def key_file(folder: Path, key: bytes = KEY) -> Path:
    path = folder / "reader.scbk"
    path.write_text(key.hex())
    path.chmod(0o600)
    return path


def test_kiosk_run_signs_in_a_learner_from_an_osdp_reader(tmp_path: Path) -> None:
    rs485 = PtyDevice(tmp_path / "usb-rs485-if00-port0")
    reader = OsdpPeripheral(rs485, address=2)
    scbk = key_file(tmp_path)
    config = set_up(
        tmp_path,
        f'driver = "osdp"\nport = "{rs485.path}"\naddress = 2\nscbk_file = "{scbk}"',
    )
    kiosk = KioskProcess(config, tmp_path / "kiosk.log")
    try:
        kiosk.wait_drawn("Tap your badge")
        kiosk.wait_drawn("reader online")
        db, log = tmp_path / "kiosk.db", tmp_path / "kiosk.log"
        chidi = (H10301, 45678, 123)  # Chidi's card, enrolled as printed: 123:45678
        tap(
            reader,
            chidi,
            port=rs485.path,
            log=log,
            done=lambda: marks(db) == ["W001"],
            what="Chidi's mark",
        )
        kiosk.wait_drawn("Chidi")
        shiv = (CORPORATE_1000, 987654, 2049)
        tap(
            reader,
            shiv,
            port=rs485.path,
            log=log,
            done=lambda: marks(db) == ["W001", "W002"],
            what="Shiv's mark",
        )
        kiosk.wait_drawn("Shiv")
    finally:
        kiosk.kill()
        reader.stop()
        rs485.close()


def test_kiosk_run_refuses_a_key_file_others_can_read(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    scbk = key_file(tmp_path, OTHER_KEY)
    scbk.chmod(0o644)
    config = set_up(
        tmp_path, f'driver = "osdp"\nport = "{tmp_path / "rs485"}"\nscbk_file = "{scbk}"'
    )
    capsys.readouterr()
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "[rfid] scbk_file" in err and "readable by others" in err and "chmod 600" in err


@pytest.fixture
def ticked_pins() -> Iterator[MockFactory]:
    saved = Device.pin_factory
    Device.pin_factory = ticked_factory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


async def test_a_wiegand_reader_on_gpio_signs_a_learner_in(
    tmp_path: Path, ticked_pins: MockFactory
) -> None:
    config = set_up(
        tmp_path,
        'driver = "wiegand"\nd0_pin = 5\nd1_pin = 6\nformats = ["h10301", "corporate1000"]',
    )
    app = build_production(load_config(config))
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + WAIT_SECONDS
        while not app.devices.reader.is_online:
            assert time.monotonic() < deadline
            await pilot.pause(0.02)
        wire = WiegandWire(ticked_pins, 5, 6)
        wire.send(H10301, 45678, 124)  # someone else's card: not on the roster
        wire.quiet(0.1)
        wire.send(H10301, 45678, 123, flip=5)  # Chidi's card read badly: dropped
        wire.quiet(0.1)
        wire.send(H10301, 45678, 123)  # and read again
        while marks(tmp_path / "kiosk.db") != ["W001"]:
            assert time.monotonic() < deadline, marks(tmp_path / "kiosk.db")
            await asyncio.sleep(0.02)
        assert app.devices.reader.rejected_count == 1
