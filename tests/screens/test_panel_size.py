"""Every staff screen on the 7-inch panel: each action reachable by touch at 64x20, no keyboard
needed, and snapshots at the test size (100x30) and the panel's grids (80x24, 64x20)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Input

from kiosk.domain.items import ItemCategory
from kiosk.domain.lane import Need
from kiosk.domain.people import Role, Sex, StaffMember
from kiosk.domain.search import AppropriateAdult, duty_warnings, search_requirement
from kiosk.screens.duty import DutyScreen
from kiosk.screens.find_learner import FindLearnerScreen
from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen
from kiosk.screens.lane import LaneChoice, LaneScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.office import OfficeScreen
from kiosk.screens.pin_pad import PinPadScreen
from kiosk.screens.refusal import RefusalScreen
from kiosk.screens.roll import RollScreen
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.search_setup import SearchSetupScreen
from kiosk.screens.sign_out import SignOutScreen
from kiosk.views.desk import (
    DeskAction,
    DutyClosed,
    LearnerDeskView,
    LearnerMatch,
    LearnerPicked,
    PinEntered,
    RefusalConfirmed,
    SearchSetup,
)
from kiosk.views.lane import LaneRow, LaneView
from kiosk.views.office import OfficeLearnerRow, OfficePhoneRow, OfficeView
from kiosk.views.on_site import (
    AwaitingCollection,
    ParentCollected,
    Roll,
    RollGroup,
    RollLearner,
    RollSignedOut,
    RollStaff,
    SignOutChosen,
)
from tests.screens.harness import UNSET, Harness, choose, shown, tap

PANEL = (64, 20)
SIZES = [(100, 30), (80, 24), (64, 20)]
SEARCHER = frozenset({Role.SCREENER, Role.SEARCHER})
ADA = StaffMember("S1", "Ada Okafor", Sex.FEMALE, SEARCHER)
BEN = StaffMember("S2", "Ben Hughes", Sex.MALE, SEARCHER)
CAL = StaffMember("S3", "Cal Price", Sex.MALE, frozenset({Role.SCREENER}))
LATE_REASONS = (
    ("Bus late", "bus late"),
    ("Medical", "medical appointment"),
    ("Overslept", "overslept"),
    ("Family", "family circumstances"),
)
EVERYTHING_TO_DO = LearnerDeskView(
    first_name="Chidi",
    surname="Okeke",
    reg_group="9B",
    year_group="9",
    mark_code="U",
    minutes_late=35,
    arrived_local="09:15",
    late_detention=True,
    phone_policy="required",
    phone_done=False,
    screening_policy="required",
    selected_for_screening=True,
    screening_result=None,
    sen=True,
    in_arch=True,
    may_admit=False,
    waiting_for="The school requires phones to be handed in first.",
)
AFTER_ALARM = replace(
    EVERYTHING_TO_DO, phone_done=True, screening_result="alarm", in_arch=False, may_admit=True
)
LEARNERS = [LearnerMatch(n, f"Chidi Okafor {n}", "9B", "Chidi") for n in range(12)]


def desk(view: LearnerDeskView = EVERYTHING_TO_DO) -> Harness:
    return Harness(LearnerDeskScreen(view, LATE_REASONS))


def setup_with_exception() -> Harness:
    on_duty = [BEN, CAL]  # no woman on duty: a girl's search needs the exception
    return Harness(SearchSetupScreen("Shiv", search_requirement(Sex.FEMALE, on_duty), on_duty))


def record() -> Harness:
    return Harness(SearchRecordScreen("Chidi", SearchSetup("S1", "S2", None), list(ItemCategory)))


NOW = datetime(2026, 11, 23, 8, 52, tzinfo=UTC)


def _in_flight(n: int, name: str, step: str, minutes: int, *needs: Need, **more) -> LaneRow:
    fields = {
        "slot": "",
        "in_arch": None,
        "phone_done": step != "phone",
        "selected": True,
        "screening": None,
        "search_done": False,
        "late_reason": "",
    } | more
    since = NOW - timedelta(minutes=minutes)
    return LaneRow(n, name, step, since=since, needs=needs, arrived_at=since, **fields)


IN_FLIGHT = LaneView(
    rows=(
        _in_flight(1, "Chidi", "search", 4, Need.ALARM, slot="12", screening="alarm"),
        _in_flight(2, "Zoë", "screening", 2, Need.LATE, slot="13", in_arch=1),
        _in_flight(3, "Amara", "screening", 1, slot="14", in_arch=2),
        _in_flight(4, "Shiv", "phone", 3, Need.NO_PHONE),
        _in_flight(5, "Tomasz", "phone", 0),
    ),
    alarms=(),
    admitted=41,
    refused=1,
    session="AM",
)


def lane() -> Harness:
    screen = LaneScreen(IN_FLIGHT, lambda: NOW, office=True)
    screen.say("Good morning, Tomasz", "Phone in the next free slot")
    return Harness(screen)


def _pupil(n: int, surname: str, forename: str, group: str, *, code: str = "", late: int = 0):
    comment = "bus late" if late else ""
    return OfficeLearnerRow(n, f"{forename} {surname}", group, code, late, comment, (0, 1, 0, 2))


MORNING = OfficeView(
    day="Mon 23 Nov",
    is_dsl=False,
    arrived=tuple(_pupil(n, "Okafor", f"Pupil {n}", "9B", code="/") for n in range(40)),
    not_in=(
        _pupil(50, "Nowak", "Zoë", "9K"),
        _pupil(51, "Price", "Amara", "10C"),
        _pupil(52, "Hughes", "Rhys", "7A"),
    ),
    lates=(
        _pupil(53, "Okeke", "Chidi", "9B", code="L", late=12),
        _pupil(54, "Patel", "Shiv", "8D", code="U", late=35),
    ),
    refusals=(_pupil(55, "Evans", "Kai", "11A", code="O"),),
    arrivals_per_minute=(0, 2, 5, 9, 14, 11, 6, 3, 1, 0, 2),
    first_minute="08:30",
    phones=(OfficePhoneRow(53, "12", "Chidi Okeke", "9B", "08:47", False),),
    searches=(),
    outbox=("attendance officer: Kai Evans refused screening",),
)


def office() -> Harness:
    return Harness(OfficeScreen(MORNING, "/media/kiosk-usb"))


def _on_roll(n: int, surname: str, forename: str) -> RollLearner:
    return RollLearner(n, f"A{1000 + n}", surname, forename, "9", f"08:{30 + n:02d}")


ON_SITE = Roll(
    school="Hillside Academy",
    taken_at="2026-11-23 08:52",
    groups=(
        RollGroup("9B", (_on_roll(1, "Okeke", "Chidi"), _on_roll(2, "Okafor", "Ada"))),
        RollGroup("9K", (_on_roll(3, "Nowak", "Zoë"),)),
        RollGroup("10C", (_on_roll(4, "Price", "Amara"), _on_roll(5, "Patel", "Shiv"))),
    ),
    staff=(
        RollStaff("S01", "Khan", "Aisha", "main", "08:05"),
        RollStaff("S03", "Evans", "Bethan", "main", "08:10"),
    ),
    signed_out=(RollSignedOut(6, "Hughes, Rhys", "7A", "08:45", "illness"),),
)


def roll() -> Harness:
    return Harness(RollScreen(ON_SITE))


def sign_out() -> Harness:
    return Harness(SignOutScreen(ON_SITE))


async def on_keys(pilot, text: str) -> None:
    """Write `text` by touching the on-screen keys, as staff without a keyboard do."""
    for char in text:
        key = "space" if char == " " else f"k{ord(char)}"
        await tap(pilot, f"#kb-{key}")


async def on_keys_cased(pilot, text: str) -> None:
    """As `on_keys`, a capital letter written with the one-shot shift key, as names are."""
    for char in text:
        if char.isupper():
            await tap(pilot, "#kb-shift")
        await on_keys(pilot, char.lower())


# --- every action reachable at 64x20 --------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "selector", "kind"),
    [
        (EVERYTHING_TO_DO, "#no-phone", "no_phone"),
        (EVERYTHING_TO_DO, "#arch-clear", "arch_clear"),
        (EVERYTHING_TO_DO, "#arch-alarm", "arch_alarm"),
        (EVERYTHING_TO_DO, "#wand-clear", "wand_clear"),
        (EVERYTHING_TO_DO, "#wand-alarm", "wand_alarm"),
        (EVERYTHING_TO_DO, "#search", "search"),
        (EVERYTHING_TO_DO, "#refuse", "refuse"),
        (EVERYTHING_TO_DO, "#influence", "influence"),
        (AFTER_ALARM, "#influence", "influence"),
        (AFTER_ALARM, "#send-back", "send_back"),
        (AFTER_ALARM, "#admit", "admit"),
    ],
)
async def test_every_desk_step_is_reached_by_touch_on_the_panel(view, selector, kind) -> None:
    app = desk(view)
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, selector)
        assert app.result == DeskAction(kind)


async def test_what_admit_waits_for_and_admit_stay_on_the_panel_while_the_steps_scroll() -> None:
    app = desk()
    async with app.run_test(size=PANEL) as pilot:
        app.screen.query_one("#refuse").scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        for selector in ("#waiting", "#admit", "#back"):
            widget = app.screen.query_one(selector)
            assert widget.region.bottom <= PANEL[1] and widget.region.height > 0, selector
        assert "Admit waits" in str(app.screen.query_one("#waiting").render())


async def test_a_slot_and_a_late_reason_are_given_by_touch_alone() -> None:
    app = desk(replace(EVERYTHING_TO_DO, slot=""))
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#late-1")
        await tap(pilot, "#slot")
        for key in ("1", "4", "7", "back", "done"):
            await tap(pilot, f"#digit-{key}")
        assert app.screen.query_one("#slot", Input).value == "14"
        await tap(pilot, "#phone-in")
        assert app.result == DeskAction("phone_in", slot="14", late_reason="medical appointment")


async def test_a_late_reason_of_their_own_is_written_on_the_on_screen_keyboard() -> None:
    app = desk(replace(EVERYTHING_TO_DO, phone_done=True))
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#late-reason")
        await on_keys(pilot, "car broke")
        await tap(pilot, "#kb-done")
        await tap(pilot, "#arch-clear")
        assert app.result == DeskAction("arch_clear", late_reason="car broke")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("#close", DutyClosed()),
        ("#find-learner", DutyClosed(find_learner=True)),
        ("#office", DutyClosed(office=True)),
    ],
)
async def test_every_duty_button_is_on_the_panel(selector, expected) -> None:
    on_duty = [ADA, BEN, CAL] * 4  # a long list scrolls; the buttons do not
    app = Harness(DutyScreen(on_duty, duty_warnings([CAL]), office=True))
    async with app.run_test(size=PANEL) as pilot:
        await pilot.click(selector)  # no scrolling: the buttons are always in sight
        await pilot.pause()
        assert app.result == expected


async def test_the_urgent_exception_is_recorded_by_touch_alone_on_the_panel() -> None:
    app = setup_with_exception()
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#searcher-0")
        await tap(pilot, "#witness-none")
        await tap(pilot, "#serious-harm")
        await tap(pilot, "#not-practicable")
        await tap(pilot, "#exception-reason")
        await on_keys(pilot, "blade seen no woman on site")
        await tap(pilot, "#kb-done")
        await tap(pilot, "#start")
        assert app.result is not UNSET and app.result.exception is not None
        assert app.result.exception.reason == "blade seen no woman on site"


async def test_r6_a_named_adult_witness_is_chosen_by_touch_alone_on_the_panel() -> None:
    """R6: with no woman on duty to witness, a girl's mother witnesses Ada's search: named,
    her relation touched, the risk affirmed; no exception is needed."""
    on_duty = [ADA, BEN]
    app = Harness(SearchSetupScreen("Shiv", search_requirement(Sex.FEMALE, [ADA]), on_duty))
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#witness-adult")
        await tap(pilot, "#significant-risk")
        await tap(pilot, "#adult-name")
        await on_keys_cased(pilot, "Ngozi Okafor")
        await tap(pilot, "#kb-done")
        await tap(pilot, "#relation-0")
        assert not app.screen.query_one("#exception").display  # the rule is met
        await tap(pilot, "#start")
        assert app.result is not UNSET and app.result.exception is None
        assert app.result.witness_staff_id is None
        assert app.result.witness_adult == AppropriateAdult("Ngozi Okafor", "parent", True)


async def test_r28_a_parent_collecting_is_recorded_by_touch_alone_on_the_panel() -> None:
    """R28: a learner not admitted under the influence waits at the head of the sign-out list;
    who collected them is written on the on-screen keyboard."""
    waiting = AwaitingCollection(7, "Okafor, Chidi", "9B", "08:41")
    app = Harness(SignOutScreen(ON_SITE, awaiting=[waiting]))
    async with app.run_test(size=PANEL) as pilot:
        assert "waiting for a parent or carer" in shown(app)
        await tap(pilot, "#awaiting-0")
        assert app.screen.query_one("#collected").disabled
        await on_keys_cased(pilot, "Ngozi Okafor, mother")
        await tap(pilot, "#kb-done")
        await tap(pilot, "#collected")
        assert app.result == ParentCollected(7, "Ngozi Okafor, mother")


async def test_a_search_record_is_written_by_touch_alone_on_the_panel() -> None:
    app = record()
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#level-medium")
        await tap(pilot, "#place")
        await on_keys(pilot, "office")
        await tap(pilot, "#grounds-0")
        await tap(pilot, "#sought-0")
        await tap(pilot, "#outcome")
        await on_keys(pilot, "knife found")
        await choose(pilot, "#item-category", ItemCategory.WEAPON.label)
        await tap(pilot, "#item-description")
        await on_keys(pilot, "folding knife")
        await tap(pilot, "#item-police-ref")
        await on_keys(pilot, "cad 2211")
        await tap(pilot, "#kb-done")
        await tap(pilot, "#add-item")
        await tap(pilot, "#consent-yes")
        await tap(pilot, "#parent-informed")
        await tap(pilot, "#parent-how-0")
        await tap(pilot, "#dsl-informed")  # the searcher told the DSL in person
        await tap(pilot, "#save")
        result = app.result
        assert result is not UNSET
        assert (result.place, result.grounds, result.sought, result.outcome) == (
            "office",
            "arch alarm",
            ItemCategory.WEAPON.label,
            "knife found",
        )
        assert [item.description for item in result.items] == ["folding knife"]
        assert result.parent_informed and result.dsl_informed


async def test_a_learner_is_found_by_tapping_letters() -> None:
    people = [
        LearnerMatch(1, "Chidi Okafor", "9K", "Chidi"),
        LearnerMatch(2, "Zoë Nowak", "9K", "Zoë"),
    ]

    def search(text: str) -> list[LearnerMatch]:
        return [m for m in people if text.casefold() in m.name.casefold()]

    app = Harness(FindLearnerScreen("Find a learner", search))
    async with app.run_test(size=PANEL) as pilot:
        await on_keys(pilot, "no")
        await tap(pilot, "#match-0")
        assert app.result == LearnerPicked(2, "Zoë")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("#duty", LaneChoice("duty")),
        ("#find", LaneChoice("find")),
        ("#roll", LaneChoice("roll")),
        ("#sign_out", LaneChoice("sign_out")),
        ("#office", LaneChoice("office")),
        ("#lock", LaneChoice("lock")),
        ("#place-4", LaneChoice("learner", 5)),  # the fifth row, the last: scrolled to
    ],
)
async def test_every_queue_action_is_on_the_panel(selector, expected) -> None:
    app = lane()
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, selector)
        assert app.result == expected


async def test_a_learner_is_signed_out_for_a_reason_of_their_own_by_touch_alone() -> None:
    app = sign_out()
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#filter")
        await on_keys(pilot, "pat")
        await tap(pilot, "#kb-done")
        await tap(pilot, "#learner-4")
        await tap(pilot, "#reason-4")  # other: staff write why
        await on_keys(pilot, "dentist")
        await tap(pilot, "#kb-done")
        assert "Patel, Shiv (10C) · dentist" in shown(app)
        await tap(pilot, "#confirm")
        assert app.result == SignOutChosen(5, "dentist")


async def test_the_refusal_note_is_optional_and_confirm_is_reachable() -> None:
    app = Harness(RefusalScreen("Chidi", "search"))
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#confirm")
        assert app.result == RefusalConfirmed("")


async def test_a_keypad_or_keyboard_enters_the_pin_with_digits_and_enter() -> None:
    app = Harness(PinPadScreen("Ada"))
    async with app.run_test(size=PANEL) as pilot:
        await pilot.press("2", "0", "2", "7", "backspace", "6", "enter")
        assert app.result == PinEntered("2026")


async def test_enter_after_a_tapped_key_does_not_press_it_again() -> None:
    app = Harness(PinPadScreen("Ada"))
    async with app.run_test(size=PANEL) as pilot:
        for digit in "1234":
            await tap(pilot, f"#key-{digit}")
        await pilot.press("enter")
        assert app.result == PinEntered("1234")


# --- snapshots at the three sizes ------------------------------------------------------------


async def _typing_a_slot(pilot) -> None:
    await tap(pilot, "#slot")


async def _typing_the_exception(pilot) -> None:
    await tap(pilot, "#searcher-0")
    await tap(pilot, "#exception-reason")


async def _typing_what_was_sought(pilot) -> None:
    await tap(pilot, "#grounds-0")
    await tap(pilot, "#sought")


async def _two_letters(pilot) -> None:
    await on_keys(pilot, "ch")
    for _ in range(100):  # the matches are mounted after the name changes
        if pilot.app.screen.query("#match-7") and pilot.app.screen.query_one("#count").display:
            break
        await pilot.pause()
    await pilot.pause()


async def _three_digits(pilot) -> None:
    await pilot.press("1", "2", "3")


async def _both_conditions(pilot) -> None:
    await tap(pilot, "#serious-harm")
    await tap(pilot, "#not-practicable")


async def _export_tab(pilot) -> None:
    await tap(pilot, "#--content-tab-export")


async def _collected(pilot) -> None:
    await tap(pilot, "#learner-2")
    await tap(pilot, "#reason-2")


async def _other_reason(pilot) -> None:
    await tap(pilot, "#learner-2")
    await tap(pilot, "#reason-4")


def _idle() -> IdleScreen:
    return IdleScreen("Hillside Academy", lambda: datetime(2026, 11, 23, 8, 30, tzinfo=UTC))


SCREENS = {
    "pin_pad": (lambda: Harness(PinPadScreen("Ada", "Wrong PIN. 3 tries left.")), _three_digits),
    "duty": (lambda: Harness(DutyScreen([ADA, BEN, CAL], duty_warnings([CAL]), office=True)), None),
    "desk": (desk, None),
    "desk_typing_a_slot": (desk, _typing_a_slot),
    "find_learner": (
        lambda: Harness(FindLearnerScreen("Find a learner", lambda text: LEARNERS)),
        _two_letters,
    ),
    "search_setup_exception": (setup_with_exception, _typing_the_exception),
    "search_setup_conditions": (setup_with_exception, _both_conditions),
    "search_record": (record, None),
    "search_record_typing": (record, _typing_what_was_sought),
    "refusal": (lambda: Harness(RefusalScreen("Chidi", "screening")), None),
    "greeting": (
        lambda: Harness(
            GreetingScreen(
                "Good morning, Chidi",
                "Phone in slot 12, then walk through the arch.",
                tone="next",
                seconds=600,
            )
        ),
        None,
    ),
    "idle": (lambda: Harness(_idle()), None),
    "lane": (lane, None),
    "office": (office, None),
    "office_export": (office, _export_tab),
    "roll": (roll, None),
    "sign_out": (sign_out, None),
    "sign_out_collected": (sign_out, _collected),
    "sign_out_other_reason": (sign_out, _other_reason),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", SCREENS)
def test_screen_at_panel_size_snapshot(snap_compare, name, size) -> None:
    make, before = SCREENS[name]

    async def steady(pilot) -> None:
        # A blinking cursor is drawn or not depending on the moment the picture is taken.
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        if before is not None:
            await before(pilot)

    assert snap_compare(make(), terminal_size=size, run_before=steady)
