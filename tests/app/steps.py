"""The steps app tests take as a person would: badges, PIN taps, waiting for the writer."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select

from kiosk.screens.lane import LaneScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.pin_pad import PinPadScreen
from records.models import LearnerRecord, SessionMarkRecord
from tests.screens.harness import tap

AISHA, DANIEL, BETHAN = "1A00990001", "1A00990002", "1A00990003"  # S01 F searcher, S02 M, S03 F
SHIV, CHIDI = "0C00062102", "0C00062101"  # Siobhán (F), Chidi (M)
ZOE = "0C00062103"


async def type_into(pilot, selector: str, text: str) -> None:
    await tap(pilot, selector)
    await pilot.press(*text)
    await pilot.pause()


async def sign_on(st, pilot, badge: str, pin: str = "1234") -> None:
    st.reader.present(badge)
    await settled(st.app, pilot)  # the badge is looked up on the writer thread
    assert isinstance(st.app.screen, PinPadScreen)
    for digit in pin:
        await tap(pilot, f"#key-{digit}")
    await tap(pilot, "#key-ok")
    await settled(st.app, pilot)  # the PIN is checked on the writer thread


async def close_duty(pilot) -> None:
    await tap(pilot, "#close")


async def settled(app, pilot, seconds: float = 30.0) -> None:
    """Wait until the writer has recorded everything sent to it and the screen has caught up.

    A deadline in time, not a count of passes: under load each fsync'd write takes longer."""
    deadline = time.monotonic() + seconds
    await pilot.pause()
    while app.writer.waiting:
        if time.monotonic() > deadline:
            raise AssertionError("the writer did not finish")
        await pilot.pause(0.01)
    await pilot.pause()


async def arrives(st, pilot, badge: str) -> None:
    st.reader.present(badge)
    await settled(st.app, pilot)


async def open_learner(st, pilot, first_name: str) -> None:
    """From the queue, one touch on the learner's row opens their desk."""
    await settled(st.app, pilot)
    assert isinstance(st.app.screen, LaneScreen), st.app.screen
    row = next(r for r in st.app.lane_view.rows if r.first_name == first_name)
    button = st.app.screen.row_of(row.learner_id)
    assert button is not None, f"{first_name} has no row on the queue"
    await tap(pilot, f"#{button.id}")
    assert isinstance(st.app.screen, LearnerDeskScreen)


async def eventually(pilot, condition, seconds: float = 5.0) -> bool:
    """Whether `condition()` holds within `seconds` (a flashing light is off half the time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


async def press(st, pilot, selector: str) -> None:
    await tap(pilot, selector)
    await settled(st.app, pilot)


def marks(st) -> dict[str, tuple[str, str]]:
    with st.book.sessions() as session:
        rows = session.execute(
            select(LearnerRecord.mis_id, SessionMarkRecord.code, SessionMarkRecord.comment)
            .join(SessionMarkRecord)
            .where(SessionMarkRecord.date == date(2026, 11, 23))
        ).all()
    return {mis_id: (code, comment) for mis_id, code, comment in rows}


async def at_phone_station(st, pilot, badge: str) -> None:
    st.phone.present(badge)
    await settled(st.app, pilot)


async def arch(st, pilot, *, alarm: bool = False) -> None:
    if alarm:
        st.arch.trip("Z2")
    else:
        st.arch.clear()  # a serial arch's pass line
    await settled(st.app, pilot)
