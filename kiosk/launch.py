"""Starting the app: the production kiosk from its config, and the demo with simulated hardware."""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from drivers import (
    SimulatedDetector,
    SimulatedReader,
    open_detector,
    open_outputs,
    open_reader,
    simulated_outputs,
)
from kiosk.app import Devices, KioskApp, make_app
from kiosk.config import (
    Config,
    ConfigError,
    DatabaseConfig,
    DetectorConfig,
    PolicyConfig,
    RfidConfig,
    SchoolConfig,
)
from kiosk.database import Book, open_book
from kiosk.demo import DEMO_LEARNERS, DEMO_PIN, DEMO_STAFF
from kiosk.domain.roster import display_first_name
from kiosk.roster_import import import_learners, import_staff
from kiosk.staff import set_pin
from records.database import upgrade
from records.models import BadgeRecord, LearnerRecord, StaffRecord

log = logging.getLogger(__name__)

DEMO_UNKNOWN_BADGE = "0CDEADBEEF"
# A female and a male authorised searcher, so every search can be lawful in the demo,
# and the safeguarding lead, who also has the office screen.
DEMO_STAFF_ON_PANEL = ("S01", "S02", "S06")


def _log_to(folder: Path | None) -> None:
    """The terminal belongs to Textual, so the log goes to a file (or the journal's capture)."""
    target = os.environ.get("KIOSK_LOG") or (
        str(Path(folder) / "kiosk.log") if folder is not None else ""
    )
    if target:
        logging.basicConfig(
            filename=target,
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )


def run_production(config: Config) -> int:
    state = os.environ.get("STATE_DIRECTORY")
    _log_to(Path(state) if state else None)
    return build_production(config).run() or 0


def build_production(config: Config) -> KioskApp:
    """The production app with the configured reader and outputs (not yet running)."""
    for warning in config.warnings:
        log.warning("config: %s", warning)
    book = open_book(config.database.url)
    rfid, out = config.rfid, config.outputs
    reader = open_reader(
        rfid.driver,
        rfid.port,
        baudrate=rfid.baudrate,
        repeat_suppress_seconds=rfid.repeat_suppress_seconds,
    )
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
            **extra,
        )
    except Exception as exc:
        if reader is not None:
            reader.close()
        book.close()
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
        if reader is not None:
            reader.close()
        if detector is not None:
            detector.close()
        book.close()
        raise ConfigError(
            f"{config.source}: [outputs] cannot drive the GPIO pins: {exc}; run `kiosk check`"
        ) from None

    def close_all() -> None:
        for device in (reader, detector, outputs):
            if device is not None:
                device.close()
        book.close()

    return make_app(
        config,
        book,
        Devices(reader=reader, detector=detector, outputs=outputs, close_all=close_all),
    )


def demo_config(url: str) -> Config:
    return Config(
        school=SchoolConfig(name="Demo Academy · simulated hardware"),
        database=DatabaseConfig(url=url),
        policy=PolicyConfig(phone_handin="required", screening="required"),
        rfid=RfidConfig(driver="none", port=""),
        detector=DetectorConfig(driver="none"),
    )


def prepare_demo(folder: Path, db: Path | None = None) -> tuple[Config, Book]:
    """A demo school in `folder` (or in `db`): schema, roster, staff with the demo PIN."""
    url = f"sqlite:///{(db or folder / 'demo.db').resolve()}"
    upgrade(url)
    book = open_book(url)
    now = datetime.now(UTC)
    config = demo_config(url)
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


def run_demo(db: Path | None) -> int:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-demo-")) if db is None else db.parent
    folder.mkdir(parents=True, exist_ok=True)
    _log_to(folder)
    config, book = prepare_demo(folder, db)
    reader = SimulatedReader(repeat_suppress_seconds=config.rfid.repeat_suppress_seconds)
    detector = SimulatedDetector()
    outputs = simulated_outputs()

    def close_all() -> None:
        reader.close()
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
    )
    app = make_app(config, book, devices, allow_quit=True)
    return app.run() or 0
