"""The office's follow-up lists, read against the rules register: police hand-overs pending
(R18), parents not yet told (R23), late detentions (R26), persistent late-comers (R27).

The lists are the office web page's own functions (kiosk.office_web); these tests hold the
rules on them directly, so a change to a page cannot quietly drop one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.items import Disposition, ItemCategory
from kiosk.domain.people import StaffRef
from kiosk.office_web.followups import (
    FollowUpError,
    add_police_reference,
    police_references_to_follow,
    record_parents_told,
)
from kiosk.office_web.reports import late_detentions, persistent_lates, searches_parents_not_told
from records.audit import AuditRecord
from records.models import FoundItemRecord, SearchRecord, SessionMarkRecord
from tests.records.recordbook import Book

ZONE = ZoneInfo("Europe/London")
AT = datetime(2026, 11, 23, 8, 50, tzinfo=UTC)
DAY = AT.date()


def _search(book: Book, *, parent_informed: bool = False, reference: str = "") -> int:
    with book.sessions.begin() as session:
        search = SearchRecord(
            learner_id=book.learner_id,
            started_at=AT,
            place="medical room",
            searcher_id=book.searcher_id,
            witness_id=book.witness_id,
            level="low",
            grounds="arch alarm",
            sought="knife",
            same_sex_searcher=True,
            witness_present=True,
            exception_used=False,
            parent_informed=parent_informed,
            dsl_informed=False,
            recorded_by_id=book.searcher_id,
            created_at=AT,
        )
        search.items.append(
            FoundItemRecord(
                category=ItemCategory.WEAPON.value,
                description="folding knife",
                disposition=Disposition.POLICE.value,
                handed_to="PC Shah",
                police_reference=reference,
                disposition_reason="" if reference else "the officer will phone with it",
            )
        )
        session.add(search)
        session.flush()
        return search.id


def _actions(book: Book) -> list[str]:
    with book.sessions() as session:
        return list(session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


def test_r18_a_police_hand_over_is_pending_until_its_reference_is_added(book: Book) -> None:
    """R18: items to the police without a reference are listed; the reference added later, by
    whom (audited), takes the item off the list."""
    _search(book, reference="CAD 1/26")  # handed over with its reference: not pending
    _search(book)
    with book.sessions() as session:
        [pending] = police_references_to_follow(session, ZONE)
    assert (pending.description, pending.handed_to) == ("folding knife", "PC Shah")

    with book.sessions.begin() as session:
        add_police_reference(
            session, pending.item_id, "CAD 4411/23", at=AT + timedelta(hours=2), by=StaffRef("S1")
        )
    with book.sessions() as session:
        assert police_references_to_follow(session, ZONE) == []
        assert session.get_one(FoundItemRecord, pending.item_id).police_reference == "CAD 4411/23"
    assert _actions(book)[-1] == "search.police_reference_added"


def test_r23_a_search_whose_parents_are_not_told_is_listed_until_they_are(book: Book) -> None:
    """R23: searches whose parents are not yet told are listed; told later records how and
    when, set by the member of staff saying so, never by a default."""
    _search(book, parent_informed=True, reference="CAD 1/26")
    search_id = _search(book, reference="CAD 2/26")
    with book.sessions() as session:
        [line] = searches_parents_not_told(session, DAY, DAY, ZONE)
    assert line.search_id == str(search_id)

    with book.sessions.begin() as session, pytest.raises(FollowUpError):
        record_parents_told(session, search_id, "  ", at=AT, by=StaffRef("S1"))  # how is required
    told_at = AT + timedelta(hours=3)
    with book.sessions.begin() as session:
        record_parents_told(
            session, search_id, "phone, to his father", at=told_at, by=StaffRef("S1")
        )
    with book.sessions() as session:
        assert searches_parents_not_told(session, DAY, DAY, ZONE) == []
        search = session.get_one(SearchRecord, search_id)
        assert search.parent_informed and search.parent_informed_how == "phone, to his father"
        assert search.parent_informed_at is not None
        assert search.parent_informed_at.replace(tzinfo=UTC) == told_at
    assert _actions(book)[-1] == "search.parents_told"


def _mark(book: Book, day: date, code: str, *, detention: bool = False) -> None:
    with book.sessions.begin() as session:
        session.add(
            SessionMarkRecord(
                learner_id=book.learner_id,
                date=day,
                session="AM",
                code=code,
                minutes_late=25 if code != "/" else 0,
                late_detention=detention,
                updated_at=AT,
            )
        )


def test_r26_the_days_late_detentions_are_listed_for_the_office(book: Book) -> None:
    """R26: late without a note after the register closed: on the day's detention list."""
    _mark(book, DAY, "U", detention=True)
    _mark(book, DAY - timedelta(days=1), "U", detention=True)  # another day's list
    with book.sessions() as session:
        listed = late_detentions(session, DAY, SchoolSession.AM)
    assert [(learner.mis_id, minutes) for learner, minutes, _ in listed] == [("A1001", 25)]


def test_r27_persistent_late_comers_over_the_threshold_are_listed(book: Book) -> None:
    """R27: late marks counted over a window; a learner at the threshold is listed."""
    for back in (0, 1, 2):
        _mark(book, DAY - timedelta(days=back), "L")
    _mark(book, DAY - timedelta(days=3), "/")
    with book.sessions() as session:
        at_three = persistent_lates(session, last=DAY, weeks=1, at_least=3)
        at_four = persistent_lates(session, last=DAY, weeks=1, at_least=4)
    assert [(learner.mis_id, count) for learner, count in at_three] == [("A1001", 3)]
    assert at_four == []
