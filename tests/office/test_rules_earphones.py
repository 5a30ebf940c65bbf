"""R33: earphones are banned except with permission. A phone or earphones seen in use during the
day are confiscated alike, and the record, the held list, the escalation and the attendance
officer's messages say which; earphones are refused for a learner the roster permits them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from kiosk.database import open_school_book
from kiosk.domain.people import StaffRef
from kiosk.domain.phones import ConfiscatedItem
from kiosk.phones.desk import (
    PhoneDeskError,
    confiscate_phone,
    held_confiscations,
    phone_collected_by_parent,
    return_phone,
)
from kiosk.phones.held import outstanding_phones
from records.audit import AuditRecord
from records.database import make_engine, upgrade
from records.models import LearnerRecord, NotificationRecord, PhoneHandinRecord
from tests.office.test_office_web_http import Desk, _desk, audit_actions, make_config
from tests.office.web_school import FORMULA_SURNAME, OFFICE_PIN
from tests.records.recordbook import Book

ZONE = ZoneInfo("Europe/London")
AT = datetime(2026, 11, 23, 11, 20, tzinfo=UTC)  # a Monday, mid-morning
DAY = AT.date()


def _permit(book: Book, permitted: bool) -> None:
    with book.sessions.begin() as session:
        session.get_one(LearnerRecord, book.learner_id).earphones_permitted = permitted


def _confiscate(book: Book, item: ConfiscatedItem, at: datetime = AT, slot: str = "E1"):
    with book.sessions.begin() as session:
        return confiscate_phone(
            session, book.learner_id, at=at, by=StaffRef("S2"), zone=ZONE, slot=slot, item=item
        )


def test_r33_earphones_are_not_confiscated_from_a_learner_the_roster_permits_them(
    book: Book,
) -> None:
    _permit(book, True)

    with pytest.raises(PhoneDeskError, match="permission for earphones"):
        _confiscate(book, ConfiscatedItem.EARPHONES)

    with book.sessions() as session:
        assert session.scalars(select(PhoneHandinRecord)).all() == []
        assert held_confiscations(session) == []
    # The permission is for earphones only: a phone seen in use is still taken.
    assert _confiscate(book, ConfiscatedItem.PHONE).occurrence == 1


def test_r33_earphones_confiscated_are_named_in_the_record_the_held_list_and_the_escalation(
    book: Book,
) -> None:
    _permit(book, False)

    outcome = _confiscate(book, ConfiscatedItem.EARPHONES, slot="envelope 4")

    assert outcome.said == ("1st confiscation (earphones): held until the end of the day.",)
    with book.sessions() as session:
        [record] = session.scalars(select(PhoneHandinRecord)).all()
        assert (record.item, record.confiscated, record.slot) == ("earphones", True, "envelope 4")
        [held] = held_confiscations(session)
        assert held.item is ConfiscatedItem.EARPHONES
        [listed] = outstanding_phones(session, DAY)
        assert (listed.item, listed.confiscated) == ("earphones", True)
        entry = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "phone.confiscated")
        ).one()
        assert '"item":"earphones"' in entry.detail.replace(" ", "")


def test_r33_phones_and_earphones_escalate_together_and_the_officer_is_told_it_is_earphones(
    book: Book,
) -> None:
    """Seed 003 counts the occasions a learner is seen on a phone or wearing earphones: two
    phones, then earphones, is the third occasion, and a parent or carer collects them."""
    _permit(book, False)
    for n in (0, 1):
        _confiscate(book, ConfiscatedItem.PHONE, at=AT + timedelta(days=7 * n), slot=f"E{n}")
    with book.sessions.begin() as session:
        for record in session.scalars(select(PhoneHandinRecord)):
            record.returned_at = record.handed_in_at + timedelta(days=2)  # each given back

    third = _confiscate(book, ConfiscatedItem.EARPHONES, at=AT + timedelta(days=14), slot="E2")

    assert third.occurrence == 3 and third.notify
    assert third.said[:2] == (
        "3rd confiscation (earphones): held until a parent or carer collects them.",
        "The parent or carer must be told to collect them.",
    )
    # Not back to the learner: the refusal says what is held and who must collect it.
    back = AT + timedelta(days=15)
    with pytest.raises(PhoneDeskError) as refused, book.sessions.begin() as session:
        return_phone(session, book.learner_id, day=back.date(), at=back, by=StaffRef("S2"))
    assert str(refused.value) == "Confiscated earphones: a parent or carer must collect them."
    with book.sessions.begin() as session:
        collected = phone_collected_by_parent(
            session, book.learner_id, at=AT + timedelta(days=15), collected_by="Niamh (mother)",
            by=StaffRef("S2"),
        )  # fmt: skip
    assert collected.item is ConfiscatedItem.EARPHONES
    with book.sessions() as session:
        told = [(n.subject, n.body) for n in session.scalars(select(NotificationRecord))]
    assert [subject for subject, _ in told] == [
        "Earphones to be collected by a parent or carer: Aoife Ní Bhriain",
        "Earphones collected by a parent or carer: Aoife Ní Bhriain",
    ]
    assert "Aoife Ní Bhriain's earphones were confiscated for the third time" in told[0][1]
    assert "They are in E2." in told[0][1]
    assert "confiscated earphones were collected by Niamh (mother)" in told[1][1]


def test_r33_confiscations_kept_before_the_upgrade_are_phones_and_a_downgrade_keeps_earphones(
    tmp_path: Path,
) -> None:
    """Migration 0013 on a real SQLite file: every row already there is a phone; going back to
    0012 keeps what was taken in the note, since the older schema has no column for it."""
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url, revision="0012")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO learners (mis_id, upn, surname, forename, preferred_name, sex,"
                " year_group, reg_group, sen, earphones_permitted, created_at, updated_at)"
                " VALUES ('A1', '', 'Okafor', 'Chidi', '', 'M', '9', '9K', 0, 0, :at, :at)"
            ), {"at": AT.isoformat()})  # fmt: skip
            connection.execute(text(
                "INSERT INTO phone_handins (learner_id, date, handed_in_at, slot, no_phone,"
                " confiscated, confiscation_occurrence, hold_until, note, collected_by)"
                " VALUES (1, :day, :at, 'E1', 0, 1, 1, :day, 'in maths', '')"
            ), {"day": DAY.isoformat(), "at": AT.isoformat()})  # fmt: skip
        upgrade(url, revision="0013")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT item FROM phone_handins")).scalar() == "phone"
            connection.execute(text("UPDATE phone_handins SET item = 'earphones'"))
            with pytest.raises(IntegrityError), connection.begin_nested():
                connection.execute(text("UPDATE phone_handins SET item = 'laptop'"))
        from alembic import command

        from records.database import alembic_config, migration_connection

        with migration_connection(url) as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0012")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT note FROM phone_handins")).scalar() == (
                "earphones: in maths"
            )
    finally:
        engine.dispose()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Desk]:
    yield from _desk(tmp_path)


def test_r33_the_office_web_confiscates_earphones_and_refuses_them_for_a_learner_permitted(
    web: Desk,
) -> None:
    """The web office's confiscation form asks what was seen in use; earphones are named on
    the phones list, and refused for Amir, whom the roster permits them."""
    book = open_school_book(make_config(web))
    try:
        with book.sessions.begin() as session:
            amir = session.scalars(select(LearnerRecord).where(LearnerRecord.mis_id == "A1001"))
            amir.one().earphones_permitted = True
    finally:
        book.close()
    web.sign_in("OF1", OFFICE_PIN)
    token = web.token("/lists/phones")
    form = web.client.get("/lists/phones").text
    assert '<option value="earphones">Earphones</option>' in form

    amir = {"csrf": token, "learner": "Amir Haddad (A1001)", "item": "earphones", "slot": "E8"}
    web.post("/lists/phones/confiscate", amir)
    refused = web.client.get("/lists/phones").text
    web.post("/lists/phones/confiscate",
             {"csrf": token, "learner": f"Zoe {FORMULA_SURNAME} (A1002)", "item": "earphones",
              "slot": "E7", "note": "earphones in during maths"})  # fmt: skip
    taken = web.client.get("/lists/phones").text

    assert "Not confiscated: This learner has permission for earphones" in refused
    assert "Confiscated. 1st confiscation (earphones): held until the end of the day." in taken
    assert "earphones confiscated: until the end of 2026-11-23" in taken
    assert audit_actions(web)[-1] == "phone.confiscated"
