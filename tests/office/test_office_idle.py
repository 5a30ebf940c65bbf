"""An office browser left open signs itself off: nobody walking past reads the morning."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.people import Role, Sex, StaffMember
from kiosk.launch import prepare_demo
from kiosk.office_app import OfficeApp
from kiosk.screens.office_home import OfficeHomeScreen
from kiosk.screens.office_sign_in import OfficeSignInScreen
from tests.app.steps import eventually

DSL = StaffMember("S09", "Gráinne Byrne", Sex.FEMALE, frozenset({Role.DSL}))


class Stopwatch:
    """The app's idle clock, moved on by the test instead of waited for."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def signed_off(app: OfficeApp) -> bool:
    return app.member is None and isinstance(app.screen, OfficeSignInScreen)


def message(app: OfficeApp) -> str:
    shown = app.screen.query("#message")
    return str(shown.first().render()) if shown else ""


async def test_the_office_signs_off_after_the_idle_time_and_says_why(tmp_path: Path) -> None:
    config, book = prepare_demo(tmp_path)
    watch = Stopwatch()
    app = OfficeApp(config, book, idle_clock=watch)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            app.member = DSL
            app.show_home()
            await pilot.pause()
            assert isinstance(app.screen, OfficeHomeScreen)
            watch.seconds += config.policy.staff_idle_lock_seconds + 1
            assert await eventually(pilot, lambda: signed_off(app))
            assert await eventually(pilot, lambda: "Signed off" in message(app))
            assert len(app.screen_stack) == 2  # the sign-in alone, over the app's base screen
    finally:
        book.close()


async def test_a_touch_or_a_key_keeps_the_office_signed_in(tmp_path: Path) -> None:
    config, book = prepare_demo(tmp_path)
    watch = Stopwatch()
    app = OfficeApp(config, book, idle_clock=watch)
    limit = config.policy.staff_idle_lock_seconds
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            app.member = DSL
            app.show_home()
            await pilot.pause()
            watch.seconds += limit - 5
            await pilot.click(offset=(0, 0))  # a touch on the screen, on no button
            watch.seconds += limit - 5
            await pilot.press("tab")
            watch.seconds += limit - 5
            assert not await eventually(pilot, lambda: signed_off(app), seconds=2.5)
            assert isinstance(app.screen, OfficeHomeScreen)
    finally:
        book.close()
