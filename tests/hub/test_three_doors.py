"""Three doors, one hub, 600 learners: the hub down for part of the morning, a kiosk killed.

The three kiosks here are three `LaneKeeper`s on three SQLite files, each driven in a thread of
its own with its own `SyncWorker` (not three full app processes with pseudo-terminal readers).
The hub is a real PostgreSQL server, really stopped and started again. The killed kiosk is a
real `kiosk sync` process, SIGKILLed while it is pushing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.hub import SyncWorker, already_in, hub_attendance_rows, publish_roster
from records.hub import HubEventRecord, hub_session_marks
from records.models import LearnerRecord, RefusalRecord, SessionMarkRecord, VisitEventRecord
from tests.hub.doors import (
    AFTER_REGISTER,
    DAY,
    Door,
    HubServer,
    admit,
    at,
    local_ids,
    make_door,
    refuse,
    roster_files,
    wait_for,
)

LEARNERS = 600
DOORS = ("main", "side", "sixth")


def plan_morning(seed: int) -> dict[str, list[tuple[datetime, str, str]]]:
    """Each door's taps in time order: (tapped at, MIS id, "admit" | "refuse").

    Most learners come once, at one door, from 08:10 to 09:20 (some late); 30 tap at two doors;
    15 are refused at one door and admitted at another; 5 are refused only; 10 never come.
    """
    rng = random.Random(seed)
    taps: dict[str, list[tuple[datetime, str, str]]] = {d: [] for d in DOORS}
    start = at(8, 10)
    second = 0

    def when() -> datetime:
        nonlocal second
        second += 1
        # Distinct times (the rule's ties are covered elsewhere), spread over 70 minutes.
        return start + timedelta(seconds=rng.randrange(70 * 60), microseconds=second)

    for n in range(LEARNERS):
        mis_id = f"M{n:04d}"
        first, other = rng.sample(DOORS, 2)
        if n < 30:
            taps[first].append((when(), mis_id, "admit"))
            taps[other].append((when(), mis_id, "admit"))
        elif n < 45:
            refused = when()
            taps[first].append((refused, mis_id, "refuse"))
            taps[other].append((refused + timedelta(minutes=rng.randrange(1, 20)), mis_id, "admit"))
        elif n < 50:
            taps[first].append((when(), mis_id, "refuse"))
        elif n < 60:
            continue
        else:
            taps[first].append((when(), mis_id, "admit"))
    for door in taps.values():
        door.sort()
    return taps


def run_doors(
    doors: dict[str, Door],
    taps: dict[str, list[tuple[datetime, str, str]]],
    until: datetime,
    workers: dict[str, SyncWorker],
) -> None:
    """Each door takes its taps before `until` in a thread of its own."""
    failures: list[BaseException] = []

    def work(door: Door) -> None:
        ids = local_ids(door)
        try:
            while taps[door.name] and taps[door.name][0][0] < until:
                tapped_at, mis_id, what = taps[door.name].pop(0)
                (admit if what == "admit" else refuse)(door, ids[mis_id], tapped_at)
                workers[door.name].nudge()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(door,)) for door in doors.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def offline_with_backlog(worker: SyncWorker) -> bool:
    status = worker.status()
    return status.online is False and status.waiting > 0


def drained(worker: SyncWorker) -> bool:
    status = worker.status()
    return status.online is True and status.waiting == 0


def rule_from_local_logs(doors: dict[str, Door]) -> dict[str, tuple[str, int, str]]:
    """The mark each learner should have, worked out from the three doors' own books alone."""
    admissions: dict[str, list[Any]] = {}
    refusals: dict[str, list[Any]] = {}
    for door in doors.values():
        with door.book.sessions() as session:
            for mark, mis_id in session.execute(
                select(SessionMarkRecord, LearnerRecord.mis_id)
                .join(LearnerRecord)
                .where(SessionMarkRecord.admitted_at.is_not(None))
            ):
                admissions.setdefault(mis_id, []).append(
                    (mark.arrived_at, mark.admitted_at, door.name, mark)
                )
            for refusal, mis_id in session.execute(
                select(RefusalRecord, LearnerRecord.mis_id).join(LearnerRecord)
            ):
                refusals.setdefault(mis_id, []).append((refusal.refused_at, door.name, refusal))
    rule = {}
    for mis_id, found in admissions.items():
        mark = min(found, key=lambda x: x[:3])[3]
        rule[mis_id] = (mark.code, mark.minutes_late, mark.comment)
    for mis_id, found in refusals.items():
        if mis_id not in rule:
            refusal = min(found, key=lambda x: x[:2])[2]
            rule[mis_id] = ("O", 0, f"refused {refusal.kind}: not admitted")
    return rule


def test_a_morning_of_600_learners_at_three_doors_with_the_hub_down_for_part_of_it(
    tmp_path: Path, hub_url: str, hub: Engine, hub_server: HubServer
) -> None:
    roster = roster_files(tmp_path / "roster", LEARNERS)
    doors = {
        name: make_door(tmp_path / name, name, hub_url, roster=roster, shuffled=name != "main")
        for name in DOORS
    }
    workers = {
        name: SyncWorker(door.config, door.book.sessions, clock=lambda: AFTER_REGISTER)
        for name, door in doors.items()
    }
    taps = plan_morning(seed=20261123)
    # The office publishes the roster from its door; the hub's copy is what exports read.
    publish_roster(doors["main"].book.sessions, hub, at(7, 30))
    try:
        for worker in workers.values():
            worker.start()
        run_doors(doors, taps, at(8, 30), workers)
        hub_server.pause()
        try:
            run_doors(doors, taps, at(8, 50), workers)
            for name, worker in workers.items():
                wait_for(
                    partial(offline_with_backlog, worker),
                    f"{name} to show the hub offline with events waiting",
                )
                assert (
                    worker.status().line(doors[name].config.school.zone).startswith("hub offline, ")
                )
        finally:
            hub_server.resume()
        run_doors(doors, taps, at(23, 59), workers)
        for name, worker in workers.items():
            wait_for(partial(drained, worker), f"{name}'s backlog to drain", timeout=120)
        for worker in workers.values():
            worker.stop()
        # One more round each after the last event, so every door has the others' arrivals.
        for worker in workers.values():
            assert worker.run_once() is not None

        local_events: list[str] = []
        for door in doors.values():
            with door.book.sessions() as session:
                local_events += session.scalars(select(VisitEventRecord.event_id)).all()
        with hub.connect() as conn:
            hub_events = conn.execute(select(HubEventRecord.event_id)).scalars().all()
            marks = conn.execute(select(hub_session_marks)).all()
            per_learner = conn.execute(
                select(hub_session_marks.c.mis_id, func.count()).group_by(
                    hub_session_marks.c.mis_id
                )
            ).all()
            exported = list(
                hub_attendance_rows(
                    conn,
                    day=DAY,
                    school_session=SchoolSession.AM,
                    school=SchoolConfig(),
                    now=AFTER_REGISTER,
                )
            )
        # No event lost or doubled.
        assert len(hub_events) == len(set(hub_events)) == len(local_events)
        assert set(hub_events) == set(local_events)
        # One mark per learner who came, equal to the rule worked out from the local logs.
        rule = rule_from_local_logs(doors)
        assert len(rule) == 590
        assert all(count == 1 for _, count in per_learner)
        assert {m.mis_id: (m.code, m.minutes_late, m.comment) for m in marks} == rule
        # The export from the hub is the same computation, with N for those never seen.
        expected = sorted(
            (
                f"M{n:04d}",
                "",
                f"Surname{n:04d}",
                f"Forename{n:04d}",
                DAY.isoformat(),
                "AM",
                *(
                    (rule[f"M{n:04d}"][0], str(rule[f"M{n:04d}"][1]), rule[f"M{n:04d}"][2])
                    if f"M{n:04d}" in rule
                    else ("N", "0", "")
                ),
            )
            for n in range(LEARNERS)
        )
        assert exported == expected
        # The doors that did not admit a learner know they are in.
        for door in doors.values():
            ids = local_ids(door)
            with door.book.sessions() as session:
                assert all(
                    already_in(session, ids[m.mis_id], DAY, "AM")
                    for m in marks
                    if m.kind == "admission" and m.station != door.name
                )
    finally:
        for worker in workers.values():
            worker.stop()
        for door in doors.values():
            door.close()


def kiosk_sync(config: Path) -> subprocess.Popen[str]:
    """A real `kiosk sync` process (its group registered as kiosk.cli registers it)."""
    code = (
        "import sys\n"
        "from kiosk import cli\n"
        "from kiosk.cli import hub as cli_hub\n"
        "if cli_hub.add_commands not in cli.COMMAND_GROUPS:\n"
        "    cli.COMMAND_GROUPS += (cli_hub.add_commands,)\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, "sync", "--batch-size", "1", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def test_a_kiosk_killed_while_pushing_sends_the_rest_on_its_next_run_and_nothing_twice(
    tmp_path: Path, hub_url: str, hub: Engine
) -> None:
    roster = roster_files(tmp_path / "roster", 300)
    door = make_door(tmp_path / "main", "main", hub_url, roster=roster)
    try:
        ids = local_ids(door)
        for n in range(300):
            admit(door, ids[f"M{n:04d}"], at(8, 10) + timedelta(seconds=7 * n))
        with door.book.sessions() as session:
            local = set(session.scalars(select(VisitEventRecord.event_id)))
        assert len(local) == 600

        def at_hub() -> int:
            with hub.connect() as conn:
                return int(
                    conn.execute(select(func.count()).select_from(HubEventRecord)).scalar_one()
                )

        first = kiosk_sync(door.config_path)
        wait_for(lambda: at_hub() >= 20 or first.poll() is not None, "the push to start")
        first.send_signal(signal.SIGKILL)
        first.wait()
        cut_at = at_hub()
        assert first.returncode == -signal.SIGKILL
        assert 0 < cut_at < 600

        second = kiosk_sync(door.config_path)
        out, err = second.communicate(timeout=300)

        assert second.returncode == 0, err
        assert out.startswith(f"sent {600 - cut_at} event(s) to the hub")
        with hub.connect() as conn:
            pushed = conn.execute(select(HubEventRecord.event_id)).scalars().all()
        assert len(pushed) == 600 and set(pushed) == local
    finally:
        door.close()
