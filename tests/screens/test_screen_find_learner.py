"""Finding a learner by name: matches appear as big buttons; Enter never picks anyone."""

from __future__ import annotations

from kiosk.screens.find_learner import FindLearnerScreen
from kiosk.views.desk import LearnerMatch, LearnerPicked
from tests.screens.harness import UNSET, Harness, tap

PEOPLE = [
    LearnerMatch(1, "Chidi Okafor", "9K", "Chidi"),
    LearnerMatch(2, "Siobhán O'Brien", "9K", "Shiv"),
    LearnerMatch(3, "Zoë Nowak", "10R", "Zoë"),
]


def search(text: str) -> list[LearnerMatch]:
    return [m for m in PEOPLE if text.casefold() in m.name.casefold()]


def finder() -> Harness:
    return Harness(FindLearnerScreen("Find a learner (forgotten badge)", search))


async def test_typing_part_of_a_name_lists_the_matches_and_a_touch_picks_one() -> None:
    app = finder()
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#name")
        await pilot.press("o", "b")
        await pilot.pause()
        assert "Siobhán O'Brien" in str(app.screen.query_one("#match-0").label)
        assert not app.screen.query("#match-1")
        await tap(pilot, "#match-0")
    assert app.result == LearnerPicked(2, "Shiv")


async def test_one_letter_lists_nobody_and_enter_picks_nobody() -> None:
    app = finder()
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "#name")
        await pilot.press("o", "enter")
        await pilot.pause()
        assert not app.screen.query(".match")
        assert app.result is UNSET
        await tap(pilot, "#cancel")
    assert app.result is None


def test_find_learner_snapshot(snap_compare) -> None:
    async def type_name(pilot) -> None:
        await tap(pilot, "#name")
        await pilot.press("o")
        await pilot.press("k")
        await pilot.pause()

    assert snap_compare(finder(), terminal_size=(100, 30), run_before=type_name)
