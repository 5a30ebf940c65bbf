"""Three doors as three real `kiosk run` processes, one PostgreSQL hub, 600 learners.

Each kiosk has pseudo-terminal readers at its entry and its arch, its own SQLite log, and syncs
on its own. The hub is stopped for part of the morning and started again; one kiosk is killed
with SIGKILL while it has a backlog, and again while a batch of it is half-way into the hub;
some learners tap at two doors. Once every backlog has drained, the hub holds every door's
events once, one mark per learner (the earliest admission at any door), and the attendance
export read from the hub is what the three local logs give.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select, text

from kiosk.cli import main as kiosk
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import ATTENDANCE_HEADER, unmarked_cells
from records.hub import HubEventRecord, HubMarkRecord, hub_session_marks
from tests.hub.doors import HubServer, roster_files
from tests.hub.kiosk_processes import KioskDoor, SchoolClock, utc, wait_until

pytestmark = pytest.mark.postgres

LEARNERS = 600
DOORS = ("main", "side", "sixth")
KILLED = "side"
# The killed door sends small batches, so the one it is killed in is one of several.
KILLED_BATCH = 20
# Learner numbers (tests.hub.doors.roster_files: MIS id M0000.., Forename0000..).
SIDE_FIRST = range(0, 10)  # in at the side gate, then at the main gate, both while the hub is down
SIXTH_FIRST = range(10, 20)  # in at the sixth-form door, then at the side gate, hub down
GREETED = range(20, 30)  # in at the main gate; at the sixth-form door later, greeted as in
ALARMED = range(30, 40)  # the sixth-form arch alarms (left with staff); in at the main gate later
NEVER = range(40, 50)  # never come; the rest (50..599) come once, each to one door


def mis(n: int) -> str:
    return f"M{n:04d}"


@dataclass(frozen=True)
class Visit:
    """A learner at a door: their tap, then the arch passes them or alarms."""

    n: int
    alarm: bool = False


Phase = dict[str, list[Visit]]


def singles(numbers: range) -> Phase:
    """Learners who come once, each to one door."""
    return {door: [Visit(n) for n in numbers if n % 3 == i] for i, door in enumerate(DOORS)}


def morning() -> tuple[Phase, Phase, Phase, Phase]:
    """The taps of the morning: two phases with the hub up around two with it down."""
    hub_up = singles(range(50, 230))
    hub_up["main"] += [Visit(n) for n in GREETED]
    hub_up["sixth"] += [Visit(n, alarm=True) for n in ALARMED]
    first = singles(range(230, 330))
    first["side"][:0] = [Visit(n) for n in SIDE_FIRST]
    first["sixth"][:0] = [Visit(n) for n in SIXTH_FIRST]
    second = singles(range(330, 420))
    second["main"] += [Visit(n) for n in SIDE_FIRST]
    second["side"] += [Visit(n) for n in SIXTH_FIRST]
    back = singles(range(420, LEARNERS))
    back["main"] += [Visit(n) for n in ALARMED]
    return hub_up, first, second, back


def walk(door: KioskDoor, visits: list[Visit], batch: int = 10) -> None:
    """The visits in groups: the group's taps, each recorded; then the arch, once for each
    learner in the group in the order they came (each arch event is the head of the queue's)."""
    for start in range(0, len(visits), batch):
        group = visits[start : start + batch]
        before = door.events()
        for visit in group:
            door.tap(visit.n)
        recorded(door, before + len(group), "one event per tap")
        for visit in group:
            door.alarms() if visit.alarm else door.passes()
        recorded(door, before + 2 * len(group), "one event per walk-through")


def recorded(door: KioskDoor, count: int, what: str) -> None:
    """Wait until the door's log holds `count` events, and not one more."""
    wait_until(lambda: door.events() >= count, f"{door.name}: {what}", said=door.said)
    assert door.events() == count, f"{door.name}: {what}"


def at_every_door(doors: dict[str, KioskDoor], work: Callable[[KioskDoor], None]) -> None:
    """`work` at each door at once, each on a thread of its own (three doors, one morning)."""
    failures: list[BaseException] = []

    def run(door: KioskDoor) -> None:
        try:
            work(door)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(door,)) for door in doors.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def walk_phase(doors: dict[str, KioskDoor], phase: Phase) -> None:
    at_every_door(doors, lambda door: walk(door, phase[door.name]))


# --- what the hub and the doors hold ------------------------------------------------------------


def hub_count(conn: Connection, record: Any, station: str, **where: object) -> int:
    query = select(func.count()).select_from(record).where(record.station == station)
    for name, value in where.items():
        query = query.where(getattr(record, name) == value)
    return int(conn.execute(query).scalar_one())


def drained(hub: Engine, doors: dict[str, KioskDoor]) -> bool:
    """Every door's events and admissions are at the hub."""
    with hub.connect() as conn:
        for door in doors.values():
            if hub_count(conn, HubEventRecord, door.name) != door.events():
                return False
            admitted = door.count(
                "SELECT count(*) FROM session_marks WHERE admitted_at IS NOT NULL"
            )
            if hub_count(conn, HubMarkRecord, door.name, kind="admission") != admitted:
                return False
    return True


def local_events(doors: dict[str, KioskDoor]) -> list[tuple[Any, ...]]:
    """(event id, door, local id, kind, time, MIS id) of every event in the three logs."""
    found = []
    for door in doors.values():
        for event_id, station, local_id, kind, at, mis_id in door.query(
            "SELECT e.event_id, e.station, e.id, e.kind, e.at, l.mis_id FROM visit_events e "
            "LEFT JOIN learners l ON l.id = e.learner_id"
        ):
            found.append((event_id, station, local_id, kind, utc(at), mis_id))
    return sorted(found)


def rule_from_local_logs(doors: dict[str, KioskDoor]) -> dict[str, tuple[Any, ...]]:
    """Each learner's mark worked out from the three logs alone: their earliest admission at
    any door (by the tap, then the admission, then the door's name), as that door marked it."""
    admissions: dict[str, list[tuple[Any, ...]]] = {}
    for door in doors.values():
        for mis_id, arrived_at, admitted_at, code, minutes, comment in door.query(
            "SELECT l.mis_id, m.arrived_at, m.admitted_at, m.code, m.minutes_late, m.comment "
            "FROM session_marks m JOIN learners l ON l.id = m.learner_id "
            "WHERE m.admitted_at IS NOT NULL"
        ):
            admissions.setdefault(mis_id, []).append(
                (utc(arrived_at), utc(admitted_at), door.name, code, minutes, comment)
            )
    return {
        mis_id: (station, arrived_at, code, minutes, comment)
        for mis_id, found in admissions.items()
        for arrived_at, _, station, code, minutes, comment in [min(found)]
    }


def admitted_at(door: KioskDoor, numbers: range) -> set[str]:
    marks = door.query(
        "SELECT l.mis_id FROM session_marks m JOIN learners l ON l.id = m.learner_id "
        "WHERE m.admitted_at IS NOT NULL"
    )
    return {mis_id for (mis_id,) in marks} & {mis(n) for n in numbers}


def seen_at(door: KioskDoor, numbers: range) -> set[str]:
    events = door.query(
        "SELECT DISTINCT l.mis_id FROM visit_events e JOIN learners l ON l.id = e.learner_id"
    )
    return {mis_id for (mis_id,) in events} & {mis(n) for n in numbers}


def export_from_hub(door: KioskDoor, clock: SchoolClock, out: Path) -> tuple[list[list[str]], bool]:
    """`kiosk export attendance` at a door with a hub, and whether the register had closed
    (asked again should the export straddle the close)."""
    while True:
        closed_before = datetime.now(UTC) > clock.closes_at
        status = kiosk(
            [
                "export",
                "attendance",
                "--date",
                clock.day.isoformat(),
                "--config",
                str(door.config_path),
                "--out",
                str(out),
            ]
        )
        assert status == 0
        if (datetime.now(UTC) > clock.closes_at) == closed_before:
            with out.open(newline="", encoding="utf-8") as handle:
                return list(csv.reader(handle)), closed_before


# --- the morning --------------------------------------------------------------------------------


@pytest.fixture
def doors(tmp_path: Path, hub_url: str) -> Iterator[tuple[dict[str, KioskDoor], SchoolClock]]:
    clock = SchoolClock(datetime.now(UTC))
    made = {
        name: KioskDoor(
            tmp_path / name,
            name,
            hub_url,
            clock,
            batch_size=KILLED_BATCH if name == KILLED else 100,
        )
        for name in DOORS
    }
    try:
        yield made, clock
    finally:
        for door in made.values():
            door.close()


def test_three_kiosks_sync_a_morning_of_600_learners_through_a_hub_outage_and_a_killed_kiosk(
    doors: tuple[dict[str, KioskDoor], SchoolClock],
    hub: Engine,
    hub_server: HubServer,
    tmp_path: Path,
) -> None:
    gates, clock = doors
    main, side, sixth = (gates[name] for name in DOORS)
    learners, _ = roster_files(tmp_path / "roster", LEARNERS)
    for door in gates.values():
        assert kiosk(["db", "upgrade", "--config", str(door.config_path)]) == 0
    # The office imports the roster at the main gate and publishes it; the other doors pull it.
    assert kiosk(["roster", "import", str(learners), "--config", str(main.config_path)]) == 0
    assert kiosk(["hub", "publish", "--config", str(main.config_path)]) == 0
    for door in gates.values():
        door.start()
    for door in gates.values():
        door.running().wait_drawn("reader online")
        door.running().wait_drawn("arch online")
        door.wait_until_holds("the school's roster", "SELECT count(*) = ? FROM badges", LEARNERS)
    hub_up, first, second, back = morning()

    # The hub is up: the sixth-form door hears of the main gate's arrivals and greets them as in.
    walk_phase(gates, hub_up)
    for n in GREETED:
        sixth.wait_until_holds(
            f"word from the hub that {mis(n)} is in",
            "SELECT count(*) FROM remote_arrivals WHERE mis_id = ?",
            mis(n),
        )
        sixth.tap(n)
        sixth.running().wait_drawn(f"You're already signed in, Forename{n:04d}")

    # The hub stops: every door keeps admitting, and two doors each let the same learners in.
    hub_server.pause()
    try:
        walk_phase(gates, first)
        walk_phase(gates, second)
        for door in (main, sixth):
            door.running().wait_drawn("hub offline, ")
        side.kill()  # a power cut at the side gate, its outage's events not yet sent
    finally:
        hub_server.resume()

    with hub.connect() as conn:
        sent_before = hub_count(conn, HubEventRecord, KILLED)
        pushed_to = conn.execute(
            select(func.coalesce(func.max(HubEventRecord.local_id), 0)).where(
                HubEventRecord.station == KILLED
            )
        ).scalar_one()
    backlog = side.query("SELECT event_id FROM visit_events WHERE id > ? ORDER BY id", pushed_to)
    assert len(backlog) > 2 * KILLED_BATCH, "the side gate was cut off with a backlog"
    # Hold one event of the side gate's second batch at the hub in a transaction of our own:
    # the side gate's push of that batch waits on it, half-way in, and is killed there.
    held = backlog[KILLED_BATCH + KILLED_BATCH // 2][0]
    blocker = hub.connect()
    try:
        holding = blocker.begin()
        now = datetime.now(UTC)
        blocker.execute(
            insert(HubEventRecord).values(
                event_id=held,
                station="test",
                local_id=0,
                date=clock.day,
                session="AM",
                at=now,
                kind="Held",
                payload="{}",
                recorded_at=now,
            )
        )
        side.start()

        def half_way() -> bool:
            with hub.connect() as conn:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO hub_events%'"
                    )
                ).scalar_one()
                sent = hub_count(conn, HubEventRecord, KILLED)
            return bool(waiting) and sent == sent_before + KILLED_BATCH

        wait_until(half_way, "the side gate's second batch to wait at the hub", said=side.said)
        side.kill()
        holding.rollback()
    finally:
        blocker.close()
    with hub.connect() as conn:
        assert hub_count(conn, HubEventRecord, KILLED) == sent_before + KILLED_BATCH
    side.start()
    side.running().wait_drawn("reader online")

    # The hub is back: the morning goes on, and the backlogs drain without anyone's help.
    walk_phase(gates, back)
    wait_until(lambda: drained(hub, gates), "every door's backlog to reach the hub", timeout=120)

    # No event lost or doubled: the hub holds each door's log, each event once.
    events = local_events(gates)
    with hub.connect() as conn:
        at_hub = sorted(
            (row.event_id, row.station, row.local_id, row.kind, row.at, row.learner_mis_id)
            for row in conn.execute(
                select(
                    HubEventRecord.event_id,
                    HubEventRecord.station,
                    HubEventRecord.local_id,
                    HubEventRecord.kind,
                    HubEventRecord.at,
                    HubEventRecord.learner_mis_id,
                )
            )
        )
        facts = sorted(
            conn.execute(
                select(HubMarkRecord.station, HubMarkRecord.mis_id, HubMarkRecord.at).where(
                    HubMarkRecord.kind == "admission"
                )
            ).tuples()
        )
        marks = conn.execute(select(hub_session_marks)).all()
    assert len(events) == len({e[0] for e in events}) > 2 * (LEARNERS - len(NEVER))
    assert at_hub == events

    # Every door's admissions are at the hub, each once: the facts the one mark is chosen from.
    assert facts == sorted(
        (door.name, mis_id, utc(arrived_at))
        for door in gates.values()
        for mis_id, arrived_at in door.query(
            "SELECT l.mis_id, m.arrived_at FROM session_marks m "
            "JOIN learners l ON l.id = m.learner_id WHERE m.admitted_at IS NOT NULL"
        )
    )
    # One mark for every learner admitted anywhere: the earliest admission, as its door gave it.
    rule = rule_from_local_logs(gates)
    assert len(rule) == LEARNERS - len(NEVER)
    assert len(marks) == len({m.mis_id for m in marks}) == len(rule)
    assert {m.mis_id: (m.station, m.at, m.code, m.minutes_late, m.comment) for m in marks} == rule
    # Both doors let these learners in while the hub was down; the mark is the earlier door's,
    # the side gate's among them, whose log reached the hub only after two kills.
    assert (
        admitted_at(side, SIDE_FIRST)
        == admitted_at(main, SIDE_FIRST)
        == {mis(n) for n in SIDE_FIRST}
    )
    assert (
        admitted_at(sixth, SIXTH_FIRST)
        == admitted_at(side, SIXTH_FIRST)
        == {mis(n) for n in SIXTH_FIRST}
    )
    assert {rule[mis(n)][0] for n in SIDE_FIRST} == {"side"}
    assert {rule[mis(n)][0] for n in SIXTH_FIRST} == {"sixth"}
    # Greeted as in at the sixth-form door, which recorded nothing for them.
    assert seen_at(sixth, GREETED) == set()
    assert {rule[mis(n)][0] for n in GREETED} == {"main"}
    # Left with staff at the sixth-form arch, let in at the main gate later: that is the mark.
    assert seen_at(sixth, ALARMED) == {mis(n) for n in ALARMED}
    assert admitted_at(sixth, ALARMED) == set()
    assert {rule[mis(n)][0] for n in ALARMED} == {"main"}

    # The attendance export, read from the hub, is the local logs' answer for every learner.
    rows, register_closed = export_from_hub(main, clock, tmp_path / "attendance.csv")
    unmarked = unmarked_cells(None, register_closed, SchoolSession.AM, clock.times)
    expected = [list(ATTENDANCE_HEADER)]
    for n in range(LEARNERS):
        found = rule.get(mis(n))
        code, minutes, comment = found[2:] if found is not None else unmarked
        expected.append(
            [
                mis(n),
                "",
                f"Surname{n:04d}",
                f"Forename{n:04d}",
                clock.day.isoformat(),
                "AM",
                code,
                str(minutes),
                comment,
            ]
        )
    assert rows == expected
