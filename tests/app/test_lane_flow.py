"""The lane through the app: the zero-touch clear path, the phone station, the arch's order.

The station here is fitted as a school running at pace would fit it: a reader at the phone
station and an arch that reports each clear passage, so only the exceptions need staff.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.lane import LaneScreen
from kiosk.screens.refusal import RefusalScreen
from records.models import (
    LearnerRecord,
    PhoneHandinRecord,
    ScreeningRecord,
    SessionMarkRecord,
    VisitEventRecord,
)
from tests.app.conftest import LaneStation, Station
from tests.app.steps import (
    BETHAN,
    CHIDI,
    SHIV,
    ZOE,
    arch,
    arrives,
    at_phone_station,
    close_duty,
    eventually,
    open_learner,
    press,
    sign_on,
)
from tests.screens.harness import shown


def marks(st: Station) -> dict[str, str]:
    with st.book.sessions() as session:
        rows = session.execute(
            select(LearnerRecord.mis_id, SessionMarkRecord.code)
            .join(SessionMarkRecord)
            .where(SessionMarkRecord.date == date(2026, 11, 23))
        ).all()
    return dict(rows)


def in_lane(st: Station) -> list[str]:
    return [row.first_name for row in st.app.lane_view.rows]


async def test_the_clear_path_needs_no_staff_touch(lane: LaneStation) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await arrives(lane, pilot, CHIDI)
        assert isinstance(lane.app.screen, GreetingScreen)
        assert "Phone in slot" in shown(lane.app)
        assert "Then walk through the arch." in shown(lane.app)
        assert lane.app.greeting.slot == "1", "the slot drawn as a big numeral"
        await at_phone_station(lane, pilot, CHIDI)
        assert "Please walk through the arch." in shown(lane.app)
        await arch(lane, pilot)
        assert "Please go through." in shown(lane.app)
        assert await eventually(pilot, lambda: lane.outputs.door.is_open)
        assert marks(lane) == {"A1001": "/"}
        assert in_lane(lane) == []
    with lane.book.sessions() as session:
        (phone,) = session.scalars(select(PhoneHandinRecord)).all()
        (screening,) = session.scalars(select(ScreeningRecord)).all()
        assert (phone.slot, phone.received_by_id) == ("1", None)
        assert (screening.result, screening.method) == ("clear", "arch")
        assert screening.operator_id is None, "nobody at the screen"
        kinds = [e.kind for e in session.scalars(select(VisitEventRecord))]
    assert kinds == ["EntryTapped", "PhoneStationTapped", "ArchPassed"]


async def test_slots_are_handed_out_in_order_and_the_arch_takes_learners_in_phone_order(
    lane: LaneStation,
) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        for badge in (CHIDI, SHIV, ZOE):
            await arrives(lane, pilot, badge)
        assert [r.slot for r in lane.app.lane_view.rows] == ["1", "2", "3"]
        # Zoë hands her phone in first, so she walks through first.
        for badge in (ZOE, CHIDI):
            await at_phone_station(lane, pilot, badge)
        await arch(lane, pilot)
        assert marks(lane) == {"A1003": "/"}
        assert in_lane(lane) == ["Chidi", "Shiv"]


async def test_an_alarm_for_the_second_of_three_in_flight_is_theirs_alone(
    lane: LaneStation,
) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await sign_on(lane, pilot, BETHAN)
        await close_duty(pilot)
        for badge in (CHIDI, SHIV, ZOE):
            await arrives(lane, pilot, badge)
            await at_phone_station(lane, pilot, badge)
        assert [r.in_arch for r in lane.app.lane_view.rows] == [1, 2, 3]
        await arch(lane, pilot)  # Chidi through clear
        await arch(lane, pilot, alarm=True)  # Shiv alarms
        assert await eventually(pilot, lambda: lane.outputs.lights.red_is_lit)
        await arch(lane, pilot)  # Zoë through clear
        assert marks(lane) == {"A1001": "/", "A1003": "/"}
        assert in_lane(lane) == ["Shiv"]
        assert isinstance(lane.app.screen, LaneScreen)
        assert "ALARM: Shiv" in shown(lane.app), "the banner names the learner"
        # One touch opens Shiv's desk; a clear wand check lets her through.
        await open_learner(lane, pilot, "Shiv")
        await press(lane, pilot, "#wand-clear")
        assert marks(lane) == {"A1001": "/", "A1002": "/", "A1003": "/"}
    with lane.book.sessions() as session:
        results = session.execute(
            select(LearnerRecord.mis_id, ScreeningRecord.method, ScreeningRecord.result)
            .join(ScreeningRecord)
            .order_by(ScreeningRecord.id)
        ).all()
    assert results == [
        ("A1001", "arch", "clear"),
        ("A1002", "arch", "alarm"),
        ("A1003", "arch", "clear"),
        ("A1002", "wand", "clear"),
    ]


async def test_a_refusal_mid_queue_leaves_the_arch_to_the_next_learner(
    lane: LaneStation,
) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await sign_on(lane, pilot, BETHAN)
        await close_duty(pilot)
        for badge in (CHIDI, SHIV, ZOE):
            await arrives(lane, pilot, badge)
            await at_phone_station(lane, pilot, badge)
        await open_learner(lane, pilot, "Shiv")
        await press(lane, pilot, "#refuse")
        assert isinstance(lane.app.screen, RefusalScreen)
        await press(lane, pilot, "#confirm")
        assert isinstance(lane.app.screen, LaneScreen)
        await arch(lane, pilot)
        await arch(lane, pilot)
        assert marks(lane) == {"A1001": "/", "A1002": "O", "A1003": "/"}
        assert in_lane(lane) == []


async def test_an_alarm_with_nobody_called_is_recorded_and_shown_to_staff(
    lane: LaneStation,
) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await sign_on(lane, pilot, BETHAN)
        await close_duty(pilot)
        await arch(lane, pilot, alarm=True)
        assert "ARCH ALARM with nobody in the arch" in shown(lane.app)
        await arrives(lane, pilot, CHIDI)  # the next learner is not blamed for it
        await at_phone_station(lane, pilot, CHIDI)
        await arch(lane, pilot)
        assert marks(lane) == {"A1001": "/"}
    with lane.book.sessions() as session:
        unattributed = session.scalars(
            select(VisitEventRecord).where(VisitEventRecord.kind == "ArchAlarmed")
        ).one()
        assert unattributed.learner_id is None


async def test_a_second_tap_is_not_a_second_arrival(lane: LaneStation) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await arrives(lane, pilot, CHIDI)
        lane.clock.advance(seconds=120)
        await arrives(lane, pilot, CHIDI)
        assert lane.app.greeting.slot == "1", "reminded of the same slot"
        assert [r.slot for r in lane.app.lane_view.rows] == ["1"]
    with lane.book.sessions() as session:
        arrivals = session.scalars(
            select(VisitEventRecord).where(VisitEventRecord.kind == "EntryTapped")
        ).all()
    assert len(arrivals) == 1


async def test_a_learner_without_a_phone_needs_one_staff_touch(lane: LaneStation) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await sign_on(lane, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(lane, pilot, CHIDI)
        await open_learner(lane, pilot, "Chidi")
        await press(lane, pilot, "#no-phone")
        assert isinstance(lane.app.screen, LaneScreen), "back to the queue: the arch is next"
        await arch(lane, pilot)
        assert marks(lane) == {"A1001": "/"}


async def test_a_learner_waiting_over_a_minute_at_the_arch_stands_out_on_the_queue(
    lane: LaneStation,
) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await sign_on(lane, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(lane, pilot, CHIDI)
        await at_phone_station(lane, pilot, CHIDI)
        row = lane.app.screen.query_one("#place-0")
        assert not row.has_class("needs"), "just phoned in: nothing to see yet"
        lane.clock.advance(seconds=70)
        lane.app._tick()  # the lane's tick, as the interval would run it
        assert await eventually(pilot, lambda: row.has_class("needs"))
        assert "WAITING" in str(row.label)
