"""A school for the browser test: a keyed database, staff with PINs and a morning so far."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from kiosk.config import load_config
from kiosk.database import open_school_book
from kiosk.domain.people import StaffRef
from kiosk.domain.search import SearchLevel, UrgentException
from kiosk.door.arrivals import admit
from kiosk.door.searches import SearchForm, record_search
from kiosk.people.pins import set_pin
from tests.books import upgraded
from tests.office.school_day import learner, staff

CONFIG = """\
[school]
name = "Test Academy"
timezone = "UTC"

[database]
url = "sqlite:///{db}"

[rfid]
driver = "none"

[detector]
driver = "none"

[office]
listen = "127.0.0.1:{port}"
"""

OFFICE_PIN, DSL_PIN = "4826", "9137"
# A name that a spreadsheet would run as a formula: the export must defuse it.
FORMULA_SURNAME = "=HYPERLINK(1)"


def make_school(folder: Path, port: int, now: datetime) -> Path:
    """The config of a school where, by `now`, two learners are in, one is not, and the
    DSL has recorded a search (with the exception); OF1 is office, DS1 the DSL."""
    db = folder / "kiosk.db"
    config_file = folder / "kiosk.toml"
    config_file.write_text(CONFIG.format(db=db, port=port), encoding="utf-8")
    config = load_config(config_file)
    upgraded(config.database.url, key_file=config.database.key_path)
    book = open_school_book(config.database)
    try:
        with book.sessions.begin() as session:
            amir = learner(session, "A1001", "Haddad", "Amir", "7A")
            zoe = learner(session, "A1002", FORMULA_SURNAME, "Zoe", "7A")
            learner(session, "A1003", "Nowak", "Ola", "7B")
            staff(session, "OF1", "Office", "office")
            staff(session, "DS1", "Lead", "dsl;office;searcher")
            set_pin(session, "OF1", OFFICE_PIN, now=now)
            set_pin(session, "DS1", DSL_PIN, now=now)
            for learner_id in (amir, zoe):
                at = now - timedelta(minutes=2)
                admit(session, learner_id, arrived_at=at, admitted_at=at, school=config.school)
            record_search(
                session,
                SearchForm(
                    amir, "DS1", None, SearchLevel.LOW, "Reception",
                    "blade seen in bag", "knife", "nothing found",
                    exception=UrgentException(True, True, "Blade seen; nobody else free"),
                ),
                at=now - timedelta(minutes=1), by=StaffRef("DS1"),
            )  # fmt: skip
    finally:
        book.close()
    return config_file
