"""The office screen's outbox through the app: safeguarding notifications for the DSL only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from kiosk.config import PolicyConfig
from kiosk.notify.queue import queue_exception_used, queue_police_item, queue_refusal
from kiosk.screens.office import OfficeScreen
from tests.app.conftest import LONDON, MORNING, Station
from tests.app.test_desk_flow import sign_on
from tests.screens.harness import tap

HELEN, GRAINNE = "1A00990005", "1A00990006"  # S05 office, S06 DSL and office
SHIV = "Siobhán O'Brien (A1002, 9K)"


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    st = Station(tmp_path, MORNING, PolicyConfig(phone_handin="off", screening="off"), demo=False)
    with st.book.sessions.begin() as session:
        queue_refusal(
            session, at=MORNING, day=date(2026, 11, 23), learner=SHIV, mis_id="A1002",
            comment="refused search: not admitted", zone=LONDON,
        )  # fmt: skip
        queue_exception_used(
            session, at=MORNING, learner=SHIV, searcher="Daniel Reid (S02)",
            reason="Blade seen; no female staff on site", mis_id="A1002", zone=LONDON,
        )  # fmt: skip
        queue_police_item(
            session, at=MORNING, learner=SHIV, category="knife", description="blade",
            searcher="Daniel Reid (S02)", mis_id="A1002", zone=LONDON,
        )  # fmt: skip
    yield st
    st.close()
    st.book.close()


async def outbox_seen_by(st: Station, badge: str) -> tuple[str, str]:
    """The outbox tab's title and its list, as the staff member with `badge` sees them."""
    from textual.widgets import Static, TabbedContent

    async with st.app.run_test(size=(100, 30)) as pilot:
        await sign_on(st, pilot, badge)
        await tap(pilot, "#office")
        screen = st.app.screen
        assert isinstance(screen, OfficeScreen)
        await tap(pilot, "#--content-tab-outbox")
        title = str(screen.query_one(TabbedContent).get_tab("outbox").label)
        return title, str(screen.query_one("#outbox-list", Static).render())


async def test_an_office_user_who_is_not_the_dsl_sees_no_dsl_notification(station) -> None:
    title, listed = await outbox_seen_by(station, HELEN)
    # The DSL's two are counted and listed bare (R22: the office chases them), no detail.
    assert title == "Outbox (3)"
    assert listed.count("not yet delivered to the DSL") == 2
    assert "Not admitted: Siobhán O'Brien" in listed
    assert "Search exception" not in listed and "police" not in listed.lower()


async def test_the_dsl_sees_the_safeguarding_notifications_in_the_outbox(station) -> None:
    title, listed = await outbox_seen_by(station, GRAINNE)
    assert title == "Outbox (3)"
    assert "Not admitted: Siobhán O'Brien" in listed
    assert "to dsl: Search exception used: A1002" in listed
    assert "to dsl: Item for the police: A1002" in listed
