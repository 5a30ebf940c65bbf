"""The badges a school already carries, through the lane: phones handed in at a phone station
and everyone through the arch. `kiosk run` with OSDP readers on RS-485 at the entry and the
phone station and a serial arch admits a learner, marks them present and lights the entry
reader green; a Wiegand reader on GPIO does the same with an arch on GPIO pins (its alarm
contact and the beam at its exit), in process on mock pins (a subprocess cannot share them).
With either reader an arch alarm keeps the learner for staff: not admitted, no mark, red.

A school whose cards are HID Prox (or another Wiegand format) fits the same kind of reader at
the phone station: a serial 125 kHz EM4100 reader cannot read those cards."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import osdp
import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from drivers.wiegand_formats import CORPORATE_1000, H10301
from kiosk.cli import main
from kiosk.config import load_config
from kiosk.domain.lane import Need
from kiosk.station.launch import build_production
from tests.drivers.driverfakes import PtyDevice
from tests.drivers.osdpfakes import KEY, OsdpPeripheral
from tests.drivers.wiegandfakes import TickedMockPin, WiegandWire, ticked_factory
from tests.reliability.conftest import WAIT_SECONDS, KioskProcess, morning_zone
from tests.reliability.osdp_taps import Card, tap

# The school's day begins at 08:30 and the clock reads 07:xx whenever the suite runs, so
# every arrival here is before the day starts: present, `/`.
CONFIG = """\
[school]
name = "Door Reader Academy"
timezone = "{zone}"
day_starts = "08:30"
register_closes = "09:00"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "required"
screening = "required"
phone_slots = "1-50"

[rfid]
{entry}

[rfid.phone]
{phone}

[detector]
{arch}

[outputs]
relay_active_high = true  # the door's relay board switches on a HIGH pin: HIGH is released
"""

ROSTER = """\
mis_id,surname,forename,sex,badge
W001,Okafor,Chidi,M,123:45678
W002,Patel,Shiv,F,2049:987654
"""

# BCM pins on the GPIO test's mock board: the entry and phone-station readers' D0 and D1, the
# arch's alarm contact and exit beam; the outputs are the config's defaults (22, 27, 23, 24).
ENTRY_D0, ENTRY_D1 = 5, 6
PHONE_D0, PHONE_D1 = 13, 19
ARCH_ALARM, ARCH_BEAM = 17, 16
GREEN_LED, RED_LED, DOOR_RELAY = 22, 27, 24
# A walk out of the arch breaks its exit beam for longer than the beam's 50 ms debounce.
WALK_OUT_SECONDS = 0.15


def set_up(folder: Path, *, entry: str, phone: str, arch: str) -> Path:
    config = folder / "kiosk.toml"
    zone = morning_zone(datetime.now(UTC), hour=7)
    config.write_text(
        CONFIG.format(zone=zone, db=folder / "kiosk.db", entry=entry, phone=phone, arch=arch)
    )
    roster = folder / "learners.csv"
    roster.write_text(ROSTER)
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert main(["roster", "import", str(roster), "--config", str(config)]) == 0
    return config


def query(db: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute(sql, args).fetchall()


def marks(db: Path) -> list[tuple[str, str]]:
    """(mis_id, code) of every session mark, in the order they were written."""
    return query(
        db,
        "SELECT l.mis_id, m.code FROM session_marks m JOIN learners l ON l.id = m.learner_id "
        "ORDER BY m.id",
    )


def phones(db: Path) -> list[tuple[str, str]]:
    """(mis_id, slot) of every phone handed in, as `kiosk phones` lists them."""
    return query(
        db,
        "SELECT l.mis_id, p.slot FROM phone_handins p JOIN learners l ON l.id = p.learner_id "
        "ORDER BY p.id",
    )


def in_lane(db: Path, learner: str) -> bool:
    """Whether the kiosk has recorded `learner`'s tap at the entry: in the lane."""
    return bool(
        query(
            db,
            "SELECT 1 FROM visit_events e JOIN learners l ON l.id = e.learner_id "
            "WHERE e.kind = 'EntryTapped' AND l.mis_id = ?",
            learner,
        )
    )


def admissions(db: Path) -> int:
    ((count,),) = query(db, "SELECT count(*) FROM audit_log WHERE action = 'learner.admitted'")
    return int(count)


def wait_for(condition: Callable[[], bool], what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            said = log.read_text(encoding="utf-8")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}; the kiosk's log:\n{said}")
        time.sleep(0.01)


async def until(pilot: Any, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            app = pilot.app
            raise AssertionError(
                f"timed out waiting for {what}: the learner's screen says "
                f"{app.greeting.headline!r} {app.greeting.next_step!r}"
            )
        await pilot.pause(0.02)


def key_file(folder: Path) -> Path:
    path = folder / "reader.scbk"
    path.write_text(KEY.hex())
    path.chmod(0o600)
    return path


def led_colours(reader: OsdpPeripheral) -> list[int]:
    """Each colour the kiosk has lit the reader's LED, in order (black: back to idle)."""
    return [c["on_color"] for c in reader.received(osdp.Command.LED)]


class OsdpDoor:
    """`kiosk run` at a door fitted with OSDP readers at the entry (address 2) and the phone
    station (address 3), each on its own RS-485 adapter, and a serial arch."""

    def __init__(self, folder: Path) -> None:
        self.db, self.log = folder / "kiosk.db", folder / "kiosk.log"
        self.entry_line = PtyDevice(folder / "usb-rs485-entry-if00-port0")
        self.phone_line = PtyDevice(folder / "usb-rs485-phone-if00-port0")
        self.arch = PtyDevice(folder / "usb-arch-if00-port0")
        self.entry = OsdpPeripheral(self.entry_line, address=2)
        self.phone = OsdpPeripheral(self.phone_line, address=3)
        scbk = key_file(folder)
        entry = f'driver = "osdp"\nport = "{self.entry_line.path}"\naddress = 2'
        phone = f'driver = "osdp"\nport = "{self.phone_line.path}"\naddress = 3'
        config = set_up(
            folder,
            entry=f'{entry}\nscbk_file = "{scbk}"',
            phone=f'{phone}\nscbk_file = "{scbk}"',
            arch=f'driver = "serial"\nport = "{self.arch.path}"',
        )
        (folder / "run").mkdir()  # its own device lock: other kiosks may run on this machine
        self.kiosk = KioskProcess(config, self.log, runtime=folder / "run")

    def ready(self) -> None:
        self.kiosk.wait_drawn("reader online")
        self.kiosk.wait_drawn("arch online")
        # Both readers talk to the kiosk over the secure channel, the phone station's too.
        self.wait_for(
            lambda: self.entry.pd.is_sc_active() and self.phone.pd.is_sc_active(),
            "both readers' secure channels",
        )

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        wait_for(condition, what, self.log)

    def tap(self, reader: OsdpPeripheral, card: Card, done: Callable[[], bool], what: str) -> None:
        line = self.entry_line if reader is self.entry else self.phone_line
        tap(reader, card, port=line.path, log=self.log, done=done, what=what)

    def wait_for_light(self, colour: int, what: str) -> None:
        """Until the entry reader is lit `colour`. A reader that stops answering misses what is
        lit meanwhile (a moment's answer, not owed once it is back): this fake reader, a Python
        thread, can miss its poll deadline on a loaded machine, and the kiosk logs it."""
        self.wait_for(
            lambda: (
                colour in led_colours(self.entry)
                or "stopped answering" in self.log.read_text(encoding="utf-8")
            ),
            what,
        )

    def close(self) -> None:
        self.kiosk.kill()
        for reader in (self.entry, self.phone):
            reader.stop()
        for line in (self.entry_line, self.phone_line, self.arch):
            line.close()


@pytest.fixture
def osdp_door(tmp_path: Path) -> Iterator[OsdpDoor]:
    door = OsdpDoor(tmp_path)
    try:
        door.ready()
        yield door
    finally:
        door.close()


def test_kiosk_run_admits_a_learner_through_the_lane_from_osdp_readers(
    osdp_door: OsdpDoor,
) -> None:
    door, db = osdp_door, osdp_door.db
    chidi = (H10301, 45678, 123)  # Chidi's card, enrolled as printed: 123:45678
    door.tap(door.entry, chidi, lambda: in_lane(db, "W001"), "Chidi in the lane")
    door.kiosk.wait_drawn("Then walk through the arch.")
    # His phone into slot 1, his card on the phone station.
    door.tap(door.phone, chidi, lambda: phones(db) == [("W001", "1")], "Chidi's phone in slot 1")
    assert marks(db) == [], "not in until he has walked through the arch"

    door.arch.write(b"PASS\r\n")
    door.kiosk.wait_drawn("Please go through.")
    door.wait_for(lambda: marks(db) == [("W001", "/")], "Chidi's mark")
    door.wait_for(lambda: admissions(db) == 1, "Chidi's admission")
    # The entry reader's own LED answers the admission green; it never showed red.
    door.wait_for_light(osdp.CommandLEDColor.Green, "the reader's green")
    assert osdp.CommandLEDColor.Red not in led_colours(door.entry)


def test_kiosk_run_holds_a_learner_read_by_an_osdp_reader_when_the_arch_alarms(
    osdp_door: OsdpDoor,
) -> None:
    door, db = osdp_door, osdp_door.db
    shiv = (CORPORATE_1000, 987654, 2049)
    door.tap(door.entry, shiv, lambda: in_lane(db, "W002"), "Shiv in the lane")
    door.kiosk.wait_drawn("Then walk through the arch.")
    door.tap(door.phone, shiv, lambda: phones(db) == [("W002", "1")], "Shiv's phone in slot 1")

    door.arch.write(b"ALARM\r\n")
    door.kiosk.wait_drawn("Please wait with a member of staff.")
    # The entry reader flashes red for the alarm; it never showed green.
    red = osdp.CommandLEDColor.Red
    door.wait_for_light(red, "the reader's red light")
    reds = [c for c in door.entry.received(osdp.Command.LED) if c["on_color"] == red]
    assert all(c["off_count"] > 0 for c in reds), "flashing"
    assert osdp.CommandLEDColor.Green not in led_colours(door.entry)
    assert marks(db) == []
    assert admissions(db) == 0


@pytest.fixture
def ticked_pins() -> Iterator[MockFactory]:
    saved = Device.pin_factory
    Device.pin_factory = ticked_factory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


GPIO_READERS = {
    "entry": f'driver = "wiegand"\nd0_pin = {ENTRY_D0}\nd1_pin = {ENTRY_D1}',
    "phone": f'driver = "wiegand"\nd0_pin = {PHONE_D0}\nd1_pin = {PHONE_D1}',
    "arch": f'driver = "gpio"\npin = {ARCH_ALARM}\npass_pin = {ARCH_BEAM}',
}


def switched_on(pins: MockFactory, pin: int) -> bool:
    """Whether the output on `pin` (a light, or the door's relay) has been switched on, driven
    HIGH, since the kiosk started."""
    return any(state.state for state in pins.pin(pin).states)


def quiet_arch(pins: MockFactory) -> None:
    """The arch's normally-closed alarm contact holds its pin LOW: the arch is quiet. (An open
    contact, the pin pulled HIGH, is the alarm, and so is a cut cable.)"""
    contact = pins.pin(ARCH_ALARM)
    assert isinstance(contact, TickedMockPin)
    contact.held_low = True


async def lane_ready(pilot: Any) -> None:
    devices = pilot.app.devices
    await until(
        pilot,
        lambda: (
            devices.reader.is_online
            and devices.phone_reader.is_online
            and devices.detector.is_online
        ),
        "the readers and the arch",
    )
    assert not devices.detector.is_alarm


async def walk_out_of_the_arch(pins: MockFactory) -> None:
    beam = pins.pin(ARCH_BEAM)
    beam.drive_low()  # broken
    await asyncio.sleep(WALK_OUT_SECONDS)
    beam.drive_high()  # whole again: one passage


async def test_a_wiegand_reader_on_gpio_admits_a_learner_through_the_lane(
    tmp_path: Path, ticked_pins: MockFactory
) -> None:
    config = set_up(tmp_path, **GPIO_READERS)
    db = tmp_path / "kiosk.db"
    quiet_arch(ticked_pins)
    app = build_production(load_config(config))
    async with app.run_test(size=(100, 30)) as pilot:
        await lane_ready(pilot)
        WiegandWire(ticked_pins, ENTRY_D0, ENTRY_D1).send(H10301, 45678, 123)  # Chidi
        await until(
            pilot, lambda: [r.first_name for r in app.lane_view.rows] == ["Chidi"], "Chidi in"
        )
        assert app.greeting.next_step == "Phone in slot 1, then walk through the arch."
        WiegandWire(ticked_pins, PHONE_D0, PHONE_D1).send(H10301, 45678, 123)
        await until(pilot, lambda: app.lane_view.rows[0].in_arch == 1, "Chidi at the arch")
        assert phones(db) == [("W001", "1")]
        assert marks(db) == []

        await walk_out_of_the_arch(ticked_pins)
        await until(pilot, lambda: marks(db) == [("W001", "/")], "Chidi's mark")
        await until(pilot, lambda: app.greeting.next_step == "Please go through.", "welcome")
        assert app.greeting.headline == "Good morning, Chidi"
        assert app.lane_view.rows == ()
        assert admissions(db) == 1
        # Green light and the door released; the red light never came on.
        assert switched_on(ticked_pins, GREEN_LED) and switched_on(ticked_pins, DOOR_RELAY)
        assert not switched_on(ticked_pins, RED_LED)


async def test_an_arch_alarm_holds_a_learner_read_by_a_wiegand_reader_for_staff(
    tmp_path: Path, ticked_pins: MockFactory
) -> None:
    config = set_up(tmp_path, **GPIO_READERS)
    db = tmp_path / "kiosk.db"
    quiet_arch(ticked_pins)
    app = build_production(load_config(config))
    async with app.run_test(size=(100, 30)) as pilot:
        await lane_ready(pilot)
        WiegandWire(ticked_pins, ENTRY_D0, ENTRY_D1).send(CORPORATE_1000, 987654, 2049)  # Shiv
        await until(
            pilot, lambda: [r.first_name for r in app.lane_view.rows] == ["Shiv"], "Shiv in"
        )
        WiegandWire(ticked_pins, PHONE_D0, PHONE_D1).send(CORPORATE_1000, 987654, 2049)
        await until(pilot, lambda: app.lane_view.rows[0].in_arch == 1, "Shiv at the arch")

        # The arch's alarm relay opens as she walks through; then she breaks the exit beam,
        # which is nobody's clear passage now.
        ticked_pins.pin(ARCH_ALARM).drive_high()
        await until(pilot, lambda: Need.ALARM in app.lane_view.rows[0].needs, "the alarm")
        await walk_out_of_the_arch(ticked_pins)
        await pilot.pause()  # the beam's passage is handled (and handed to the writer)
        await until(pilot, lambda: not app.writer.waiting, "the writer")

        assert app.greeting.headline == "Thank you, Shiv"
        assert app.greeting.next_step == "Please wait with a member of staff."
        assert [(r.first_name, r.step) for r in app.lane_view.rows] == [("Shiv", "search")]
        assert switched_on(ticked_pins, RED_LED)
        assert not switched_on(ticked_pins, GREEN_LED) and not switched_on(ticked_pins, DOOR_RELAY)
        assert phones(db) == [("W002", "1")]
        assert marks(db) == []
        assert admissions(db) == 0


async def test_an_arch_alarming_when_the_kiosk_starts_admits_nobody_through_it(
    tmp_path: Path, ticked_pins: MockFactory
) -> None:
    """A contact already open at start (the alarm, or a cut cable) sends no edge: the kiosk
    reads it, staff see the alarm, and a learner walking through is held, not admitted."""
    config = set_up(tmp_path, **GPIO_READERS)
    db = tmp_path / "kiosk.db"
    ticked_pins.pin(ARCH_ALARM).drive_high()  # open: the contact's pull-up holds it HIGH
    app = build_production(load_config(config))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: bool(app.lane_view.alarms), "the standing alarm")
        WiegandWire(ticked_pins, ENTRY_D0, ENTRY_D1).send(H10301, 45678, 123)  # Chidi
        await until(
            pilot, lambda: [r.first_name for r in app.lane_view.rows] == ["Chidi"], "Chidi in"
        )
        WiegandWire(ticked_pins, PHONE_D0, PHONE_D1).send(H10301, 45678, 123)
        await until(pilot, lambda: app.lane_view.rows[0].in_arch == 1, "Chidi at the arch")
        await walk_out_of_the_arch(ticked_pins)
        await pilot.pause()
        await until(pilot, lambda: not app.writer.waiting, "the writer")

        assert marks(db) == []
        assert admissions(db) == 0
        assert not switched_on(ticked_pins, GREEN_LED) and not switched_on(ticked_pins, DOOR_RELAY)
