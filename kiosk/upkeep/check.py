"""`kiosk check`: the config, the database and each configured device, each with what to do."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from drivers.osdp_reader import probe_osdp
from drivers.probe import probe_gpio, probe_serial_port
from drivers.wiegand import probe_wiegand
from kiosk.config import Config
from kiosk.database import DatabaseError, open_school_book
from kiosk.hub import hub_engine, last_sync_at, waiting_events
from records.audit import audit_entry_count, verify_audit
from records.database import is_up_to_date, make_engine, make_sessionmaker
from records.hub import hub_head_revision, hub_revision, login_station
from records.keys import anchor_path, session_key
from records.staff_seals import broken_seals


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
    database = list(_check_database(config.database.url))
    yield from database
    if all(result.ok for result in database):
        yield from _check_evidence(config)
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


def _check_evidence(config: Config) -> Iterator[CheckResult]:
    """The audit log with its anchor, and the staff rows' seals: what `kiosk audit verify` and
    a sign-on would refuse, said before a morning depends on it."""
    key_file = config.database.key_path
    try:
        book = open_school_book(config.database)
    except DatabaseError as exc:
        yield CheckResult(
            "key file",
            False,
            str(exc),
            f"restore the school's key to {key_file} (0600); a new school: `kiosk db upgrade`",
        )
        return
    try:
        with book.reads() as session:
            key = session_key(session)
            anchor = anchor_path(key_file) if key is not None else None
            broken = verify_audit(session, key=key, anchor=anchor)
            entries = audit_entry_count(session)
            unsealed, tampered = broken_seals(session, key) if key is not None else ((), ())
    except SQLAlchemyError as exc:
        yield CheckResult("audit log", False, f"cannot read it: {_first_line(exc)}")
        return
    finally:
        book.close()
    if broken is not None:
        yield CheckResult(
            "audit log",
            False,
            f"broken: {broken}",
            "run `kiosk audit verify`; once the office knows why (a restored backup), "
            "`kiosk audit reset-anchor --by STAFF_ID --reason ...`",
        )
    else:
        anchored = "anchored" if anchor_path(key_file).exists() else "no anchor yet"
        yield CheckResult("audit log", True, f"intact: {entries} entries, sealed, {anchored}")
    if _beside_the_database(config.database.url, key_file):
        yield CheckResult(
            "audit anchor",
            False,
            f"{anchor_path(key_file)} is in the database's folder: a copy or a restore of the "
            "folder takes the anchor with the log it vouches for",
            'keep the key apart: `[database] key_file = "/etc/kiosk/school.key"` (move '
            "the key and its .audit-anchor there, 0600, the kiosk user's)",
            warning=True,
        )
    if tampered:
        yield CheckResult(
            "staff seals",
            False,
            f"roles or PIN hash changed outside the kiosk for {', '.join(tampered)}: "
            "they cannot sign on",
            "check their roles (`kiosk staff import` the school's list), then "
            "`kiosk staff set-pin STAFF_ID` for each",
        )
    if unsealed:
        yield CheckResult(
            "staff seals",
            False,
            f"not sealed yet: {', '.join(unsealed)}: they cannot sign on",
            "`kiosk staff set-pin STAFF_ID` for each (or publish again from the office's "
            "door, where the hub holds them unsealed)",
        )
    if not tampered and not unsealed:
        yield CheckResult(
            "staff seals", True, "every active member of staff's roles and PIN sealed"
        )


def _beside_the_database(url: str, key_file: Path) -> bool:
    """Whether the key (and so the audit anchor kept beside it) is in an SQLite file's folder."""
    parsed = make_url(url)  # read already by _check_database
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return False
    return Path(database).resolve().parent == key_file.resolve().parent


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0]


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


def check_hub(config: Config) -> list[CheckResult]:
    """The hub's lines: reachable, at the current schema, this door's login registered to it,
    and this door's backlog with the time of its last sync."""

    if not config.hub.enabled:
        return [CheckResult("hub", True, "none configured: this door works alone")]
    backlog = ""
    if config.database.url:
        engine = make_engine(config.database.url)
        try:
            with make_sessionmaker(engine, read_only=True)() as db:
                station = config.station.name
                waiting, synced = waiting_events(db, station), last_sync_at(db, station)
            when = (
                f"{synced.astimezone(config.school.zone):%Y-%m-%d %H:%M:%S}" if synced else "never"
            )
            backlog = f"{waiting} event(s) waiting, last sync {when}"
        except SQLAlchemyError:
            backlog = "backlog unknown (the local database cannot be read)"
        finally:
            engine.dispose()
    hub = hub_engine(config.hub)
    try:
        with hub.connect() as conn:
            at = hub_revision(conn)
            login = _login_problem(conn, config.station.name) if at == hub_head_revision() else ""
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return [
            CheckResult(
                "hub",
                False,
                f"cannot reach it: {reason}; {backlog or 'the door keeps working alone'}",
                "check [hub] url, the network and the server (docs/hub.md); the door keeps "
                "admitting and the backlog is sent when the hub is back",
            )
        ]
    finally:
        hub.dispose()
    if at != hub_head_revision():
        return [
            CheckResult(
                "hub",
                False,
                f"reachable but not at the current schema ({at or 'empty'}); {backlog}",
                "run `kiosk hub upgrade` (as the hub's owner, not a door's login)",
            )
        ]
    if login:
        return [
            CheckResult(
                "hub",
                False,
                f"reachable and current, but {login}; {backlog}",
                "on the hub, as its owner: `kiosk hub add-door "
                f"{config.station.name} --login LOGIN` (docs/hub.md)",
            )
        ]
    return [CheckResult("hub", True, f"reachable and current; {backlog}")]


def _login_problem(conn: Connection, station: str) -> str:
    """Why the hub would refuse what this door's login sends as `station`; "" when it would not."""

    registered = login_station(conn)
    if registered == station:
        return ""
    user, exempt = conn.execute(
        text(
            "SELECT current_user, r.rolsuper OR r.rolbypassrls OR c.relowner = r.oid "
            "FROM pg_roles AS r, pg_class AS c "
            "WHERE r.rolname = current_user AND c.oid = CAST('hub_events' AS regclass)"
        )
    ).one()
    if registered is None:
        if exempt:
            return ""  # the hub's owner: row-level security does not apply to it
        return f"its login {user} is not registered to a door, so the hub refuses what it sends"
    return f"its login {user} writes as door {registered!r}, not {station!r}"
