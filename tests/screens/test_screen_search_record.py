"""The search record: scope first, grounds and sought required, items by their rules, the DSL."""

from __future__ import annotations

from textual.widgets import Button, Checkbox, Input, Select

from kiosk.domain.items import Disposition, ItemCategory
from kiosk.domain.search import SearchLevel, UrgentException
from kiosk.screens.results import ItemEntry, SearchRecorded, SearchSetup
from kiosk.screens.search_record import SearchRecordScreen
from tests.screens.harness import UNSET, Harness, choose, shown, tap

LAWFUL = SearchSetup("S1", "S5", None)
URGENT = SearchSetup("S2", "S4", UrgentException(True, True, "knife seen in bag"))


def record(setup: SearchSetup = LAWFUL) -> Harness:
    return Harness(SearchRecordScreen("Shiv", setup, list(ItemCategory)))


async def type_into(pilot, selector: str, text: str) -> None:
    await tap(pilot, selector)
    await pilot.press(*text)
    await pilot.pause()


def enabled(app, selector: str) -> bool:
    return not app.screen.query_one(selector, Button).disabled


async def test_scope_reminder_is_shown_at_the_top() -> None:
    app = record()
    async with app.run_test(size=(100, 30)):
        text = shown(app)
        assert "Outer clothing only" in text and "Pockets." in text
        assert "Never an intimate search" in text


async def test_save_is_disabled_until_grounds_and_sought_are_filled() -> None:
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        assert not enabled(app, "#save")
        await type_into(pilot, "#grounds", "arch alarm")
        assert not enabled(app, "#save")
        await tap(pilot, "#save")
        assert app.result is UNSET
        await type_into(pilot, "#sought", "blade")
        assert enabled(app, "#save")


async def test_a_search_with_nothing_found_is_recorded() -> None:
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#level-medium")
        await type_into(pilot, "#place", "room 4")
        await type_into(pilot, "#grounds", "arch alarm")
        await type_into(pilot, "#sought", "blade")
        await type_into(pilot, "#outcome", "nothing found")
        await tap(pilot, "#parent-informed")
        await tap(pilot, "#save")
        assert app.result == SearchRecorded(
            level=SearchLevel.MEDIUM,
            place="room 4",
            grounds="arch alarm",
            sought="blade",
            outcome="nothing found",
            items=(),
            parent_informed=True,
            dsl_informed=False,
        )


async def test_disposition_is_limited_to_the_category_rule_with_its_default() -> None:
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await choose(pilot, "#item-category", "alcohol")
        dispositions = app.screen.query_one("#item-disposition", Select)
        assert dispositions.value is Disposition.RETAINED
        await choose(pilot, "#item-disposition", "disposed of")
        assert dispositions.value is Disposition.DISPOSED
        assert not app.screen.query_one("#item-police-ref", Input).display


async def test_police_item_needs_a_reference_and_ticks_dsl_informed() -> None:
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await choose(pilot, "#item-category", "knives and weapons")
        assert app.screen.query_one("#item-police-ref", Input).display
        await type_into(pilot, "#item-description", "folding knife")
        assert not enabled(app, "#add-item"), "a hand-over needs the police reference"
        await type_into(pilot, "#item-police-ref", "CAD 123")
        await tap(pilot, "#add-item")
        assert "knives and weapons: folding knife (handed to police)" in shown(app)
        dsl = app.screen.query_one("#dsl-informed", Checkbox)
        assert dsl.value and dsl.disabled
        assert "The DSL must be told: knives and weapons handed to the police." in shown(app)
        await type_into(pilot, "#grounds", "arch alarm")
        await type_into(pilot, "#sought", "blade")
        await tap(pilot, "#save")
        assert app.result.items == (
            ItemEntry(
                ItemCategory.WEAPON, "folding knife", Disposition.POLICE, police_reference="CAD 123"
            ),
        )
        assert app.result.dsl_informed


async def test_removed_item_is_not_recorded() -> None:
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await choose(pilot, "#item-category", "tobacco and cigarette papers")
        await type_into(pilot, "#item-description", "cigarettes")
        await tap(pilot, "#add-item")
        await choose(pilot, "#item-category", "items banned by the school's rules")
        await type_into(pilot, "#item-description", "vape")
        await tap(pilot, "#add-item")
        await tap(pilot, "#remove-0")
        await type_into(pilot, "#grounds", "smell of smoke")
        await type_into(pilot, "#sought", "cigarettes")
        await tap(pilot, "#save")
        assert app.result.items == (
            ItemEntry(ItemCategory.SCHOOL_RULES, "vape", Disposition.RETURN_END_OF_DAY),
        )
        assert not app.result.dsl_informed


async def test_urgent_exception_ticks_and_notes_dsl_informed() -> None:
    app = record(URGENT)
    async with app.run_test(size=(100, 30)):
        assert app.screen.query_one("#dsl-informed", Checkbox).value
        text = shown(app)
        assert "Urgent exception used: knife seen in bag" in text
        assert "The DSL must be told: the urgent exception was used." in text


async def test_cancel_dismisses_with_none() -> None:
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#cancel")
        assert app.result is None


def test_search_record_snapshot(snap_compare) -> None:
    assert snap_compare(record(URGENT), terminal_size=(100, 30))
