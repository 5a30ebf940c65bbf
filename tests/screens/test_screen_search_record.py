"""The search record: scope first, grounds and sought required, items by their rules, the DSL."""

from __future__ import annotations

from textual.widgets import Button, Checkbox, Input, Select

from kiosk.domain.items import Disposition, ItemCategory
from kiosk.domain.search import SearchLevel, UrgentException
from kiosk.domain.search_record import Consent
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.views.desk import ItemEntry, SearchRecorded, SearchSetup
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


async def fill(pilot, *, consent: str = "yes") -> None:
    """Place, consent, grounds and sought: what every search record needs."""
    await type_into(pilot, "#place", "room 4")
    await tap(pilot, f"#consent-{consent}")
    await type_into(pilot, "#grounds", "arch alarm")
    await type_into(pilot, "#sought", "blade")


async def test_r10_r12_save_is_disabled_until_place_consent_grounds_and_sought_are_filled() -> None:
    """R10, R12: the place and the learner's consent (yes or no) are required."""
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        assert not enabled(app, "#save")
        await type_into(pilot, "#grounds", "arch alarm")
        await type_into(pilot, "#sought", "blade")
        assert not enabled(app, "#save")
        await tap(pilot, "#save")
        assert app.result is UNSET
        await type_into(pilot, "#place", "room 4")
        assert not enabled(app, "#save"), "consent is not yet recorded"
        await tap(pilot, "#consent-no")
        assert enabled(app, "#save")


async def test_r23_a_search_with_nothing_found_is_recorded_with_how_the_parent_was_told() -> None:
    """R23: "parent informed" needs how; the record carries it."""
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#level-medium")
        await fill(pilot)
        await type_into(pilot, "#outcome", "nothing found")
        await tap(pilot, "#parent-informed")
        assert not enabled(app, "#save"), "how the parent was told is not yet said"
        await tap(pilot, "#parent-how-0")
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
            consent=Consent.YES,
            parent_informed_how="phone",
        )


async def test_r23_a_parent_not_yet_told_is_recorded_with_why() -> None:
    """R23: not told is recorded as such, with why, never as told."""
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await fill(pilot)
        await type_into(pilot, "#parent-why-not", "no answer on both numbers")
        await tap(pilot, "#save")
        assert not app.result.parent_informed
        assert app.result.parent_not_informed_reason == "no answer on both numbers"


async def test_disposition_is_limited_to_the_category_rule_with_its_default() -> None:
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await choose(pilot, "#item-category", "alcohol")
        dispositions = app.screen.query_one("#item-disposition", Select)
        assert dispositions.value is Disposition.RETAINED
        await choose(pilot, "#item-disposition", "disposed of")
        assert dispositions.value is Disposition.DISPOSED
        assert not app.screen.query_one("#item-police-ref", Input).display


async def test_r21_r22_a_police_item_says_the_dsl_is_told_but_never_ticks_it() -> None:
    """R21, R22: the DSL must be told and a message goes; "DSL informed" is never ticked for
    staff (the record says told when it is delivered, or when staff say they told them)."""
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
        assert not dsl.value and not dsl.disabled
        assert "The DSL must be told: knives and weapons handed to the police." in shown(app)
        await fill(pilot)
        await tap(pilot, "#save")
        assert app.result.items == (
            ItemEntry(
                ItemCategory.WEAPON, "folding knife", Disposition.POLICE, police_reference="CAD 123"
            ),
        )
        assert not app.result.dsl_informed


async def test_r15_a_lighter_cannot_be_handed_back_to_the_learner() -> None:
    """R15: a lighter, as its own category or written as a school-rules item, never goes back."""
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await choose(pilot, "#item-category", "lighters")
        options = [str(o) for o in app.screen.query_one("#item-disposition", Select)._options]
        assert not any("returned at end" in o for o in options)
        await choose(pilot, "#item-category", "other items banned by the school's rules")
        await choose(pilot, "#item-disposition", "returned at end of day")
        await type_into(pilot, "#item-description", "clipper lighter")
        assert not enabled(app, "#add-item")


async def test_r11_physical_intervention_is_recorded_and_the_dsl_must_be_told() -> None:
    """R11: force is recorded (what, by whom, why) and the DSL told."""
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await type_into(pilot, "#force", "held wrist briefly, Dan, to stop a punch")
        assert "physical intervention was used" in shown(app)
        await fill(pilot)
        await tap(pilot, "#save")
        assert app.result.physical_intervention == "held wrist briefly, Dan, to stop a punch"


async def test_r9_the_learners_year_and_send_are_shown_and_adjustments_recorded() -> None:
    """R9: the year group and SEND flag on the search record; adjustments written down."""
    app = Harness(
        SearchRecordScreen(
            "Shiv", LAWFUL, list(ItemCategory), learner_note="Year 7 · SEND: make adjustments"
        )
    )
    async with app.run_test(size=(100, 30)) as pilot:
        assert "Year 7 · SEND" in shown(app)
        await type_into(pilot, "#adjustments", "explained each step first")
        await fill(pilot)
        await tap(pilot, "#save")
        assert app.result.adjustments == "explained each step first"


async def test_removed_item_is_not_recorded() -> None:
    app = record()
    async with app.run_test(size=(100, 30)) as pilot:
        await choose(pilot, "#item-category", "tobacco and cigarette papers")
        await type_into(pilot, "#item-description", "cigarettes")
        await tap(pilot, "#add-item")
        await choose(pilot, "#item-category", "other items banned by the school's rules")
        await type_into(pilot, "#item-description", "fidget spinner")
        await tap(pilot, "#add-item")
        await tap(pilot, "#remove-0")
        await fill(pilot)
        await tap(pilot, "#save")
        assert app.result.items == (
            ItemEntry(ItemCategory.SCHOOL_RULES, "fidget spinner", Disposition.RETURN_END_OF_DAY),
        )
        assert not app.result.dsl_informed


async def test_urgent_exception_notes_the_dsl_without_ticking_it() -> None:
    app = record(URGENT)
    async with app.run_test(size=(100, 30)):
        assert not app.screen.query_one("#dsl-informed", Checkbox).value
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
