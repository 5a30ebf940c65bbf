"""An arch alarm always calls someone, and the learner's answer is read from two metres.

With nobody signed on, the learner held at the arch is told to wait (first name only) until
someone comes; the red light stays and the buzzer sounds again until staff take the alarm; the
idle screen says "Staff needed at the arch" the whole while. The learner's answers on the clear
path are calm, their slot a big numeral, and they stay until the next step or the next learner.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Digits

import kiosk.station.app
from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen
from kiosk.screens.lane import LaneScreen
from kiosk.station.device_inbox import wire_devices
from tests.app.conftest import LaneStation
from tests.app.steps import (
    AISHA,
    CHIDI,
    SHIV,
    arch,
    arrives,
    at_phone_station,
    close_duty,
    eventually,
    open_learner,
    press,
    settled,
    sign_on,
)
from tests.screens.harness import shown

STAFF_NEEDED = "Staff needed at the arch"


@pytest.fixture
def lane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LaneStation]:
    # Shorter than at the door, so the test does not stand and wait: the answer's least time,
    # a next step's hold, and the lane's tick (which sounds the buzzer again).
    monkeypatch.setattr(kiosk.station.app, "GREETING_SECONDS", 0.3)
    monkeypatch.setattr(kiosk.station.app, "STEP_HOLD_SECONDS", 0.6)
    monkeypatch.setattr(kiosk.station.app, "LANE_TICK_SECONDS", 0.5)
    st = LaneStation(tmp_path)
    # The phone station and the arch are fitted after the app is built: wire them to it too.
    wire_devices(st.devices, st.app.inbox.deliver)
    yield st
    st.close()
    st.book.close()


def _greeting(st: LaneStation) -> GreetingScreen:
    screen = st.app.screen
    assert isinstance(screen, GreetingScreen), screen
    return screen


async def test_an_alarm_with_nobody_signed_on_calls_staff_until_one_takes_it(
    lane: LaneStation,
) -> None:
    lights, buzzer = lane.outputs.lights, lane.outputs.buzzer
    async with lane.app.run_test(size=(66, 20)) as pilot:
        await arrives(lane, pilot, CHIDI)
        await at_phone_station(lane, pilot, CHIDI)
        await arch(lane, pilot, alarm=True)
        greeting = _greeting(lane)
        assert "Please wait with a member of staff." in shown(lane.app)
        assert "Chidi" in shown(lane.app) and "Okafor" not in shown(lane.app), "first name only"
        assert greeting.has_class("staff"), "see staff has its own colour"
        # Held while nobody has come: well past a next step's hold, the learner is still told.
        await pilot.pause(1.5)
        assert lane.app.screen is greeting
        assert "Please wait with a member of staff." in shown(lane.app)
        assert await eventually(pilot, lambda: lights.red_is_lit)
        # A touch (once the least time has passed) leaves the idle screen calling staff.
        await pilot.click("#card")
        await pilot.pause()
        assert isinstance(lane.app.screen, IdleScreen)
        assert STAFF_NEEDED in shown(lane.app)
        assert await eventually(pilot, lambda: lights.red_is_lit), "the red light stays"
        buzzer.silence()
        assert await eventually(pilot, lambda: buzzer.is_sounding), "the buzzer calls again"
        # A member of staff signs on and takes it: the queue names Chidi; a clear wand check.
        await sign_on(lane, pilot, AISHA)
        await close_duty(pilot)
        await settled(lane.app, pilot)
        assert isinstance(lane.app.screen, LaneScreen)
        assert "ALARM: Chidi" in shown(lane.app)
        await open_learner(lane, pilot, "Chidi")
        await press(lane, pilot, "#wand-clear")
        await settled(lane.app, pilot)
        assert [row.first_name for row in lane.app.lane_view.rows] == []
        assert await eventually(pilot, lambda: not lights.red_is_lit and not buzzer.is_sounding)
        assert STAFF_NEEDED not in " ".join(str(w.render()) for w in lane.app.idle.query("Static"))


async def test_a_learner_is_called_while_a_member_of_staff_is_signed_on_elsewhere(
    lane: LaneStation,
) -> None:
    """Staff signed on, then the idle lock: the alarm still calls from the idle screen."""
    async with lane.app.run_test(size=(66, 20)) as pilot:
        await sign_on(lane, pilot, AISHA)
        await close_duty(pilot)
        await arrives(lane, pilot, SHIV)
        await at_phone_station(lane, pilot, SHIV)
        await arch(lane, pilot, alarm=True)
        assert isinstance(lane.app.screen, LaneScreen)
        assert not list(lane.app.screen.query("Toast")), "no pop-up over the queue's buttons"
        lane.app.desk.lock()
        await pilot.pause()
        assert isinstance(lane.app.screen, IdleScreen)
        assert STAFF_NEEDED in shown(lane.app)


async def test_the_next_step_is_calm_its_slot_a_big_numeral_and_it_stays_until_the_next(
    lane: LaneStation,
) -> None:
    async with lane.app.run_test(size=(66, 20)) as pilot:
        await arrives(lane, pilot, CHIDI)
        greeting = _greeting(lane)
        assert greeting.has_class("next") and not greeting.has_class("staff")
        assert greeting.query_one("#slot", Digits).value == "1"
        assert "Phone in slot" in shown(lane.app)
        assert "Then walk through the arch." in shown(lane.app)
        # A touch before the least time does not take the answer away.
        await pilot.click("#card")
        assert lane.app.screen is greeting
        # The next step replaces it: the arch, with no slot drawn.
        await at_phone_station(lane, pilot, CHIDI)
        assert lane.app.screen is greeting
        assert "Please walk through the arch." in shown(lane.app)
        assert not greeting.query_one("#slot", Digits).display
        await arch(lane, pilot)
        assert greeting.has_class("welcome"), "green to go through"
        assert "Please go through." in shown(lane.app)
        assert await eventually(pilot, lambda: isinstance(lane.app.screen, IdleScreen))
        assert STAFF_NEEDED not in shown(lane.app)
