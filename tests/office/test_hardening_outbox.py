"""The office's outbox: safeguarding notifications are listed for the DSL only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from kiosk.config import SchoolConfig
from kiosk.notify.queue import (
    queue_exception_used,
    queue_police_item,
    queue_refusal,
    queue_third_confiscation,
)
from kiosk.office.overview import office_view
from tests.records.recordbook import Book

AT = datetime(2025, 3, 3, 8, 50, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
LEARNER = "Aoife Ní Bhriain (A1001, 7R)"


def a_morning_of_notifications(book: Book) -> None:
    """One of each: two for the attendance officer, two for the DSL."""
    with book.sessions.begin() as session:
        queue_refusal(
            session, at=AT, day=date(2025, 3, 3), learner=LEARNER, mis_id="A1001",
            comment="refused screening: not admitted", zone=LONDON,
        )  # fmt: skip
        queue_exception_used(
            session, at=AT, learner=LEARNER, searcher="Ada Okafor (S1)",
            reason="Knife seen; no female staff on site.", mis_id="A1001", zone=LONDON,
        )  # fmt: skip
        queue_police_item(
            session, at=AT, learner=LEARNER, category="knife", description="folding knife",
            searcher="Ada Okafor (S1)", police_reference="PC 123", mis_id="A1001", zone=LONDON,
        )  # fmt: skip
        queue_third_confiscation(
            session, at=AT, learner=LEARNER, mis_id="A1001", slot="7", zone=LONDON
        )


def outbox(book: Book, *, is_dsl: bool) -> tuple[str, ...]:
    with book.sessions() as session:
        view = office_view(session, school=SchoolConfig(), now=AT, is_dsl=is_dsl)
    return view.outbox


def test_an_office_user_who_is_not_the_dsl_sees_no_safeguarding_notification(book) -> None:
    a_morning_of_notifications(book)
    listed = outbox(book, is_dsl=False)
    # The DSL's two wait as bare lines (R22: the office chases them in person), no detail.
    waiting = [line for line in listed if "not yet delivered to the DSL" in line]
    assert len(waiting) == 2
    shown = [line for line in listed if line not in waiting]
    assert len(shown) == 2
    assert all(" to attendance: " in line for line in shown)
    assert any("Not admitted" in line for line in shown)
    assert any("Phone to be collected" in line for line in shown)
    text = "\n".join(listed)
    assert "exception" not in text.lower() and "police" not in text.lower()
    assert "to dsl" not in text and "A1001" not in "\n".join(waiting)


def test_the_dsl_sees_every_notification_waiting(book) -> None:
    a_morning_of_notifications(book)
    shown = "\n".join(outbox(book, is_dsl=True))
    assert shown.count("\n") == 3
    assert "to dsl: Search exception used: A1001" in shown
    assert "to dsl: Item for the police: A1001" in shown
    assert "to attendance: Not admitted" in shown
