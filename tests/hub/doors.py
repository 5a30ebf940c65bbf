"""Doors and a hub for the sync tests: SQLite books, and a PostgreSQL hub that can be stopped."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kiosk.config import Config, parse_config
from kiosk.database import Book, open_book
from kiosk.domain.people import StaffRef
from kiosk.door.lane import LaneKeeper
from kiosk.people.roster_import import import_learners, import_staff
from records.database import upgrade
from tests.pgserver import PostgresServer

# Monday 23 November 2026; London is on UTC in November, so local time is UTC here.
DAY = datetime(2026, 11, 23, tzinfo=UTC).date()
AFTER_REGISTER = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
STAFF_ID = "S01"


def at(hour: int, minute: int, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, second, micro, tzinfo=UTC)


class HubServer:
    """The test server, with a stop and a start that keep its data, port and folder."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server

    def pause(self) -> None:
        pg_ctl = str(self.server.bindir / "pg_ctl")
        self.server._run([pg_ctl, "-D", str(self.server.data_dir), "-m", "fast", "-w", "stop"])

    def resume(self) -> None:
        options = " ".join(
            (
                f"-p {self.server.port}",
                f"-k {self.server.socket_dir}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c shared_buffers=32MB",
                "-c max_connections=60",
            )
        )
        pg_ctl = str(self.server.bindir / "pg_ctl")
        self.server._run(
            [
                pg_ctl,
                "-D",
                str(self.server.data_dir),
                "-l",
                str(self.server.log_file),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )


def roster_files(folder: Path, learners: int) -> tuple[Path, Path]:
    """A learners' CSV of `learners` rows (each with a badge) and a staff CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    people = folder / "learners.csv"
    lines = ["mis_id,surname,forename,sex,reg_group,badge"]
    for n in range(learners):
        lines.append(
            f"M{n:04d},Surname{n:04d},Forename{n:04d},{'FM'[n % 2]},{7 + n % 5}A,{badge(n)}"
        )
    people.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staff = folder / "staff.csv"
    staff.write_text(
        "staff_id,surname,forename,sex,roles,badge\n"
        f"{STAFF_ID},Khan,Aisha,F,screener;searcher,1A00990001\n",
        encoding="utf-8",
    )
    return people, staff


def badge(n: int) -> str:
    return f"0C{n + 0x100000:08X}"


@dataclass
class Door:
    """One kiosk: its config, its own SQLite book and its lane."""

    name: str
    config: Config
    book: Book
    keeper: LaneKeeper
    url: str
    config_path: Path
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()
        self.book.close()


def make_door(
    folder: Path,
    name: str,
    hub_url: str,
    *,
    roster: tuple[Path, Path] | None = None,
    shuffled: bool = False,
    phone_slots: str = "",
    phone_store: str = "",
) -> Door:
    """A door at the plain arch lane (no phones, everyone screened, the arch reports passage).

    With `roster` the door imports it itself (in shuffled order with `shuffled`, so its
    learners get other local ids than the other doors'); without, it has only what it pulls.
    With `phone_slots` phones are required and handed out into those slots, from the cabinet
    `phone_store` (default: the door's own).
    """
    phones = (
        f'phone_handin = "required"\nphone_slots = "{phone_slots}"\n'
        if phone_slots
        else 'phone_handin = "off"\n'
    )
    store = f'phone_store = "{phone_store}"\n' if phone_store else ""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"{name}.db"
    url = f"sqlite:///{db}"
    text = (
        "[school]\n"
        'day_starts = "08:40"\nregister_closes = "09:10"\n'
        "[database]\n"
        f'url = "{url}"\nkey_file = "{folder / (name + ".key")}"\n'
        f'[policy]\n{phones}screening = "required"\n'
        '[rfid]\ndriver = "none"\n'
        '[detector]\ndriver = "serial"\nport = "loop://"\n'
        f'[station]\nname = "{name}"\n{store}'
        f'[hub]\nurl = "{hub_url}"\ninterval_seconds = 0.2\nbatch_size = 100\n'
        "connect_timeout_seconds = 1\n"
    )
    config_path = folder / f"{name}.toml"
    config_path.write_text(text, encoding="utf-8")
    import tomllib

    config = parse_config(tomllib.loads(text), config_path)
    upgrade(url, key_file=config.database.key_path)
    book = open_book(url, config.database.key_path)
    if roster is not None:
        people, staff = roster
        if shuffled:
            rows = people.read_text(encoding="utf-8").splitlines()
            body = rows[1:]
            random.Random(name).shuffle(body)
            people = folder / "shuffled.csv"
            people.write_text("\n".join([rows[0], *body]) + "\n", encoding="utf-8")
        with book.sessions.begin() as session:
            import_learners(session, people, today=DAY, now=at(7, 0))
            import_staff(session, staff, today=DAY, now=at(7, 0))
    keeper = LaneKeeper(config, book.sessions, station=name, draw=lambda: 0.5)
    return Door(name, config, book, keeper, url, config_path)


def local_ids(door: Door) -> dict[str, int]:
    """The door's own learner ids by MIS id."""
    from sqlalchemy import select

    from records.models import LearnerRecord

    with door.book.sessions() as session:
        rows = session.execute(select(LearnerRecord.mis_id, LearnerRecord.id))
        return {mis_id: learner_id for mis_id, learner_id in rows}


def admit(door: Door, learner_id: int, tapped_at: datetime) -> None:
    """A learner taps in and walks through the arch clear: admitted."""
    from datetime import timedelta

    from kiosk.domain.lane import ArchPassed

    arrived = door.keeper.arrive(learner_id, "Learner", tapped_at)
    if learner_id not in {row.learner_id for row in arrived.view.rows}:
        return  # already in through another door (the hub said so): greeted, nothing to do
    passed = tapped_at + timedelta(seconds=5)
    outcome = door.keeper.handle(ArchPassed(passed), by=None, now=passed)
    assert not outcome.rejected, outcome.rejected


def refuse(door: Door, learner_id: int, tapped_at: datetime) -> None:
    """A learner taps in and refuses screening; staff confirm: not admitted."""
    from datetime import timedelta

    from kiosk.domain.lane import RefusalConfirmed, RefusalStated

    arrived = door.keeper.arrive(learner_id, "Learner", tapped_at)
    if learner_id not in {row.learner_id for row in arrived.view.rows}:
        return  # already in through another door: there is nothing here to refuse
    said = tapped_at + timedelta(seconds=3)
    door.keeper.handle(RefusalStated(said, learner_id), by=None, now=said)
    confirmed = said + timedelta(seconds=3)
    outcome = door.keeper.handle(
        RefusalConfirmed(confirmed, learner_id), by=StaffRef(STAFF_ID), now=confirmed
    )
    assert not outcome.rejected, outcome.rejected


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
