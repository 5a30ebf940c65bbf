"""`kiosk purge` never removes the record of a phone that is still in a slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from records.models import PhoneHandinRecord
from tests.office.conftest import Office

OLD = datetime(2025, 3, 3, 8, 45, tzinfo=UTC)


def test_purge_keeps_phones_not_yet_given_back_and_removes_the_closed_ones(
    office: Office,
) -> None:
    book = office.book
    later = OLD + timedelta(hours=7)
    with book.sessions.begin() as session:
        common = {"learner_id": book.learner_id, "date": OLD.date(), "handed_in_at": OLD}
        session.add_all(
            [
                PhoneHandinRecord(**common, slot="1", returned_at=later),
                PhoneHandinRecord(**common, slot="", no_phone=True),
                PhoneHandinRecord(**common, slot="3"),
                PhoneHandinRecord(**common, slot="4", confiscated=True, confiscation_occurrence=3),
                PhoneHandinRecord(
                    **common,
                    slot="5",
                    confiscated=True,
                    confiscation_occurrence=1,
                    hold_until=OLD.date(),
                    returned_at=later,
                ),
            ]
        )

    code, out, err = office("purge", "--before", "2025-03-10")

    assert (code, err) == (0, "")
    assert "3 phone hand-in(s)" in out
    with book.sessions() as session:
        kept = sorted(session.scalars(select(PhoneHandinRecord.slot)))
    assert kept == ["3", "4"], "a phone still in a slot, and one held for a parent, stay"


def test_dry_run_counts_the_same_phones_a_purge_would_remove(office: Office) -> None:
    book = office.book
    with book.sessions.begin() as session:
        common = {"learner_id": book.learner_id, "date": OLD.date(), "handed_in_at": OLD}
        session.add_all(
            [
                PhoneHandinRecord(**common, slot="1", returned_at=OLD + timedelta(hours=7)),
                PhoneHandinRecord(**common, slot="2"),
            ]
        )
    code, out, _ = office("purge", "--before", "2025-03-10", "--dry-run")
    assert code == 0
    assert "would remove" in out and "1 phone hand-in(s)" in out
