"""Names, reasons and the school's name are shown exactly as written, brackets and all, on every
screen: text from the roster, the config or staff is never read as markup."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import Button, DataTable, Input, Static

from kiosk.domain.items import Disposition, ItemCategory
from kiosk.domain.people import Role, Sex, StaffMember
from kiosk.domain.search import UrgentException, search_requirement
from kiosk.screens.duty import DutyScreen
from kiosk.screens.find_learner import FindLearnerScreen
from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.office import OfficeScreen
from kiosk.screens.pin_pad import PinPadScreen
from kiosk.screens.refusal import RefusalScreen
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.search_setup import SearchSetupScreen
from kiosk.screens.text import cell, label, plain
from kiosk.views.desk import LearnerDeskView, LearnerMatch, SearchSetup
from kiosk.views.office import OfficeLearnerRow, OfficePhoneRow, OfficeSearchRow, OfficeView
from tests.screens.harness import Harness, choose, shown, tap

HOSTILE = (
    "Jo [/i]",
    "[/b]Evil",
    "bus late [/see note]",
    "Anne [Annie]",
    "[link=http://x]y[/link]",
    "[@click=app.quit]x[/]",
)
SIZE = (120, 40)


def button_labels(app) -> str:
    return " ".join(str(b.render()) for b in app.screen.query(Button))


def drawn(table: DataTable) -> str:
    """The table's lines as drawn on the terminal, header included."""
    return "\n".join(
        "".join(segment.text for segment in table.render_line(y)) for y in range(table.size.height)
    )


# --- the helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*HOSTILE, "a\\", "\\[b]q", "[ Anne ]", "x [$accent]y"])
def test_plain_text_passed_through_markup_comes_out_as_written(text: str) -> None:
    from textual.content import Content

    assert Content.from_markup(plain(text)).plain == text
    assert str(label(text)) == text


@settings(max_examples=500)
@given(st.text(alphabet="[]\\/=@$#:.aibkln ", max_size=24))
def test_any_text_passed_through_markup_as_plain_comes_out_as_written(text: str) -> None:
    from textual.content import Content

    assert Content.from_markup(plain(text)).plain == text


def test_a_table_cell_is_the_text_itself_and_equals_it() -> None:
    assert cell("Anne [Annie]") == "Anne [Annie]"
    assert str(cell("Jo [/i]")) == "Jo [/i]"


# --- the learner's screens ---------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
async def test_the_greeting_shows_a_bracketed_name_as_written(name: str) -> None:
    app = Harness(
        GreetingScreen(f"Good morning, {name}", f"Go in, {name}", tone="welcome", seconds=60)
    )
    async with app.run_test(size=SIZE) as pilot:
        assert f"Good morning, {name}" in shown(app)
        assert f"Go in, {name}" in shown(app)
        # The app keeps one greeting screen and gives it the next learner's words.
        screen = app.screen
        assert isinstance(screen, GreetingScreen)
        screen.show(f"Welcome, {name}!", f"[{name}]", tone="late")
        await pilot.pause()
        assert f"Welcome, {name}!" in shown(app) and f"[{name}]" in shown(app)


@pytest.mark.parametrize("name", HOSTILE)
async def test_the_idle_screen_shows_a_bracketed_school_name_and_status(name: str) -> None:
    screen = IdleScreen(
        name,
        lambda: datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
        demo_badges=[(f"Staff {name}", "1A00990001")],
    )
    app = Harness(screen)
    async with app.run_test(size=SIZE) as pilot:
        screen.show_status(f"Reader offline: {name}")
        await pilot.pause()
        assert str(screen.query_one("#school", Static).render()) == name
        assert f"Reader offline: {name}" in shown(app)
        assert f"Staff {name}" in button_labels(app)


# --- the staff's screens -----------------------------------------------------------------------

SEARCHER = frozenset({Role.SCREENER, Role.SEARCHER})


def staff() -> list[StaffMember]:
    sexes = (Sex.FEMALE, Sex.MALE)
    return [StaffMember(f"S{n}", name, sexes[n % 2], SEARCHER) for n, name in enumerate(HOSTILE)]


async def test_the_duty_screen_lists_bracketed_staff_names_as_written() -> None:
    on_duty = staff()
    app = Harness(DutyScreen(on_duty, [f"Nobody to witness for {m.name}" for m in on_duty]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#staff", DataTable)
        text = drawn(table)
        for name in HOSTILE:
            assert name in text
            assert f"Nobody to witness for {name}" in shown(app)


@pytest.mark.parametrize("name", HOSTILE)
async def test_the_pin_pad_greets_a_bracketed_staff_name_as_written(name: str) -> None:
    app = Harness(PinPadScreen(name, f"Wrong PIN, {name}"))
    async with app.run_test(size=SIZE):
        assert f"{name}, enter your PIN" in shown(app)
        assert f"Wrong PIN, {name}" in shown(app)


@pytest.mark.parametrize("name", HOSTILE)
async def test_the_learner_desk_shows_bracketed_names_as_written(name: str) -> None:
    view = LearnerDeskView(
        first_name=name,
        surname=f"{name} Surname",
        reg_group=f"9{name}",
        year_group="9",
        mark_code="L",
        minutes_late=12,
        arrived_local="08:52",
        late_detention=True,
        phone_policy="required",
        phone_done=False,
        screening_policy="required",
        selected_for_screening=False,
        screening_result=None,
        sen=False,
    )
    app = Harness(LearnerDeskScreen(view))
    async with app.run_test(size=SIZE):
        assert f"{name} {name} Surname" in shown(app)
        assert f"9{name} · Year 9" in shown(app)


async def test_the_learner_finder_lists_bracketed_names_as_written() -> None:
    matches = [LearnerMatch(n, f"{name} Smith", f"7{name}", name) for n, name in enumerate(HOSTILE)]
    app = Harness(FindLearnerScreen("Find [/b] a learner", lambda _: matches))
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#name", Input).value = "Jo"
        await pilot.pause()
        await pilot.pause()
        assert "Find [/b] a learner" in shown(app)
        labels = button_labels(app)
        for name in HOSTILE:
            assert f"{name} Smith  ·  7{name}" in labels


@pytest.mark.parametrize("name", HOSTILE)
async def test_the_refusal_screen_names_a_bracketed_learner_as_written(name: str) -> None:
    app = Harness(RefusalScreen(name, "search"))
    async with app.run_test(size=SIZE):
        assert f"{name} refuses to be searched" in shown(app)
        assert f"{name} is not admitted today." in shown(app)


async def test_search_setup_offers_bracketed_staff_names_as_written() -> None:
    on_duty = [*staff(), StaffMember("S9", "Dee [Rowe]", None, SEARCHER)]
    app = Harness(SearchSetupScreen("Jo [/i]", search_requirement(Sex.FEMALE, on_duty), on_duty))
    async with app.run_test(size=SIZE):
        text = shown(app)
        assert "Search Jo [/i]: searcher and witness" in text
        assert "Dee [Rowe]" in text, "named among those whose sex is not recorded"
        labels = button_labels(app)
        for name in HOSTILE:
            assert name in labels


@pytest.mark.parametrize("name", HOSTILE)
async def test_the_search_record_shows_a_bracketed_name_reason_and_item_as_written(
    name: str,
) -> None:
    setup = SearchSetup("S2", None, UrgentException(True, True, f"knife seen {name}"))
    app = Harness(SearchRecordScreen(name, setup, list(ItemCategory)))
    async with app.run_test(size=SIZE) as pilot:
        assert f"Search of {name}: scope" in shown(app)
        assert f"Urgent exception used: knife seen {name}" in shown(app)
        await choose(pilot, "#item-category", "alcohol")
        await choose(pilot, "#item-disposition", str(Disposition.DISPOSED))
        app.screen.query_one("#item-description", Input).value = f"can {name}"
        app.screen.query_one("#item-reason", Input).value = f"opened {name}"
        await pilot.pause()
        await tap(pilot, "#add-item")
        assert f"can {name}" in shown(app) and f"reason: opened {name}" in shown(app)


# --- the office ----------------------------------------------------------------------------------


def office_view(*, is_dsl: bool = True) -> OfficeView:
    def row(n: int, name: str, code: str, comment: str = "") -> OfficeLearnerRow:
        return OfficeLearnerRow(n, f"{name} Smith", f"7{name}", code, 12 if code else 0, comment)

    return OfficeView(
        day="2026-11-23",
        is_dsl=is_dsl,
        arrived=(),
        not_in=tuple(row(n, name, "") for n, name in enumerate(HOSTILE)),
        lates=tuple(
            replace(row(10 + n, name, "L", f"bus late {name}"), late_weeks=(0, 1, 2))
            for n, name in enumerate(HOSTILE)
        ),
        refusals=tuple(row(20 + n, name, "O", f"refused {name}") for n, name in enumerate(HOSTILE)),
        arrivals_per_minute=(1, 2),
        first_minute="08:30",
        phones=tuple(
            OfficePhoneRow(30 + n, f"S{name}", f"{name} Smith", "7R", "08:31", False)
            for n, name in enumerate(HOSTILE)
        ),
        searches=tuple(
            OfficeSearchRow("08:40", f"{name} L", f"{name} S", "none", "low", name, name)
            for name in HOSTILE
        ),
        outbox=tuple(f"08:45 to attendance: Not admitted: {name}" for name in HOSTILE),
    )


async def test_the_office_shows_bracketed_names_and_late_reasons_as_written() -> None:
    app = Harness(OfficeScreen(office_view(), "/media/[usb]"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for table_id, expected in (
            ("#not-in", ["{} Smith", "7{}"]),
            ("#lates", ["{} Smith", "bus late {}"]),
            ("#refusals", ["{} Smith", "refused {}"]),
        ):
            text = drawn(app.screen.query_one(table_id, DataTable))
            for name in HOSTILE:
                for pattern in expected:
                    assert pattern.format(name) in text, (table_id, pattern.format(name))
        assert app.screen.query_one("#folder", Input).value == "/media/[usb]"
        for tab, table_id, column in (("phones", "#phones-table", "{} Smith"),
                                      ("searches", "#searches-table", "{} S")):  # fmt: skip
            await tap(pilot, f"#--content-tab-{tab}")
            text = drawn(app.screen.query_one(table_id, DataTable))
            for name in HOSTILE:
                assert column.format(name) in text
        await tap(pilot, "#--content-tab-outbox")
        for name in HOSTILE:
            assert f"Not admitted: {name}" in shown(app)
        screen = app.screen
        assert isinstance(screen, OfficeScreen)
        screen.export_finished("Not saved: /media/[usb] [/b]: no such folder")
        await pilot.pause()
        assert "Not saved: /media/[usb] [/b]: no such folder" in shown(app)
