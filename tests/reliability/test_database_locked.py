"""Another program holds the database's write lock for seconds: the kiosk waits, says so, and
saves every tap made meanwhile once the lock is gone, in order, exactly once."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime

from drivers.framing import encode_frame
from kiosk.config import load_config
from kiosk.station.launch import build_production
from tests.reliability.conftest import WAIT_SECONDS, badge, mis_id

LOCK_SECONDS = 6.5  # longer than the 5 s busy_timeout, so the kiosk must retry, not give up


async def until(predicate, pilot, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out")


def _utc(stored: str) -> datetime:
    at = datetime.fromisoformat(stored)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def status_line(app) -> str:
    return str(app.idle.query_one("#status").render())


async def test_taps_during_a_long_lock_are_saved_in_order_once_it_is_released(
    school, mock_pins, caplog
) -> None:
    caplog.set_level(logging.INFO)
    place = school(10)
    app = build_production(load_config(place.config_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: app.devices.reader.is_online, pilot)
        place.reader.write(encode_frame(badge(0)))
        await until(lambda: len(place.marks()) == 1, pilot)

        other = sqlite3.connect(place.db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # e.g. a backup or a bulk import holding the lock
        other.execute("UPDATE learners SET reg_group = reg_group")
        locked_at = time.monotonic()
        for count, n in enumerate((3, 1, 2, 5), start=2):
            place.reader.write(encode_frame(badge(n)))
            # One tap after another, as a queue taps: each read before the next is presented.
            await until(lambda count=count: app.devices.reader.read_count == count, pilot)
        await until(lambda: "4 sign-in(s) waiting" in status_line(app), pilot)
        assert "Database busy" in status_line(app)
        # The learner was answered while the tap waits (the greeting, reused for every answer,
        # says so; it may have timed out on a slow machine since).
        assert app.greeting.headline == "One moment"
        assert len(place.marks()) == 1, "nothing can be written while the lock is held"
        await pilot.pause(max(0.0, LOCK_SECONDS - (time.monotonic() - locked_at)))
        assert len(place.marks()) == 1
        released = datetime.now(UTC)
        other.execute("COMMIT")
        other.close()

        # Every queued tap reported back (the status line is the reader's again): nothing more
        # is coming, so the marks can be counted.
        await until(lambda: status_line(app) == "reader online", pilot)
        marks = place.marks()
        assert [who for who, _ in marks] == [mis_id(n) for n in (0, 3, 1, 2, 5)]
        arrivals = [at for _, at in marks]
        assert arrivals == sorted(arrivals)
        assert all(_utc(at) < released for at in arrivals), "the read time is the arrival time"
        assert place.admissions_audited() == 5
        assert app.greeting.headline.endswith("Learner5")
    assert "taps are queued" in caplog.text
