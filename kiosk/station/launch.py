"""Starting the app: the production kiosk from its config, and the demo with simulated hardware."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from datetime import UTC, datetime, time, timedelta
from logging.handlers import RotatingFileHandler, SysLogHandler
from pathlib import Path
from typing import Any

from sqlalchemy import select

from drivers import (
    KeyFileError,
    SimulatedDetector,
    SimulatedReader,
    open_detector,
    open_outputs,
    open_reader,
    simulated_outputs,
)
from drivers.clock import Clock, StartedClock, SystemClock
from drivers.passage import PassageBeam
from kiosk.clock import CLOCK_FILE_VARIABLE, clock_file, school_clock
from kiosk.config import (
    Config,
    ConfigError,
    DatabaseConfig,
    DetectorConfig,
    PolicyConfig,
    RfidConfig,
    SchoolConfig,
)
from kiosk.database import Book, open_school_book
from kiosk.demo import DEMO_LEARNERS, DEMO_PIN, DEMO_STAFF
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.roster import display_first_name
from kiosk.domain.screening import ScreeningPolicy
from kiosk.people.pins import set_pin
from kiosk.people.roster_import import import_learners, import_staff
from kiosk.station.app import KioskApp, make_app
from kiosk.station.crash import run_app
from kiosk.station.device_lock import DevicesBusy, hold_devices
from kiosk.station.devices import Devices
from records.database import upgrade
from records.models import BadgeRecord, LearnerRecord, StaffRecord

log = logging.getLogger(__name__)

# The app's own log: five files of 5 MB at most, so a chatty fault cannot fill the card.
LOG_FILE_BYTES = 5 * 1024 * 1024
LOG_FILES_KEPT = 5

DEMO_UNKNOWN_BADGE = "0CDEADBEEF"
# A female and a male authorised searcher, so every search can be lawful in the demo,
# and the safeguarding lead, who also has the office screen.
DEMO_STAFF_ON_PANEL = ("S01", "S02", "S06")


def _log_to(folder: Path | None) -> None:
    """Log to `folder`/kiosk.log (or `$KIOSK_LOG`), rotated, and to the journal under systemd.

    Never to the terminal: Textual draws on it, so a StreamHandler would scribble on the
    screen, and so would the logging module's last resort, which writes warnings to standard
    error when no handler is set. Under systemd standard error is the screen too (the panel's
    terminal, or tty1), so the journal gets its copy through the syslog socket instead.
    """
    root = logging.getLogger()
    if any(getattr(handler, "_kiosk", False) for handler in root.handlers):
        return  # set up already: the demo and a test may both start the kiosk in one process
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    target = os.environ.get("KIOSK_LOG") or (str(folder / "kiosk.log") if folder else "")
    handlers: list[logging.Handler] = [logging.NullHandler()]
    if target:
        rotating = RotatingFileHandler(
            target, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILES_KEPT, encoding="utf-8"
        )
        rotating.setFormatter(formatter)
        handlers.append(rotating)
    if os.environ.get("INVOCATION_ID"):  # started by systemd
        journal = _journal_handler()
        if journal is not None:
            handlers.append(journal)
    for handler in handlers:
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    # A handler that fails (a full card, journald restarting) would print its traceback on
    # standard error, the screen; the kiosk carries on without that line instead.
    logging.raiseExceptions = False


def _journal_handler(address: str = "/dev/log") -> logging.Handler | None:
    """journald's syslog socket; it files each line under the unit that sent it."""
    if not Path(address).is_socket():
        return None  # no journal here (a container, a chroot): the file log still works
    handler = SysLogHandler(address=address, facility=SysLogHandler.LOG_DAEMON)
    handler.append_nul = False
    # "kiosk[pid]: " is the syslog tag journald reads as the identifier and process.
    handler.setFormatter(
        logging.Formatter(f"kiosk[{os.getpid()}]: %(levelname)s %(name)s: %(message)s")
    )
    return handler


def start_logging() -> None:
    """The service's log: the state folder's rotated file (or $KIOSK_LOG) and the journal."""
    state = os.environ.get("STATE_DIRECTORY")
    _log_to(Path(state) if state else None)


def run_production(config: Config) -> int:
    start_logging()
    log.info("starting with %s", config.source or "the built-in defaults")
    try:
        devices = hold_devices()  # before any device opens: a reloaded panel waits its turn
    except DevicesBusy as exc:
        log.error("stopped: %s", exc)
        raise ConfigError(str(exc)) from None
    if clock_file():
        log.warning("the clock is moved on by %s: this kiosk is a rehearsal", CLOCK_FILE_VARIABLE)
    try:
        status = run_app(build_production(config, clock=school_clock()))
    except ConfigError as exc:
        # Standard error is the screen, gone when the kiosk stops: the log keeps the reason.
        log.error("stopped: %s", exc)
        raise
    finally:
        devices.close()
    log.info("stopped with exit status %s", status)
    return status


def build_production(config: Config, *, clock: Clock | None = None) -> KioskApp:
    """The production app with the configured reader and outputs (not yet running).

    `clock` is for tests: the devices and the app read the time from it instead of the system.
    """
    for warning in config.warnings:
        log.warning("config: %s", warning)
    book = open_school_book(config.database, station=True)
    rfid, out = config.rfid, config.outputs
    try:
        reader = _open_rfid(config, rfid, "rfid", clock)
    except Exception:
        book.close()
        raise
    det = config.detector
    try:
        extra: dict[str, Any] = {"baudrate": det.baudrate} if det.driver == "serial" else {}
        detector = open_detector(
            det.driver,
            pin=det.pin,
            active_high=det.active_high,
            port=det.port,
            alarm_pattern=det.alarm_pattern,
            clear_pattern=det.clear_pattern,
            clock=clock,
            **extra,
        )
    except Exception as exc:
        _close(book, reader)
        raise ConfigError(
            f"{config.source}: [detector] cannot be used: {exc}; run `kiosk check`"
        ) from None
    try:
        outputs = open_outputs(
            out.green_led,
            out.red_led,
            out.buzzer,
            out.door_relay,
            relay_active_high=out.relay_active_high,
            door_open_seconds=out.door_open_seconds,
        )
    except Exception as exc:
        _close(book, reader, detector)
        raise ConfigError(
            f"{config.source}: [outputs] cannot drive the GPIO pins: {exc}; run `kiosk check`"
        ) from None

    try:
        phone_reader, passage = _lane_devices(config, clock)
    except Exception:
        _close(book, reader, detector, outputs)
        raise

    def close_all() -> None:
        _close(book, reader, phone_reader, detector, passage, outputs)

    return make_app(
        config,
        book,
        Devices(
            reader=reader,
            detector=detector,
            outputs=outputs,
            close_all=close_all,
            phone_reader=phone_reader,
            passage=passage,
        ),
        clock=(clock or SystemClock()).now,
    )


def _close(book: Book, *devices: Any) -> None:
    """Close the devices opened so far (None where one is not fitted), then the book."""
    for device in devices:
        if device is not None:
            device.close()
    book.close()


def _open_rfid(config: Config, rfid: RfidConfig, section: str, clock: Clock | None) -> Any:
    """The reader of one [rfid] section; a reader that cannot be set up is a config error."""
    try:
        return open_reader(
            rfid.driver,
            rfid.port,
            baudrate=rfid.baudrate,
            repeat_suppress_seconds=rfid.repeat_suppress_seconds,
            clock=clock,
            d0_pin=rfid.d0_pin,
            d1_pin=rfid.d1_pin,
            formats=rfid.formats,
            address=rfid.address,
            scbk_file=rfid.scbk_file,
        )
    except KeyFileError as exc:
        raise ConfigError(f"{config.source}: [{section}] scbk_file: {exc}") from None
    except Exception as exc:
        if rfid.driver not in {"wiegand", "osdp"}:
            raise
        raise ConfigError(
            f"{config.source}: [{section}] cannot be used: {exc}; run `kiosk check`"
        ) from None


def _lane_devices(config: Config, clock: Clock | None) -> tuple[Any, Any]:
    """The phone station's reader and the arch's exit beam, where the school has fitted them."""
    phone = config.phone_reader
    phone_reader = (
        None
        if phone is None or phone.driver == "none"
        else _open_rfid(config, phone, "rfid.phone", clock)
    )
    pin = config.detector.pass_pin
    try:
        passage = None if pin is None else PassageBeam(pin, clock=clock)
    except Exception as exc:
        if phone_reader is not None:
            phone_reader.close()
        raise ConfigError(
            f"{config.source}: [detector] pass_pin {pin} cannot be used: {exc}; run `kiosk check`"
        ) from None
    return phone_reader, passage


def demo_config(url: str) -> Config:
    return Config(
        school=SchoolConfig(name="Demo Academy · simulated hardware"),
        database=DatabaseConfig(url=url),
        policy=PolicyConfig(
            phone_handin=PhonePolicy.REQUIRED,
            screening=ScreeningPolicy.REQUIRED,
            phone_slots="1-120",
        ),
        rfid=RfidConfig(driver="none", port=""),
        # The simulated arch behaves as a serial arch with a pass line: its clear is a passage.
        detector=DetectorConfig(driver="serial", port="simulated"),
    )


def prepare_demo(folder: Path, db: Path | None = None) -> tuple[Config, Book]:
    """A demo school in `folder` (or in `db`): schema, roster, staff with the demo PIN."""
    url = f"sqlite:///{(db or folder / 'demo.db').resolve()}"
    config = demo_config(url)
    upgrade(url, key_file=config.database.key_path)
    book = open_school_book(config.database, station=True)
    now = datetime.now(UTC)
    with book.sessions.begin() as session:
        import_learners(
            session, DEMO_LEARNERS, today=now.astimezone(config.school.zone).date(), now=now
        )
        import_staff(session, DEMO_STAFF, today=now.astimezone(config.school.zone).date(), now=now)
        for staff_id in session.scalars(select(StaffRecord.staff_id)):
            set_pin(session, staff_id, DEMO_PIN, now=now)
    return config, book


def demo_badges(book: Book, count: int = 3) -> list[tuple[str, str]]:
    """Buttons for the demo panel: two staff, a few learners, and a card that nobody owns."""
    with book.sessions() as session:
        rows = session.execute(
            select(LearnerRecord, BadgeRecord)
            .join(BadgeRecord, BadgeRecord.learner_id == LearnerRecord.id)
            .order_by(LearnerRecord.mis_id)
        ).all()
    badges: dict[int, tuple[str, str]] = {}
    for learner, badge in rows:
        badges.setdefault(
            learner.id,
            (display_first_name(learner.forename, learner.preferred_name), badge.enrolled_as),
        )
    with book.sessions() as session:
        staff = session.execute(
            select(StaffRecord.forename, BadgeRecord.enrolled_as)
            .join(BadgeRecord, BadgeRecord.staff_id == StaffRecord.id)
            .where(StaffRecord.staff_id.in_(DEMO_STAFF_ON_PANEL))
            .order_by(StaffRecord.staff_id)
        ).all()
    return [
        *((f"Staff {name}", badge) for name, badge in staff),
        *list(badges.values())[:count],
        ("Unknown card", DEMO_UNKNOWN_BADGE),
    ]


def learner_badges(book: Book) -> dict[int, str]:
    """Each learner's badge as printed, so the demo's phone station can present it."""
    with book.sessions() as session:
        rows = session.execute(
            select(BadgeRecord.learner_id, BadgeRecord.enrolled_as)
            .where(BadgeRecord.learner_id.is_not(None))
            .order_by(BadgeRecord.id)
        ).all()
    return {learner_id: badge for learner_id, badge in rows if learner_id is not None}


def run_demo(db: Path | None) -> int:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-demo-")) if db is None else db.parent
    folder.mkdir(parents=True, exist_ok=True)
    _log_to(folder)
    config, book = prepare_demo(folder, db)
    # The demo owns its clock: a school morning at 08:35, whatever the hour it is run at.
    clock = StartedClock(demo_morning(datetime.now(config.school.zone), config))
    reader = SimulatedReader(
        repeat_suppress_seconds=config.rfid.repeat_suppress_seconds, clock=clock
    )
    phone_reader = SimulatedReader(name="phone station", clock=clock)
    detector = SimulatedDetector(clock=clock)
    outputs = simulated_outputs()

    def present_phone(learner_id: int) -> None:
        # Read each time: a card enrolled during the demo replaces the learner's printed one.
        badge = learner_badges(book).get(learner_id)
        if badge is not None:
            phone_reader.present(badge)

    def close_all() -> None:
        reader.close()
        phone_reader.close()
        detector.close()
        outputs.close()
        book.close()

    devices = Devices(
        reader=reader,
        detector=detector,
        outputs=outputs,
        close_all=close_all,
        demo_badges=demo_badges(book),
        present=reader.present,
        trip_arch=detector.trip,
        phone_reader=phone_reader,
        present_phone=present_phone,
        pass_arch=detector.clear,
    )
    app = make_app(
        config, book, devices, allow_quit=True, clock=clock.now, export_folder=str(folder)
    )
    try:
        return run_app(app)
    finally:
        if db is None:  # the throwaway folder goes with the demo
            shutil.rmtree(folder, ignore_errors=True)


def demo_morning(now: datetime, config: Config) -> datetime:
    """08:35 school time on the next school day from `now` (today, if today is one)."""
    day = now.date()
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return datetime.combine(day, time(8, 35), tzinfo=config.school.zone)
