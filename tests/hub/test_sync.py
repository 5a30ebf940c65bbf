"""One door and the hub: events once, marks by the rule, arrivals and the roster pulled back."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from kiosk.cli.hub import add_commands
from kiosk.cli.io import run_command
from kiosk.config import Config
from kiosk.domain.people import StaffRef
from kiosk.hub import SyncWorker, already_in, hub_engine, sync_once
from kiosk.upkeep.check import check_hub
from records.hub import HubEventRecord, hub_session_marks
from records.models import StaffRecord, VisitEventRecord
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

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def doors(tmp_path: Path, hub_url: str) -> Iterator[dict[str, Door]]:
    roster = roster_files(tmp_path / "roster", 20)
    made = {
        "main": make_door(tmp_path / "main", "main", hub_url, roster=roster),
        "side": make_door(tmp_path / "side", "side", hub_url, roster=roster, shuffled=True),
    }
    yield made
    for door in made.values():
        door.close()


def sync(door: Door, hub: Engine, **kwargs: Any) -> Any:
    return sync_once(door.book.sessions, hub, door.name, now=AFTER_REGISTER, zone=LONDON, **kwargs)


def hub_event_ids(hub: Engine) -> list[str]:
    with hub.connect() as conn:
        return list(conn.execute(select(HubEventRecord.event_id)).scalars())


def local_event_ids(door: Door) -> list[str]:
    with door.book.sessions() as session:
        return list(session.scalars(select(VisitEventRecord.event_id)))


def hub_marks(hub: Engine) -> dict[str, tuple[str, str, str]]:
    with hub.connect() as conn:
        return {
            row.mis_id: (row.code, row.station, row.comment)
            for row in conn.execute(select(hub_session_marks))
        }


def test_events_reach_the_hub_once_however_often_they_are_offered(
    doors: dict[str, Door], hub: Engine
) -> None:
    main = doors["main"]
    ids = local_ids(main)
    for n in range(5):
        admit(main, ids[f"M{n:04d}"], at(8, 20 + n))

    first = sync(main, hub, batch_size=3)
    again = sync(main, hub)
    with main.book.sessions.begin() as session:
        # The local note lost (a restored backup): everything is offered again.
        session.execute(text("DELETE FROM hub_sync"))
    third = sync(main, hub)

    assert (first.sent, first.waiting) == (10, 0)
    assert (again.sent, again.offered) == (0, 0)
    assert third.sent == 0
    assert sorted(hub_event_ids(hub)) == sorted(local_event_ids(main))


def test_a_connection_dropped_mid_batch_loses_and_doubles_nothing(
    doors: dict[str, Door], hub_url: str, hub: Engine
) -> None:
    main = doors["main"]
    ids = local_ids(main)
    for n in range(6):
        admit(main, ids[f"M{n:04d}"], at(8, 20 + n))
    flaky = hub_engine(hub_url)
    inserts = 0

    @event.listens_for(flaky, "after_cursor_execute")
    def drop_second_batch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal inserts
        if statement.startswith("INSERT INTO hub_events"):
            inserts += 1
            if inserts == 2:
                # The server ends the connection after the rows went in, before the commit.
                with hub.connect() as killer:
                    killer.execute(
                        text("SELECT pg_terminate_backend(:pid)"),
                        {"pid": conn.connection.dbapi_connection.info.backend_pid},
                    )

    with pytest.raises(OperationalError):
        sync(main, flaky, batch_size=4)
    assert len(hub_event_ids(hub)) == 4
    flaky.dispose()

    report = sync(main, hub, batch_size=4)

    assert report.sent == 8
    assert sorted(hub_event_ids(hub)) == sorted(local_event_ids(main))


def test_the_earliest_admission_at_any_door_is_the_mark_and_the_other_door_knows(
    doors: dict[str, Door], hub: Engine
) -> None:
    main, side = doors["main"], doors["side"]
    main_ids, side_ids = local_ids(main), local_ids(side)
    assert main_ids["M0003"] != side_ids["M0003"]  # the doors number learners differently
    admit(main, main_ids["M0003"], at(8, 45))  # late at the main gate
    admit(side, side_ids["M0003"], at(8, 35))  # but in earlier at the side gate
    admit(side, side_ids["M0004"], at(8, 36))

    sync(main, hub)
    sync(side, hub)
    pulled = sync(main, hub)

    assert hub_marks(hub)["M0003"] == ("/", "side", "")
    assert pulled.received == 2
    with main.book.sessions() as session:
        assert already_in(session, main_ids["M0004"], DAY, "AM")
        assert not already_in(session, main_ids["M0005"], DAY, "AM")


def test_a_refusal_at_one_door_and_an_admission_at_another_leave_the_admission_as_the_mark(
    doors: dict[str, Door], hub: Engine
) -> None:
    main, side = doors["main"], doors["side"]
    refuse(main, local_ids(main)["M0007"], at(8, 30))
    admit(side, local_ids(side)["M0007"], at(8, 50))
    refuse(main, local_ids(main)["M0008"], at(8, 31))

    sync(main, hub)
    sync(side, hub)

    marks = hub_marks(hub)
    assert marks["M0007"][:2] == ("L", "side")
    assert marks["M0008"] == ("O", "main", "refused screening: not admitted")
    with hub.connect() as conn:
        kinds = conn.execute(
            text("SELECT kind, station FROM hub_marks WHERE mis_id = 'M0007' ORDER BY kind")
        ).all()
    assert [tuple(k) for k in kinds] == [("admission", "side"), ("refusal", "main")]


def test_a_new_door_gets_the_roster_staff_and_pins_from_the_hub(
    doors: dict[str, Door], hub_url: str, hub: Engine, tmp_path: Path
) -> None:
    from kiosk.hub import publish_roster
    from records.pins import hash_pin

    main = doors["main"]
    with main.book.sessions.begin() as session:
        staff = session.scalars(select(StaffRecord)).one()
        staff.pin_hash = hash_pin("4829")
    publish_roster(main.book.sessions, hub, at(7, 30))
    new = make_door(tmp_path / "sixth", "sixth", hub_url)
    try:
        report = sync(new, hub)
        again = sync(new, hub, roster_version=report.roster_version)

        assert report.roster == 20 + 1 + 21  # learners, staff, badges
        assert again.roster == 0
        owner = new.keeper.badge("0C00100005", at(8, 20))[0]
        assert owner.kind == "learner"
        with new.book.sessions() as session:
            pulled = session.scalars(select(StaffRecord)).one()
            assert (pulled.staff_id, pulled.pin_hash) == ("S01", staff.pin_hash)
    finally:
        new.close()


def test_r7_a_searchers_training_date_reaches_every_door_and_a_refusals_comment_its_kind(
    doors: dict[str, Door], hub_url: str, hub: Engine, tmp_path: Path
) -> None:
    """R7, R28: the training date in the office's staff list travels with the staff row, so
    every door warns alike; a learner not admitted under the influence is O at the hub with
    that comment, not "refused"."""
    from datetime import date

    from kiosk.domain.attendance import INFLUENCE_COMMENT, RefusalKind
    from kiosk.door.arrivals import refuse as not_admitted
    from kiosk.hub import publish_roster
    from records.models import LearnerRecord

    main = doors["main"]
    with main.book.sessions.begin() as session:
        session.scalars(select(StaffRecord)).one().search_trained_on = date(2026, 9, 1)
        learner = session.scalars(select(LearnerRecord).where(LearnerRecord.mis_id == "M0003"))
        not_admitted(session, learner.one().id, at=at(8, 41), kind=RefusalKind.INFLUENCE,
                     school=main.config.school, by=None)  # fmt: skip
    publish_roster(main.book.sessions, hub, at(7, 30))
    sync(main, hub)
    new = make_door(tmp_path / "sixth", "sixth", hub_url)
    try:
        sync(new, hub)
        with new.book.sessions() as session:
            pulled = session.scalars(select(StaffRecord)).one()
            assert pulled.search_trained_on == date(2026, 9, 1)
    finally:
        new.close()
    with hub.connect() as conn:
        comment = conn.execute(
            text("SELECT code, comment FROM hub_marks WHERE mis_id = 'M0003' AND kind = 'refusal'")
        ).one()
    assert tuple(comment) == ("O", INFLUENCE_COMMENT)


def test_r33_a_learners_earphones_permission_reaches_every_door_and_a_confiscation_names_them(
    doors: dict[str, Door], hub_url: str, hub: Engine, tmp_path: Path
) -> None:
    """R33: the roster's earphones permission travels with the learner, so a new door refuses
    to confiscate earphones from M0003 as the office's door would; earphones confiscated at one
    door reach the hub as earphones, and the office reading the hub names them."""
    from kiosk.domain.phones import ConfiscatedItem
    from kiosk.hub import publish_roster
    from kiosk.hub.export import hub_outstanding_phones
    from kiosk.phones.desk import PhoneDeskError, confiscate_phone
    from records.models import LearnerRecord

    main = doors["main"]
    with main.book.sessions.begin() as session:
        learner = session.scalars(select(LearnerRecord).where(LearnerRecord.mis_id == "M0003"))
        learner.one().earphones_permitted = True
    publish_roster(main.book.sessions, hub, at(7, 30))
    new = make_door(tmp_path / "sixth", "sixth", hub_url)
    try:
        sync(new, hub)
        ids = local_ids(new)
        with new.book.sessions() as session:
            permitted = session.scalars(
                select(LearnerRecord.mis_id).where(LearnerRecord.earphones_permitted)
            ).all()
        assert permitted == ["M0003"]
        refused = pytest.raises(PhoneDeskError, match="permission for earphones")
        with refused, new.book.sessions.begin() as session:
            confiscate_phone(session, ids["M0003"], at=at(11, 0), by=StaffRef("S01"),
                             zone=LONDON, item=ConfiscatedItem.EARPHONES)  # fmt: skip
        with new.book.sessions.begin() as session:
            confiscate_phone(session, ids["M0004"], at=at(11, 5), by=StaffRef("S01"),
                             zone=LONDON, slot="E2", item=ConfiscatedItem.EARPHONES)  # fmt: skip
        sync(new, hub)
    finally:
        new.close()
    with hub.connect() as conn:
        held = hub_outstanding_phones(conn, DAY)
    assert [(p.mis_id, p.slot, p.confiscated, p.item) for p in held] == [
        ("M0004", "E2", True, "earphones")
    ]


def test_with_the_hub_down_the_door_admits_and_the_backlog_drains_by_itself(
    doors: dict[str, Door], hub_server: HubServer, hub: Engine
) -> None:
    main = doors["main"]
    ids = local_ids(main)
    worker = SyncWorker(main.config, main.book.sessions, clock=lambda: AFTER_REGISTER)
    worker.start()
    try:
        admit(main, ids["M0001"], at(8, 20))
        worker.nudge()
        wait_for(lambda: worker.status().online is True and not worker.status().waiting, "sync")
        hub_server.pause()
        try:
            for n in range(2, 6):
                admit(main, ids[f"M{n:04d}"], at(8, 20 + n))
            worker.nudge()
            wait_for(
                lambda: worker.status().online is False and worker.status().waiting == 8,
                "the worker to see the hub down and the events waiting",
            )
            status = worker.status()
            assert status.waiting == 8
            assert status.line(LONDON) == "hub offline, 8 events waiting, last sync 09:30:00"
        finally:
            hub_server.resume()
        wait_for(lambda: worker.status().online is True, "the hub to come back", timeout=90)
        wait_for(lambda: worker.status().waiting == 0, "the backlog to drain")
    finally:
        worker.stop()
    assert sorted(hub_event_ids(hub)) == sorted(local_event_ids(main))
    assert worker.status().line(LONDON) == "hub online, last sync 09:30:00"


def test_kiosk_sync_prints_what_it_sent_and_received(
    doors: dict[str, Door], hub: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    main, side = doors["main"], doors["side"]
    # `kiosk sync` reads the real clock: today's arrivals are pulled, so the taps are today.
    today = datetime.now(LONDON).date()
    admit(side, local_ids(side)["M0002"], datetime.combine(today, time(8, 25), LONDON))
    sync(side, hub)
    admit(main, local_ids(main)["M0001"], datetime.combine(today, time(8, 20), LONDON))

    status = run_kiosk(["sync", "--config", str(main.config_path)])

    assert status == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("sent 2 event(s) to the hub")
    assert out[1].startswith("received 1 arrival(s) at other doors")


def run_kiosk(argv: list[str]) -> int:
    """`kiosk ...` with this module's commands registered as kiosk.cli registers them."""
    from kiosk.cli import COMMAND_GROUPS, build_parser

    if add_commands in COMMAND_GROUPS:
        parser = build_parser()
    else:
        parser = argparse.ArgumentParser(prog="kiosk")
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--config", default=argparse.SUPPRESS)
        add_commands(parser.add_subparsers(), common)
    args = parser.parse_args(argv)
    return run_command(args.handler, args)


def test_check_reports_the_hub_and_the_backlog(doors: dict[str, Door], hub: Engine) -> None:
    main = doors["main"]
    admit(main, local_ids(main)["M0001"], at(8, 20))
    [line] = check_hub(main.config)
    assert line.ok and "reachable and current; 2 event(s) waiting, last sync never" in line.line()

    sync(main, hub)
    [line] = check_hub(main.config)
    assert "0 event(s) waiting, last sync 2026-11-23 09:30:00" in line.line()


def test_check_without_a_hub_says_the_door_works_alone() -> None:
    [line] = check_hub(Config())
    assert line.line() == "ok       hub: none configured: this door works alone"


def test_check_names_an_unreachable_hub(doors: dict[str, Door]) -> None:
    from dataclasses import replace

    from tests.pgserver import free_port

    main = doors["main"]
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/hub"
    config = replace(main.config, hub=replace(main.config.hub, url=closed))
    [line] = check_hub(config)
    assert line.line().startswith("PROBLEM  hub: cannot reach it:")
    assert "0 event(s) waiting" in line.line()


def test_a_door_knows_a_pulled_roster_s_cards_before_it_commits_them(
    doors: dict[str, Door], hub_url: str, hub: Engine, tmp_path: Path
) -> None:
    """A learner tapping as the roster lands is never answered "not recognised": the door's
    memory of known cards holds the roster's keys before a tap could find them in the book."""
    from kiosk.hub import publish_roster
    from kiosk.station.known_badges import KnownBadges
    from records.models import BadgeRecord

    publish_roster(doors["main"].book.sessions, hub, at(7, 30))
    new = make_door(tmp_path / "sixth", "sixth", hub_url)
    try:
        known = KnownBadges(new.book.reads)
        known.refresh()  # the door's own book before the pull: no badges yet
        card = "0C00100005"
        assert known.knows(card) is False
        in_book_then: list[bool] = []

        def before_commit(keys: frozenset[str]) -> None:
            with new.book.reads() as other:  # what a tap's transaction would see now
                in_book_then.append(bool(other.scalar(select(func.count(BadgeRecord.id)))))
            known.include(keys)

        sync(new, hub, on_badges=before_commit)
        assert in_book_then == [False], "the keys were given before the book held any card"
        assert known.knows(card) is True
    finally:
        new.close()
