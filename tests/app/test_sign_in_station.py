"""The plain sign-in station through the app: a tap, the learner's screen, the mark, the door."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen
from records.models import LearnerRecord, SessionMarkRecord
from tests.app.steps import settled

SHIV = "0C00062102"  # Siobhán O'Brien, preferred name Shiv, in the demo roster
CHIDI = "0C00062101"


def marks(station) -> dict[str, tuple[str, int]]:
    with station.book.sessions() as session:
        rows = session.execute(
            select(LearnerRecord.mis_id, SessionMarkRecord.code, SessionMarkRecord.minutes_late)
            .join(SessionMarkRecord)
            .where(SessionMarkRecord.date == date(2026, 11, 23))
        ).all()
    return {mis_id: (code, minutes) for mis_id, code, minutes in rows}


def shown(app) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static"))


async def test_learner_on_time_is_greeted_by_preferred_name_and_marked_present(station) -> None:
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present(SHIV)
        await settled(station.app, pilot)
        assert isinstance(station.app.screen, GreetingScreen)
        text = shown(station.app)
        assert "Good morning, Shiv" in text
        assert "Siobhán" not in text and "O'Brien" not in text, "first name only"
        assert marks(station) == {"A1002": ("/", 0)}
        assert station.outputs.door.is_open
        assert station.outputs.lights.green_is_lit


async def test_late_learner_is_marked_late_but_the_screen_shows_no_mark(station) -> None:
    station.clock.advance(22 * 60 + 30)  # 08:52:30
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present(CHIDI)
        await settled(station.app, pilot)
        assert marks(station) == {"A1001": ("L", 12)}
        text = shown(station.app)
        assert "Chidi" in text and "12" not in text and "late" not in text.lower()


async def test_arrival_after_the_register_closes_is_marked_U(station) -> None:
    station.clock.advance(45 * 60)  # 09:15
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present(CHIDI)
        await settled(station.app, pilot)
        assert marks(station) == {"A1001": ("U", 35)}


async def test_unknown_badge_asks_to_see_staff_and_keeps_the_door_locked(station) -> None:
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present("0CDEADBEEF")
        await settled(station.app, pilot)
        assert "Please see a member of staff" in shown(station.app)
        assert marks(station) == {}
        assert not station.outputs.door.is_open


async def test_second_tap_the_same_morning_changes_nothing(station) -> None:
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present(CHIDI)
        await settled(station.app, pilot)
        station.clock.advance(40 * 60)  # 09:10, past the repeat window
        station.reader.present(CHIDI)
        await settled(station.app, pilot)
        assert "already signed in" in shown(station.app)
        assert marks(station) == {"A1001": ("/", 0)}


async def test_demo_panel_button_presents_a_badge(station) -> None:
    async with station.app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#demo-3")  # after the three staff badges: Chidi
        await settled(station.app, pilot)
        assert isinstance(station.app.screen, GreetingScreen)
        assert marks(station) == {"A1001": ("/", 0)}


async def test_a_touch_cannot_wipe_the_answer_before_its_least_time(station) -> None:
    station.app.greeting.seconds = 0.3  # the panel's 6 s, shortened for the test
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present(CHIDI)
        await settled(station.app, pilot)
        await pilot.click("#card")
        await settled(station.app, pilot)
        assert isinstance(station.app.screen, GreetingScreen), "a friend's finger wiped it"
        await pilot.pause(0.4)
        await pilot.click("#card")
        await settled(station.app, pilot)
        assert isinstance(station.app.screen, IdleScreen)


async def test_the_kiosk_cannot_be_quit_from_its_keys(station) -> None:
    async with station.app.run_test(size=(100, 30)) as pilot:
        for key in ("ctrl+q", "ctrl+c", "escape", "ctrl+p"):
            await pilot.press(key)
        await pilot.pause()
        assert station.app.is_running
        assert isinstance(station.app.screen, IdleScreen)


async def test_reader_going_offline_is_shown_on_the_status_line(station) -> None:
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.unplug()
        await pilot.pause()
        assert "OFFLINE" in shown(station.app)
        station.reader.replug()
        await pilot.pause()
        assert "reader online" in shown(station.app)


def test_idle_screen_snapshot(station, snap_compare) -> None:
    assert snap_compare(station.app, terminal_size=(100, 30))


def test_greeting_screen_snapshot(station, snap_compare) -> None:
    async def tap(pilot) -> None:
        station.reader.present(SHIV)
        await settled(station.app, pilot)

    assert snap_compare(station.app, terminal_size=(100, 30), run_before=tap)
