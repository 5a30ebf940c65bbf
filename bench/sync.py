"""Sync with the hub: how soon a door's event is at the hub, and how fast a backlog drains.

A door (a `LaneKeeper` on its own SQLite file, learners tapping in and walking through the arch)
and a hub on a throwaway PostgreSQL server on this machine.
- `sync_lag_p99_ms`: from an event's commit at the door to its row at the hub (the hub's
  transaction time), with the door's `SyncWorker` running as the app runs it; hub up.
- `backlog_drain_events_per_s`: after an outage of 1,000 events, one sync round sending them.
Targets: lag at most 1,000 ms, drain at least 500 events/s.
`python -m bench.sync` prints these figures alone.
"""

from __future__ import annotations

import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bench.endtoend import percentile
from kiosk.config import Config, parse_config
from kiosk.database import Book, open_book
from kiosk.domain.lane import ArchPassed
from kiosk.door.lane import LaneKeeper
from kiosk.hub import SyncWorker, hub_engine, sync_once
from kiosk.people.roster_import import import_learners
from records.database import upgrade
from records.hub import HubEventRecord, upgrade_hub
from records.models import LearnerRecord, VisitEventRecord

LAG_LEARNERS = 150  # 300 events, a few hundred milliseconds apart at most
BACKLOG_LEARNERS = 500  # 1,000 events


def _door(
    folder: Path, hub_url: str, learners: int
) -> tuple[LaneKeeper, Config, Book, dict[str, int]]:
    url = f"sqlite:///{folder / 'door.db'}"
    text = (
        # Open all day, so the taps can carry the real time (the lag is measured on the clock).
        '[school]\ndoors_open = "00:00"\nday_ends = "23:59"\n'
        f'[database]\nurl = "{url}"\n'
        '[policy]\nphone_handin = "off"\n[rfid]\ndriver = "none"\n'
        '[detector]\ndriver = "serial"\nport = "loop://"\n'
        f'[hub]\nurl = "{hub_url}"\ninterval_seconds = 1.0\n'
    )
    config = parse_config(tomllib.loads(text), folder / "door.toml")
    upgrade(url)
    book = open_book(url)
    roster = folder / "learners.csv"
    roster.write_text(
        "mis_id,surname,forename,sex\n"
        + "".join(f"M{n:05d},S{n},F{n},{'FM'[n % 2]}\n" for n in range(learners)),
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    with book.sessions.begin() as session:
        import_learners(session, roster, today=now.date(), now=now)
    with book.sessions() as session:
        ids = {m: i for m, i in session.execute(select(LearnerRecord.mis_id, LearnerRecord.id))}
    keeper = LaneKeeper(config, book.sessions, station="main", draw=lambda: 0.5)
    return keeper, config, book, ids


def _through(keeper: LaneKeeper, learner_id: int) -> None:
    tapped = datetime.now(UTC)
    keeper.arrive(learner_id, "L", tapped)
    passed = datetime.now(UTC)
    keeper.handle(ArchPassed(passed), by=None, now=passed)


def lag_p99_ms(folder: Path, hub_url: str) -> float:
    keeper, config, book, ids = _door(folder, hub_url, LAG_LEARNERS)
    worker = SyncWorker(config, book.sessions)
    worker.start()
    try:
        for learner_id in ids.values():
            _through(keeper, learner_id)
            worker.nudge()
            time.sleep(0.02)
        deadline = time.monotonic() + 60
        while worker.status().waiting and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    with book.sessions() as session:
        recorded = {
            e: r
            for e, r in session.execute(
                select(VisitEventRecord.event_id, VisitEventRecord.recorded_at)
            )
        }
    hub = hub_engine(hub_url)
    with hub.connect() as conn:
        received = {
            e: r
            for e, r in conn.execute(select(HubEventRecord.event_id, HubEventRecord.received_at))
        }
    hub.dispose()
    book.close()
    lags = [(received[e] - recorded[e]) / timedelta(milliseconds=1) for e in recorded]
    return percentile(lags, 0.99)


def drain_events_per_s(folder: Path, hub_url: str) -> float:
    keeper, config, book, ids = _door(folder, hub_url, BACKLOG_LEARNERS)
    for learner_id in ids.values():  # the hub is out of reach: nothing is sent meanwhile
        _through(keeper, learner_id)
    hub = hub_engine(hub_url)
    started = time.perf_counter()
    report = sync_once(
        book.sessions,
        hub,
        "main",
        now=datetime.now(UTC),
        zone=config.school.zone,
    )
    seconds = time.perf_counter() - started
    hub.dispose()
    book.close()
    assert report.sent == 2 * BACKLOG_LEARNERS, report
    return report.sent / seconds


def main() -> None:
    try:
        from tests.pgserver import PostgresUnavailable, start_server
    except ImportError:  # an installed wheel without the tests
        print("sync_lag_p99_ms: skipped (tests/pgserver.py not found)")
        return
    try:
        server = start_server("bench-sync")
    except PostgresUnavailable as exc:
        print(f"sync_lag_p99_ms: skipped ({exc})")
        return
    try:
        with tempfile.TemporaryDirectory() as folder:
            lag_url = server.create_database()
            upgrade_hub(lag_url)
            Path(folder, "lag").mkdir(mode=0o700)
            lag = lag_p99_ms(Path(folder) / "lag", lag_url)
            drain_url = server.create_database()
            upgrade_hub(drain_url)
            Path(folder, "drain").mkdir(mode=0o700)
            drain = drain_events_per_s(Path(folder) / "drain", drain_url)
    finally:
        server.stop()
    print(f"sync_lag_p99_ms: {lag:.0f} (target <= 1000)")
    print(f"backlog_drain_events_per_s: {drain:.0f} (target >= 500)")


if __name__ == "__main__":
    main()
