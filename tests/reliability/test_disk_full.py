"""The disk fills up mid-morning: staff are told on screen and in the log, nothing already
recorded is lost, and the kiosk carries on once there is room again."""

from __future__ import annotations

import logging
import sqlite3
import time

from sqlalchemy import event

from drivers.framing import encode_frame
from kiosk.config import load_config
from kiosk.station.app import DISK_FULL_STATUS
from kiosk.station.launch import build_production
from tests.reliability.conftest import WAIT_SECONDS, badge, mis_id

LEARNERS = 400


async def until(predicate, pilot, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out")


def answered(app, n: int) -> bool:
    """The screen answers learner n's tap: a greeting by name, or "not saved"."""
    headline = getattr(app.screen, "headline", "")
    return headline.endswith(f"Learner{n}") or "not saved" in getattr(app.screen, "next_step", "")


def status_line(app) -> str:
    return str(app.idle.query_one("#status").render())


async def test_a_full_disk_is_reported_and_loses_nothing_already_recorded(
    school, mock_pins, caplog
) -> None:
    caplog.set_level(logging.INFO)
    place = school(LEARNERS)
    app = build_production(load_config(place.config_path))
    with sqlite3.connect(place.db) as db:
        (pages,) = db.execute("PRAGMA page_count").fetchone()
    room = {"pages": pages}

    # SQLite's own limit on the database's size: past it, a write fails with SQLITE_FULL,
    # "database or disk is full", exactly as on a full SD card.
    @event.listens_for(app.book.engine, "checkout")
    def _limit(dbapi_connection, *_):
        dbapi_connection.execute(f"PRAGMA max_page_count = {room['pages']}")

    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: app.devices.reader.is_online, pilot)
        shown: list[tuple[int, str]] = []
        for n in range(LEARNERS):
            place.reader.write(encode_frame(badge(n)))
            await until(lambda n=n: answered(app, n), pilot)
            shown.append((n, app.screen.next_step))
            if "not saved" in app.screen.next_step:
                break
        else:
            raise AssertionError("the database never filled up")
        full_at = shown[-1][0]
        assert full_at > 0
        assert status_line(app) == DISK_FULL_STATUS
        assert "disk full: a tap was not saved" in caplog.text
        assert "database or disk is full" in caplog.text
        saved = [who for who, _ in place.marks()]
        assert saved == [mis_id(n) for n in range(full_at)], "everything before is kept"

        room["pages"] = 1_000_000  # space is freed
        app.book.engine.dispose()
        place.reader.write(encode_frame(badge(full_at + 1)))  # the next learner in the queue
        await until(lambda: len(place.marks()) == full_at + 1, pilot)
        assert place.marks()[-1][0] == mis_id(full_at + 1)
        await until(lambda: status_line(app) == "reader online", pilot)
    with sqlite3.connect(place.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
