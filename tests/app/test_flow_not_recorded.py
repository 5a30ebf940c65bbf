"""A staff step the database will not take (a card gone read-only): staff are told nothing was
recorded and are back at the queue to try again, rather than left on the learners' screen."""

from __future__ import annotations

from sqlalchemy import event, select

from kiosk.screens.lane import LaneScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.station.staff_session import FLOWS
from records.models import PhoneHandinRecord
from tests.app.steps import CHIDI, DANIEL, arrives, close_duty, open_learner, press, sign_on


def read_only_while(st, switch: dict[str, bool]) -> None:
    """Every connection the book hands out is read-only while `switch["on"]`: SQLite's own
    refusal ("attempt to write a readonly database"), as on an SD card remounted read-only."""

    @event.listens_for(st.book.engine, "checkout")
    def _query_only(dbapi_connection, *_):
        dbapi_connection.execute(f"PRAGMA query_only = {int(switch['on'])}")


def phones(st) -> list[PhoneHandinRecord]:
    with st.book.sessions() as session:
        return list(session.scalars(select(PhoneHandinRecord)))


async def test_a_step_not_recorded_ends_the_flow_at_the_queue_and_can_be_tried_again(desk) -> None:
    switch = {"on": False}
    read_only_while(desk, switch)
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, DANIEL)
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")

        switch["on"] = True
        await press(desk, pilot, "#no-phone")
        assert isinstance(desk.app.screen, LaneScreen), desk.app.screen
        told = [n.message for n in desk.app._notifications]
        assert any("nothing was recorded" in message for message in told), told
        assert all(w.is_finished for w in desk.app.workers if w.group == FLOWS)

        switch["on"] = False  # writable again: nothing was kept, and the step is tried again
        assert phones(desk) == []
        await open_learner(desk, pilot, "Chidi")
        await press(desk, pilot, "#no-phone")
        assert isinstance(desk.app.screen, LearnerDeskScreen | LaneScreen)
        (phone,) = phones(desk)
        assert phone.no_phone and phone.received_by_id is not None
