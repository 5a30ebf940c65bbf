"""A kiosk left running for weeks: each session's queue, duty list and marks belong to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select

from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen
from kiosk.screens.lane import LaneScreen
from kiosk.screens.pin_pad import PinPadScreen
from records.models import LearnerRecord, SessionMarkRecord, VisitEventRecord
from tests.app.conftest import Station
from tests.app.steps import (
    BETHAN,
    CHIDI,
    SHIV,
    arch,
    arrives,
    at_phone_station,
    close_duty,
    eventually,
    settled,
    sign_on,
)
from tests.screens.harness import shown

DAY = timedelta(days=1)


def marks_on(st: Station, day: date) -> dict[str, tuple[str, int]]:
    with st.book.sessions() as session:
        rows = session.execute(
            select(LearnerRecord.mis_id, SessionMarkRecord.code, SessionMarkRecord.minutes_late)
            .join(SessionMarkRecord)
            .where(SessionMarkRecord.date == day)
        ).all()
    return {mis_id: (code, minutes) for mis_id, code, minutes in rows}


async def test_yesterdays_admitted_learner_is_a_new_arrival_today(lane) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await arrives(lane, pilot, CHIDI)
        await at_phone_station(lane, pilot, CHIDI)
        await arch(lane, pilot)
        lane.clock.advance(DAY.total_seconds())
        await arrives(lane, pilot, CHIDI)
        assert "Phone in slot" in shown(lane.app), "a new morning: told the next step again"
        assert [r.first_name for r in lane.app.lane_view.rows] == ["Chidi"]
        await at_phone_station(lane, pilot, CHIDI)
        await arch(lane, pilot)
    assert marks_on(lane, date(2026, 11, 23)) == {"A1001": ("/", 0)}
    assert marks_on(lane, date(2026, 11, 24)) == {"A1001": ("/", 0)}


async def test_a_tap_outside_the_sessions_hours_is_not_marked_late(lane) -> None:
    lane.clock.advance(timedelta(hours=15, minutes=29).total_seconds())  # 23:59
    async with lane.app.run_test(size=(100, 30)) as pilot:
        await arrives(lane, pilot, CHIDI)
        assert isinstance(lane.app.screen, GreetingScreen)
        assert "Please see a member of staff" in shown(lane.app)
        assert lane.app.lane_view.rows == ()
    assert marks_on(lane, date(2026, 11, 23)) == {}
    with lane.book.sessions() as session:
        assert session.scalars(select(VisitEventRecord)).all() == []


async def test_a_plain_sign_in_at_midnight_is_not_marked(station) -> None:
    station.clock.advance(timedelta(hours=15, minutes=29).total_seconds())  # 23:59
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present(CHIDI)
        await settled(station.app, pilot)
        assert "Signing in is closed" in shown(station.app)
    assert marks_on(station, date(2026, 11, 23)) == {}


async def test_staff_are_signed_off_when_the_session_ends(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await settled(desk.app, pilot)
        assert isinstance(desk.app.screen, LaneScreen)
        desk.clock.advance(timedelta(hours=10).total_seconds())  # 18:30: the day has ended
        desk.app._tick()  # the lane's own timer, without waiting for it
        await settled(desk.app, pilot)
        assert not desk.app.desk.unlocked
        assert desk.app.desk.duty.members == ()
        assert isinstance(desk.app.screen, IdleScreen)


async def test_a_pin_pad_left_open_closes_after_the_idle_time(desk) -> None:
    desk.app.config = replace(
        desk.app.config, policy=replace(desk.app.config.policy, staff_idle_lock_seconds=1)
    )
    async with desk.app.run_test(size=(100, 30)) as pilot:
        desk.reader.present(BETHAN)
        await settled(desk.app, pilot)
        assert isinstance(desk.app.screen, PinPadScreen)
        assert await eventually(pilot, lambda: isinstance(desk.app.screen, IdleScreen), 3.0)


async def test_a_learners_tap_closes_a_pin_pad_left_open(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        desk.reader.present(BETHAN)
        await settled(desk.app, pilot)
        assert isinstance(desk.app.screen, PinPadScreen)
        desk.reader.present(SHIV)
        await settled(desk.app, pilot)
        assert isinstance(desk.app.screen, GreetingScreen)
        assert "Shiv" in shown(desk.app)


async def test_staff_on_duty_are_on_record_for_the_fire_roll_until_the_session_ends(desk) -> None:
    from records.duty import StaffSignOnRecord

    def spells() -> list[tuple[str, bool]]:
        with desk.book.sessions() as session:
            rows = session.scalars(select(StaffSignOnRecord)).all()
            return [(r.station, r.signed_off_at is None) for r in rows]

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await settled(desk.app, pilot)
        assert spells() == [("main", True)], "signed on: on site"
        desk.clock.advance(timedelta(hours=10).total_seconds())  # the day has ended
        desk.app._tick()
        await settled(desk.app, pilot)
        assert spells() == [("main", False)], "signed off with the session"
