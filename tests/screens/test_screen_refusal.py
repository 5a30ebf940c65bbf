"""The refusal screen: says what happens (not admitted, O, not an exclusion), then confirms."""

from __future__ import annotations

import pytest

from kiosk.screens.refusal import RefusalScreen
from kiosk.views.desk import RefusalConfirmed
from tests.screens.harness import Harness, shown, tap


async def test_refusal_says_plainly_what_will_happen() -> None:
    app = Harness(RefusalScreen("Chidi", "screening"))
    async with app.run_test(size=(100, 30)):
        text = shown(app)
        assert "Chidi is not admitted today." in text
        assert "unauthorised (O)" in text
        assert '"refused screening: not admitted"' in text
        assert "This is not an exclusion." in text
        assert "attendance officer is told" in text


async def test_refused_search_names_the_search_in_the_comment() -> None:
    app = Harness(RefusalScreen("Chidi", "search"))
    async with app.run_test(size=(100, 30)):
        assert '"refused search: not admitted"' in shown(app)


async def test_confirm_returns_the_note() -> None:
    app = Harness(RefusalScreen("Chidi", "screening"))
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#note")
        await pilot.press(*"mum called")
        await tap(pilot, "#confirm")
        assert app.result == RefusalConfirmed("mum called")


async def test_confirm_without_a_note_returns_an_empty_note() -> None:
    app = Harness(RefusalScreen("Chidi", "screening"))
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#confirm")
        assert app.result == RefusalConfirmed("")


async def test_go_back_dismisses_with_none() -> None:
    app = Harness(RefusalScreen("Chidi", "screening"))
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#back")
        assert app.result is None


def test_unknown_refusal_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="screening"):
        RefusalScreen("Chidi", "detention")


def test_refusal_screen_snapshot(snap_compare) -> None:
    assert snap_compare(Harness(RefusalScreen("Chidi", "screening")), terminal_size=(100, 30))
