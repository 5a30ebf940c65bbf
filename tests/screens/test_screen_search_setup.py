"""Search setup: same-sex authorised searcher, a different witness, or the urgent exception."""

from __future__ import annotations

from textual.widgets import Button

from kiosk.domain.people import Role, Sex, StaffMember
from kiosk.domain.search import UrgentException, search_requirement
from kiosk.screens.search_setup import SearchSetupScreen
from kiosk.views.desk import SearchSetup
from tests.screens.harness import UNSET, Harness, shown, tap

SEARCHER = frozenset({Role.SCREENER, Role.SEARCHER})
SCREENER = frozenset({Role.SCREENER})

ADA = StaffMember("S1", "Ada Okafor", Sex.FEMALE, SEARCHER)
BEN = StaffMember("S2", "Ben Hughes", Sex.MALE, SEARCHER)
CAL = StaffMember("S3", "Cal Price", Sex.MALE, SCREENER)
DEE = StaffMember("S4", "Dee Rowe", None, SEARCHER)
EVE = StaffMember("S5", "Eve Shah", Sex.FEMALE, SCREENER)
FAY = StaffMember("S6", "Fay Lund", Sex.FEMALE, SEARCHER)


def screen_for(on_duty: list[StaffMember], sex: Sex | None = Sex.FEMALE) -> Harness:
    return Harness(SearchSetupScreen("Shiv", search_requirement(sex, on_duty), on_duty))


def start(app) -> Button:
    return app.screen.query_one("#start", Button)


async def test_lawful_search_suggests_same_sex_searcher_and_witness_and_starts() -> None:
    app = screen_for([ADA, CAL, EVE])
    async with app.run_test(size=(100, 30)) as pilot:
        assert "A lawful search is possible" in shown(app)
        assert not app.screen.query("#exception")
        assert not start(app).disabled
        await tap(pilot, "#start")
        assert app.result == SearchSetup("S1", "S5", None)


async def test_staff_may_pick_another_witness() -> None:
    app = screen_for([ADA, CAL, EVE])
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#witness-1")
        await tap(pilot, "#start")
        assert app.result == SearchSetup("S1", "S3", None)


async def test_witness_equal_to_the_searcher_cannot_be_chosen() -> None:
    app = screen_for([ADA, FAY, CAL])
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.screen.query_one("#witness-0", Button).disabled, "Ada is the searcher"
        await tap(pilot, "#searcher-1")  # Fay searches: she was the suggested witness
        assert app.screen.query_one("#witness-1", Button).disabled
        assert start(app).disabled, "the witness was cleared, not kept as the searcher"
        await tap(pilot, "#witness-1")
        await tap(pilot, "#start")
        assert app.result is UNSET
        await tap(pilot, "#witness-0")
        await tap(pilot, "#start")
        assert app.result == SearchSetup("S6", "S1", None)


async def test_unauthorised_staff_are_never_offered_as_searcher() -> None:
    app = screen_for([BEN, CAL, DEE, EVE])  # no female searcher: the exception lists the rest
    async with app.run_test(size=(100, 30)):
        offered = {b.id for b in app.screen.query("#searchers Button").results(Button)}
        assert offered == {"searcher-0", "searcher-2"}, "Ben and Dee; never Cal or Eve"


async def test_no_female_searcher_needs_the_complete_exception_before_start() -> None:
    app = screen_for([BEN, CAL, DEE])
    async with app.run_test(size=(100, 30)) as pilot:
        text = shown(app)
        assert "No authorised female searcher on duty." in text
        assert "designated safeguarding lead will be told" in text
        await tap(pilot, "#searcher-0")
        assert start(app).disabled
        await tap(pilot, "#serious-harm")
        assert start(app).disabled
        await tap(pilot, "#not-practicable")
        assert start(app).disabled, "no written reason yet"
        await tap(pilot, "#exception-reason")
        await pilot.press(*"knife")
        assert start(app).disabled, "too short to say anything"
        await pilot.press(*" seen in bag")
        await pilot.pause()
        assert not start(app).disabled
        await tap(pilot, "#serious-harm")
        assert start(app).disabled, "both conditions, always"
        await tap(pilot, "#serious-harm")
        await tap(pilot, "#start")
        assert app.result == SearchSetup(
            "S2", "S4", UrgentException(True, True, "knife seen in bag")
        )


async def test_exception_may_go_ahead_without_a_witness() -> None:
    app = screen_for([ADA], sex=Sex.MALE)
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#searcher-0")
        await tap(pilot, "#witness-none")
        await tap(pilot, "#serious-harm")
        await tap(pilot, "#not-practicable")
        await tap(pilot, "#exception-reason")
        await pilot.press(*"threatened others")
        await tap(pilot, "#start")
        assert app.result == SearchSetup(
            "S1", None, UrgentException(True, True, "threatened others")
        )


async def test_cancel_dismisses_with_none() -> None:
    app = screen_for([ADA, EVE])
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#cancel")
        assert app.result is None


def test_search_setup_lawful_snapshot(snap_compare) -> None:
    assert snap_compare(screen_for([ADA, CAL, EVE]), terminal_size=(100, 30))


def test_search_setup_needing_the_exception_snapshot(snap_compare) -> None:
    assert snap_compare(screen_for([BEN, CAL, DEE]), terminal_size=(100, 30))
