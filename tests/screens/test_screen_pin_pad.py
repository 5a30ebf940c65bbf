"""The PIN pad: digits by touch, dots on screen, OK only from four digits, Cancel."""

from __future__ import annotations

from textual.widgets import Button

from kiosk.screens.pin_pad import PinPadScreen
from kiosk.views.desk import PinEntered
from tests.screens.harness import UNSET, Harness, shown


async def tap(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.click(f"#key-{key}")
        await pilot.pause()


async def test_pin_pad_returns_the_digits_clicked() -> None:
    app = Harness(PinPadScreen("Ada"))
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "2", "0", "2", "6", "ok")
        assert app.result == PinEntered("2026")


async def test_pin_pad_shows_dots_never_the_digits() -> None:
    app = Harness(PinPadScreen("Ada"))
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "7", "3", "1")
        text = shown(app)
        assert "● ● ●" in text
        assert not any(digit in text for digit in "731")


async def test_ok_is_disabled_under_four_digits() -> None:
    app = Harness(PinPadScreen("Ada"))
    async with app.run_test(size=(100, 30)) as pilot:
        ok = app.screen.query_one("#key-ok", Button)
        await tap(pilot, "1", "2", "3")
        assert ok.disabled
        await tap(pilot, "ok")
        assert app.result is UNSET
        await tap(pilot, "4")
        assert not ok.disabled


async def test_backspace_removes_the_last_digit() -> None:
    app = Harness(PinPadScreen("Ada"))
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "1", "2", "3", "4", "5", "back", "9", "ok")
        assert app.result == PinEntered("12349")


async def test_pin_stops_at_eight_digits() -> None:
    app = Harness(PinPadScreen("Ada"))
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, *"1234567890", "ok")
        assert app.result == PinEntered("12345678")


async def test_cancel_dismisses_with_none() -> None:
    app = Harness(PinPadScreen("Ada"))
    async with app.run_test(size=(100, 30)) as pilot:
        await tap(pilot, "1")
        await pilot.click("#cancel")
        await pilot.pause()
        assert app.result is None


async def test_pin_pad_shows_the_message() -> None:
    app = Harness(PinPadScreen("Ada", "Wrong PIN. 3 tries left."))
    async with app.run_test(size=(100, 30)):
        assert "Wrong PIN. 3 tries left." in shown(app)


def test_pin_pad_snapshot(snap_compare) -> None:
    async def three_digits(pilot) -> None:
        await tap(pilot, "1", "2", "3")

    app = Harness(PinPadScreen("Ada", "Wrong PIN. 3 tries left."))
    assert snap_compare(app, terminal_size=(100, 30), run_before=three_digits)


async def test_the_same_digit_tapped_quickly_twice_counts_twice() -> None:
    from kiosk.screens.pin_pad import PinPadScreen
    from kiosk.views.desk import PinEntered
    from tests.screens.harness import Harness

    app = Harness(PinPadScreen("Aisha"))
    async with app.run_test(size=(100, 30)) as pilot:
        for key in "1155":
            await pilot.click(f"#key-{key}")
        await pilot.click("#key-ok")
        await pilot.pause()
    assert app.result == PinEntered("1155")
