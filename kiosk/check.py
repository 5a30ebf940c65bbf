"""`kiosk check`: the config, the database and each configured device, each with what to do."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from drivers.osdp_reader import probe_osdp
from drivers.probe import probe_gpio, probe_serial_port
from drivers.wiegand import probe_wiegand
from kiosk.config import Config
from kiosk.sync import check_hub
from records.database import is_up_to_date, make_engine


@dataclass(frozen=True)
class CheckResult:
    what: str
    ok: bool
    message: str
    fix: str = ""
    warning: bool = False

    def line(self) -> str:
        status = "WARNING" if self.warning else ("ok" if self.ok else "PROBLEM")
        fix = f" -- {self.fix}" if self.fix and (self.warning or not self.ok) else ""
        return f"{status:8} {self.what}: {self.message}{fix}"


def run_checks(config: Config) -> Iterator[CheckResult]:
    yield CheckResult("config", True, f"{config.source or 'built-in defaults'} is valid")
    for warning in config.warnings:
        yield CheckResult("config", False, warning, "see [school] in the config", warning=True)
    yield from _check_database(config.database.url)
    yield from check_hub(config)
    yield from _check_clock()
    yield from _check_reader(config)
    yield from _check_detector(config)
    yield from _check_outputs(config)


def _check_database(url: str) -> Iterator[CheckResult]:
    try:
        current = is_up_to_date(url)
    except SQLAlchemyError as exc:
        yield CheckResult(
            "database",
            False,
            f"cannot open it: {str(getattr(exc, 'orig', exc)).splitlines()[0]}",
            "check [database] url and that the folder exists and belongs to the kiosk user",
        )
        return
    if not current:
        yield CheckResult("database", False, "not at the current schema", "run `kiosk db upgrade`")
        return
    engine = make_engine(url)
    try:
        # A write that is rolled back proves the file and its folder (for the WAL) are writable.
        with engine.connect() as conn, conn.begin() as tx:
            conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS kiosk_check (x INTEGER)"))
            if make_url(url).get_backend_name() == "sqlite":
                conn.execute(text("PRAGMA user_version = 0"))
            tx.rollback()
        yield CheckResult("database", True, "reachable, current and writable")
    except SQLAlchemyError as exc:
        yield CheckResult(
            "database",
            False,
            f"not writable: {str(getattr(exc, 'orig', exc)).splitlines()[0]}",
            "the database file and its folder must be writable by the kiosk user",
        )
    finally:
        engine.dispose()


def _check_clock() -> Iterator[CheckResult]:
    """A Pi has no real-time clock: until NTP has synchronised, every mark would be wrong."""
    flag = Path("/run/systemd/timesync/synchronized")
    if flag.exists():
        yield CheckResult("clock", True, "synchronised by systemd-timesyncd")
    elif Path("/run/systemd/system").is_dir():
        yield CheckResult(
            "clock",
            False,
            f"NOT synchronised (it says {datetime.now(UTC):%Y-%m-%d %H:%M} UTC): "
            "every mark would be wrong",
            "connect the network and enable time sync: `sudo timedatectl set-ntp true`",
        )
    else:
        yield CheckResult(
            "clock",
            False,
            "cannot tell whether the clock is synchronised (no systemd)",
            warning=True,
        )


def _check_reader(config: Config) -> Iterator[CheckResult]:
    rfid = config.rfid
    if rfid.driver == "none":
        yield CheckResult("reader", True, "none configured: staff look learners up by name")
    elif rfid.driver == "keyboard":
        if rfid.port:
            yield _device_node("reader", rfid.port, "input")
        else:
            yield CheckResult("reader", True, "keyboard reader typing into the kiosk's own window")
    elif rfid.driver == "wiegand" and rfid.d0_pin is not None and rfid.d1_pin is not None:
        ok, message = probe_wiegand(rfid.d0_pin, rfid.d1_pin)
        yield CheckResult("reader (wiegand)", ok, message)
    elif rfid.driver == "osdp":
        ok, message = probe_osdp(
            rfid.port, address=rfid.address, scbk_file=rfid.scbk_file, baudrate=rfid.baudrate
        )
        yield CheckResult("reader (osdp)", ok, message)
    else:
        result = probe_serial_port(rfid.port, driver=rfid.driver, baudrate=rfid.baudrate)
        yield CheckResult(
            f"reader ({rfid.driver})", result.ok, result.message, result.fix, result.warning
        )


def _check_detector(config: Config) -> Iterator[CheckResult]:
    detector = config.detector
    if detector.driver == "none":
        yield CheckResult("detector", True, "none configured: wand results are entered by staff")
    elif detector.driver == "serial":
        result = probe_serial_port(detector.port, driver="serial", baudrate=detector.baudrate)
        yield CheckResult(
            "detector (serial)", result.ok, result.message, result.fix, result.warning
        )
    else:
        result = probe_gpio({"arch alarm contact": detector.pin})
        yield CheckResult(f"detector (GPIO {detector.pin})", result.ok, result.message, result.fix)


def _check_outputs(config: Config) -> Iterator[CheckResult]:
    out = config.outputs
    pins = {
        "green light": out.green_led,
        "red light": out.red_led,
        "buzzer": out.buzzer,
        "door relay": out.door_relay,
    }
    if all(pin is None for pin in pins.values()):
        yield CheckResult("outputs", True, "no lights, buzzer or door relay fitted")
        return
    result = probe_gpio(pins)
    yield CheckResult("outputs", result.ok, result.message, result.fix, result.warning)


def _device_node(what: str, path: str, group: str) -> CheckResult:
    if not os.path.exists(path):
        return CheckResult(what, False, f"{path} does not exist", "check the cable and the path")
    if not os.access(path, os.R_OK):
        return CheckResult(
            what, False, f"{path}: permission denied", f"add the kiosk user to the `{group}` group"
        )
    return CheckResult(what, True, f"{path} is present and readable")
