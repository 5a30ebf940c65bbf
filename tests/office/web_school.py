"""A school for the office web page's tests: a keyed database, staff with PINs, and a Monday
(23 Nov 2026) seen at 14:00 with both sessions' registers closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from kiosk.config import Config, load_config
from kiosk.database import open_school_book
from kiosk.domain.attendance import RefusalKind
from kiosk.domain.items import Disposition, FoundItem, ItemCategory
from kiosk.domain.people import StaffRef
from kiosk.domain.search import SearchLevel, UrgentException
from kiosk.domain.search_record import Consent
from kiosk.door.arrivals import admit, refuse
from kiosk.door.searches import SearchForm, record_search
from kiosk.people.pins import set_pin
from kiosk.phones.desk import hand_in
from records.models import LearnerRecord
from tests.books import upgraded
from tests.office.school_day import staff

CONFIG = """\
[school]
name = "Test Academy"
timezone = "UTC"
pm_starts = "13:00"
pm_register_closes = "13:30"

[database]
url = "sqlite:///{db}"

[rfid]
driver = "none"

[detector]
driver = "none"

[policy]
staff_idle_lock_seconds = {idle}

[office]
listen = "127.0.0.1:{port}"
{extra}"""

DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
OFFICE_PIN, DSL_PIN, SCREENER_PIN = "4826", "913774", "5555"
# A name that a spreadsheet would run as a formula: every download must defuse it.
FORMULA_SURNAME = "=HYPERLINK(1)"


def _at(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)


def _learner(
    session: object, mis_id: str, surname: str, forename: str, group: str, year: str
) -> int:
    record = LearnerRecord(
        mis_id=mis_id, surname=surname, forename=forename, sex="M", reg_group=group,
        year_group=year, created_at=NOW - timedelta(days=90), updated_at=NOW - timedelta(days=90),
    )  # fmt: skip
    session.add(record)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    return record.id


def write_config(folder: Path, port: int, *, idle: int = 120, extra: str = "") -> Path:
    config_file = folder / "kiosk.toml"
    text = CONFIG.format(db=folder / "kiosk.db", port=port, idle=idle, extra=extra)
    config_file.write_text(text, encoding="utf-8")
    return config_file


def make_school(
    folder: Path, port: int, *, idle: int = 120, extra: str = "", crowd: int = 0
) -> Config:
    """On DAY: Amir and Zoe in on time (Amir's phone in slot 12), Ben after the register
    closed, Rae refused screening, Ola in for the afternoon only; Ben late twice before; a
    search of Amir (the exception used, parents not told, a knife handed to the police with its
    reference to follow). OF1 office, DS1 the DSL, SC1 a
    screener (who may not use the office). `crowd` more learners in year 9 came in on time
    (for a fire roll of a real size)."""
    config = load_config(write_config(folder, port, idle=idle, extra=extra))
    upgraded(config.database.url, key_file=config.database.key_path)
    book = open_school_book(config.database)
    school = config.school
    try:
        with book.sessions.begin() as session:
            amir = _learner(session, "A1001", "Haddad", "Amir", "7A", "7")
            zoe = _learner(session, "A1002", FORMULA_SURNAME, "Zoe", "7A", "7")
            ola = _learner(session, "A1003", "Nowak", "Ola", "8B", "8")
            ben = _learner(session, "A1004", "Late", "Ben", "8C", "8")
            rae = _learner(session, "A1005", "Refuser", "Rae", "8C", "8")
            staff(session, "OF1", "Office", "office")
            staff(session, "DS1", "Lead", "dsl;office;searcher")
            staff(session, "SC1", "Screen", "screener")
            for staff_id, pin in (("OF1", OFFICE_PIN), ("DS1", DSL_PIN), ("SC1", SCREENER_PIN)):
                set_pin(session, staff_id, pin, now=NOW - timedelta(days=30))
            for n in range(crowd):
                extra_id = _learner(session, f"C{n:04d}", f"Crowd{n:04d}", "Kim",
                                    f"9{'ABCDEF'[n % 6]}", "9")  # fmt: skip
                admit(session, extra_id, arrived_at=_at(DAY, 8, n % 20 + 10),
                      admitted_at=_at(DAY, 8, n % 20 + 11), school=school)  # fmt: skip
            for weeks_ago in (1, 2):
                earlier = DAY - timedelta(weeks=weeks_ago)
                admit(session, ben, arrived_at=_at(earlier, 8, 55), admitted_at=_at(earlier, 8, 56),
                      school=school)  # fmt: skip
            for learner_id, (hh, mm) in ((amir, (8, 21)), (zoe, (8, 33)), (ben, (9, 20))):
                admit(session, learner_id, arrived_at=_at(DAY, hh, mm),
                      admitted_at=_at(DAY, hh, mm + 1), school=school)  # fmt: skip
            admit(session, ola, arrived_at=_at(DAY, 12, 55), admitted_at=_at(DAY, 12, 56),
                  school=school)  # fmt: skip
            refuse(session, rae, at=_at(DAY, 8, 40), kind=RefusalKind.SCREENING, school=school,
                   by=None)  # fmt: skip
            hand_in(session, amir, day=DAY, at=_at(DAY, 8, 21), slot="12", no_phone=False,
                    by=StaffRef("OF1"))  # fmt: skip
            record_search(
                session,
                SearchForm(
                    amir, "DS1", None, SearchLevel.LOW, "Reception",
                    "blade seen in bag", "knife", "a folding knife, handed to the police",
                    items=(FoundItem(ItemCategory.WEAPON, "folding knife", Disposition.POLICE,
                                     handed_to="PC Ellis",
                                     reason="the officer will phone with a reference"),),
                    exception=UrgentException(True, True, "Blade seen; nobody else free"),
                    consent=Consent.YES,
                ),
                at=_at(DAY, 8, 25), by=StaffRef("DS1"),
            )  # fmt: skip
    finally:
        book.close()
    return config
