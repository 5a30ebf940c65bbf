"""The kiosk's office screen, phones tab, by touch alone on the 7-inch panel (64x20): a phone
or earphones seen in use are confiscated from the learner's row, each by its own button (R33)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.screens.office import OfficeScreen
from kiosk.views.office import OfficeAction, OfficePhoneRow
from tests.screens.harness import UNSET, Harness, tap
from tests.screens.test_panel_size import MORNING, PANEL, on_keys

HELD = replace(
    MORNING,
    phones=(
        OfficePhoneRow(53, "12", "Chidi Okeke", "9B", "08:47", False),
        OfficePhoneRow(54, "E3", "Shiv Patel", "8D", "10:20", True, "earphones"),
        OfficePhoneRow(55, "E4", "Zoë Nowak", "9K", "10:40", True),
    ),
)


def office() -> Harness:
    return Harness(OfficeScreen(HELD, "/media/kiosk-usb"))


def phones_column(app: Harness, column: int) -> list[str]:
    table = app.screen.query_one("#phones-table")
    return [str(table.get_row_at(n)[column]) for n in range(table.row_count)]


async def test_r33_earphones_seen_in_use_are_confiscated_by_touch_alone_on_the_panel() -> None:
    app = office()
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#--content-tab-phones")
        await pilot.click("#phones-table", offset=(2, 3))  # Zoë's row, the third
        await pilot.pause()
        await tap(pilot, "#phone-text")
        await on_keys(pilot, "e7")
        await tap(pilot, "#kb-done")
        await tap(pilot, "#confiscate-earphones")
        assert app.result == OfficeAction("confiscate_earphones", learner_id=55, text="e7")


@pytest.mark.parametrize(
    ("selector", "kind"),
    [
        ("#return-phone", "return_phone"),
        ("#confiscate-phone", "confiscate_phone"),
        ("#confiscate-earphones", "confiscate_earphones"),
        ("#parent-collected", "parent_collected"),
    ],
)
async def test_r33_each_phone_action_is_whole_on_the_panel_and_acts_on_the_chosen_row(
    selector: str, kind: str
) -> None:
    app = office()
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#--content-tab-phones")
        button = app.screen.query_one(selector)
        assert button.region.right <= PANEL[0] and button.region.bottom <= PANEL[1], selector
        assert app.screen.query_one("#phones-table").region.height >= 3
        await tap(pilot, selector)
        assert app.result is not UNSET
        assert app.result == OfficeAction(kind, learner_id=53, text="")  # type: ignore[arg-type]


async def test_r33_the_held_list_says_which_confiscation_is_earphones() -> None:
    app = office()
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#--content-tab-phones")
        assert phones_column(app, 4) == ["", "earphones, confiscated", "confiscated"]
