"""`kiosk run` as a school sets it up: an EM4100 reader on a serial line, SQLite, GPIO outputs."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from sqlalchemy import select

from drivers import ManualClock
from drivers.framing import encode_frame
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.demo import DEMO_LEARNERS
from kiosk.screens.greeting import GreetingScreen
from kiosk.station.launch import build_production
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


async def until(predicate, pilot, seconds: float = 30.0) -> None:
    """Poll until `predicate()` holds; `seconds` is a bound for a busy machine, not a pause."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await pilot.pause(0.02)


async def test_badge_frames_on_the_serial_line_sign_learners_in(
    tmp_path, reader, mock_pins, capsys
) -> None:
    config = load_config(configure(tmp_path, reader.path, capsys))
    app = build_production(config, clock=ManualClock(MORNING_AT))

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
        # The register closed at 00:30: a tap at 08:30 is after it (U).
        assert codes() == {"A1001": "U", "A1002": "U"}
        # Saved on the writer first, answered on screen a moment after.
        await until(lambda: isinstance(app.screen, GreetingScreen), pilot)
        assert app.devices.reader.rejected_count >= 1


MORNING_AT = datetime(2026, 11, 23, 8, 30, tzinfo=ZoneInfo("Europe/London"))
SCREENING = """\
[school]
name = "Screening Academy"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "required"
screening = "required"

[rfid]
driver = "em4100"
port = "{port}"

[detector]
driver = "serial"
port = "{arch}"
alarm_pattern = 'ALARM (?P<zone>\\w+)'
clear_pattern = "PASS"
"""


async def test_the_arch_on_a_serial_line_records_an_alarm_for_the_learner_called_forward(
    tmp_path, reader, mock_pins, capsys
) -> None:
    from kiosk.demo import DEMO_STAFF
    from records.models import ScreeningRecord
    from tests.screens.harness import tap

    arch = PtyDevice(tmp_path / "arch")
    config_path = tmp_path / "kiosk.toml"
    config_path.write_text(
        SCREENING.format(db=tmp_path / "kiosk.db", port=reader.path, arch=arch.path)
    )
    for args in (
        ["db", "upgrade"],
        ["roster", "import", str(DEMO_LEARNERS)],
        ["staff", "import", str(DEMO_STAFF)],
    ):
        assert main([*args, "--config", str(config_path)]) == 0
    # A school morning, whatever the time the suite runs.
    app = build_production(load_config(config_path), clock=ManualClock(MORNING_AT))
    with app.book.sessions.begin() as session:
        from kiosk.people.pins import set_pin

        set_pin(session, "S03", "2580", now=datetime.now(ZoneInfo("UTC")))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(lambda: app.devices.reader.is_online, pilot)
            reader.write(encode_frame("1A00990003"))  # Bethan, a screener
            await until(lambda: app.screen.query("#key-ok"), pilot)
            for key in "2580":
                await tap(pilot, f"#key-{key}")
            await tap(pilot, "#key-ok")
            await until(lambda: app.screen.query("#close"), pilot)
            await tap(pilot, "#close")
            reader.write(encode_frame("0C00062101"))  # Chidi
            # The frame arrives on the reader's thread: wait for the queue to show Chidi.
            await until(lambda: [r.first_name for r in app.lane_view.rows] == ["Chidi"], pilot)
            await until(lambda: app.screen.row_of(1) is not None, pilot)
            await tap(pilot, f"#{app.screen.row_of(1).id}")
            await tap(pilot, "#no-phone")
            await until(lambda: app.lane_view.rows[0].in_arch == 1, pilot)
            arch.write(b"ALARM Z3\r\n")

            def screenings() -> list[tuple[str, str | None]]:
                with app.book.sessions() as session:
                    return [(s.result, s.zone) for s in session.scalars(select(ScreeningRecord))]

            await until(lambda: screenings() == [("alarm", "Z3")], pilot)
            await until(lambda: app.devices.outputs.lights.red_is_lit, pilot)
            assert "ALARM: Chidi" in " ".join(str(w.render()) for w in app.screen.query("Static"))
    finally:
        arch.unplug()
