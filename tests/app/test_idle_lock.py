"""Staff walk away: the idle lock closes whatever staff screen is open, and the kiosk carries on.

The lock pops the staff screens without their answers; anything that still held one (the queue,
redrawn on every lane event and tick) drew on a screen that was gone and the app stopped. Each
test leaves a different staff screen open, lets the lock fire, then keeps the morning going (a
learner's tap, the arch, the lane's tick) and checks the kiosk still answers learners.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.screens.duty import DutyScreen
from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen
from kiosk.screens.lane import LaneScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.office import OfficeScreen
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.station.staff_session import FLOWS
from tests.app.steps import (
    AISHA,
    BETHAN,
    CHIDI,
    SHIV,
    ZOE,
    arrives,
    close_duty,
    eventually,
    open_learner,
    press,
    settled,
    sign_on,
)
from tests.screens.harness import tap

GRAINNE = "1A00990006"  # S06: the safeguarding lead, with the office screen
LOCK_SECONDS = 2


def short_lock(st) -> None:
    st.app.config = replace(
        st.app.config, policy=replace(st.app.config.policy, staff_idle_lock_seconds=LOCK_SECONDS)
    )


async def locked(st, pilot) -> None:
    """Staff's last touch, then nobody touches the screen until the idle lock has closed the
    staff screens. The lock is short for this walk away only: on a loaded machine the taps
    before it (a PIN, a learner's desk) can be slower than a short lock, and the lock would
    close their screens before the test reached the one it leaves open."""
    usual = st.app.config
    short_lock(st)
    st.app.desk.touch()  # as every touch on the screen does: the lock starts again, short
    assert await eventually(pilot, lambda: not st.app.desk.unlocked, LOCK_SECONDS * 10)
    assert await eventually(pilot, lambda: isinstance(st.app.screen, IdleScreen), 10.0)
    # The staff flow under way ended with the lock: nothing waits on a screen now closed.
    flows = [w for w in st.app.workers if w.group == FLOWS]
    assert await eventually(pilot, lambda: all(w.is_finished for w in flows)), flows
    st.app.config = usual


async def morning_goes_on(st, pilot) -> None:
    """A learner taps, the lane moves on by itself: the learner is answered, nothing crashes."""
    await arrives(st, pilot, ZOE)
    assert isinstance(st.app.screen, GreetingScreen), st.app.screen
    assert "Zoë" in st.app.greeting.headline
    st.app._tick()  # the lane's own 5-second tick, without waiting five seconds for it
    await settled(st.app, pilot)
    assert st.app.is_running and st.app.return_code is None
    assert not isinstance(st.app.screen, LaneScreen | LearnerDeskScreen)


async def test_idle_lock_on_the_queue_then_a_learner_taps(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, AISHA)
        await close_duty(pilot)
        assert isinstance(desk.app.screen, LaneScreen)
        await locked(desk, pilot)
        await morning_goes_on(desk, pilot)


async def test_idle_lock_on_the_duty_panel_then_a_learner_taps(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, AISHA)
        assert isinstance(desk.app.screen, DutyScreen)
        await locked(desk, pilot)
        await morning_goes_on(desk, pilot)


async def test_idle_lock_with_a_learners_desk_open_and_an_alarm_unanswered(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, AISHA)
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#arch-alarm")  # the alarm stays unanswered
        assert isinstance(desk.app.screen, LearnerDeskScreen)
        await locked(desk, pilot)
        await morning_goes_on(desk, pilot)
        # Back on, the alarm is still there for staff: nothing was lost by the lock.
        desk.clock.advance(10)  # past the reader's repeat suppression of Aisha's badge
        await sign_on(desk, pilot, AISHA)
        await close_duty(pilot)
        assert isinstance(desk.app.screen, LaneScreen)
        assert "ALARM: Chidi" in str(desk.app.screen.query_one("#banner").render())


async def test_idle_lock_on_the_search_record(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await sign_on(desk, pilot, AISHA)
        await close_duty(pilot)
        await arrives(desk, pilot, SHIV)
        await open_learner(desk, pilot, "Shiv")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#arch-alarm")
        await tap(pilot, "#search")
        await tap(pilot, "#start")
        assert isinstance(desk.app.screen, SearchRecordScreen)
        await locked(desk, pilot)
        await morning_goes_on(desk, pilot)


async def test_idle_lock_on_the_office_screen_during_an_export(desk, tmp_path) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, GRAINNE)
        await tap(pilot, "#office")
        assert await eventually(pilot, lambda: isinstance(desk.app.screen, OfficeScreen))
        office = desk.app.screen
        await locked(desk, pilot)
        # An export still running when the lock came reports to a screen that has closed.
        office.export_progress(1, 2)
        office.export_finished("Saved 2 rows")
        await morning_goes_on(desk, pilot)


@pytest.mark.parametrize("mode", ["lane", "plain"])
async def test_staff_are_signed_off_when_the_day_ends(mode, desk, station) -> None:
    """At the day's end (18:00) nobody is left on duty, whichever way the door signs learners in:
    the fire roll must not list a member of staff who went home."""
    from datetime import timedelta

    from kiosk.office.roll import school_roll

    st = desk if mode == "lane" else station
    st.clock.advance((9 * 60 + 29) * 60)  # 17:59
    async with st.app.run_test(size=(100, 30)) as pilot:
        await sign_on(st, pilot, AISHA)
        await settled(st.app, pilot)

        def staff_on_roll() -> list[str]:
            with st.book.reads() as db:
                roll = school_roll(db, config=st.app.config, now=st.clock.now())
            return [who.name for who in roll.staff]

        assert any("Aisha" in name for name in staff_on_roll())
        st.clock.advance(timedelta(minutes=11).total_seconds())  # 18:10
        st.app._tick()
        await settled(st.app, pilot)
        assert await eventually(pilot, lambda: not st.app.desk.unlocked)
        assert staff_on_roll() == []
