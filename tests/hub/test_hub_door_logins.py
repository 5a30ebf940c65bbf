"""Each door's login writes only as that door; amendments come only from an office login,
naming a member of staff the hub knows may amend; a door syncing as its own login works."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from kiosk.domain.people import StaffRef
from kiosk.hub import hub_engine, publish_roster, sync_once
from kiosk.office.amendments import amend_mark, find_mark
from kiosk.office.signout import sign_out
from kiosk.people.pins import check_pin, set_pin
from kiosk.upkeep.check import check_hub
from records.hub import add_hub_login
from records.keys import session_key
from records.queries import staff_by_staff_id
from records.staff_seals import seal_holds
from tests.hub.doors import AFTER_REGISTER, DAY, STAFF_ID, Door, admit, at, local_ids, make_door
from tests.hub.doors import roster_files as make_roster_files
from tests.hub.test_sync import run_kiosk

pytestmark = pytest.mark.postgres

LONDON = ZoneInfo("Europe/London")

MARK = (
    "INSERT INTO hub_marks (station, kind, mis_id, date, session, at, admitted_at, code,"
    " minutes_late, comment, late_reason, late_detention) VALUES (:station, 'admission', 'M1',"
    " '2026-11-23', 'AM', '2026-11-23 08:20+00', '2026-11-23 08:20+00', :code, 0, '', '',"
    " false)"
)
SIGN_OUT = (
    "INSERT INTO hub_sign_outs (station, mis_id, date, session, signed_out_at, reason)"
    " VALUES (:station, 'M1', '2026-11-23', 'AM', '2026-11-23 10:00+00', 'dentist')"
)
AMENDMENT = (
    "INSERT INTO hub_amendments (station, mis_id, date, session, original_code,"
    " original_minutes_late, original_comment, new_code, new_minutes_late, new_comment, reason,"
    " amended_at, amended_by) VALUES (:station, 'M1', '2026-11-23', 'AM', '/', 0, '', 'O', 0,"
    " 'forged refusal', 'x', '2026-11-23 11:00+00', :by)"
)


def login_url(hub_url: str, login: str) -> str:
    return hub_url.replace("postgres@", f"{login}@")


@pytest.fixture
def logins(hub_url: str, hub: Engine) -> Iterator[dict[str, Engine]]:
    """Engines for the side gate's and the main gate's door logins and the office's login
    (the test server trusts local logins, so no password is needed)."""
    with hub.begin() as conn:
        add_hub_login(conn, "kiosk_side", "side")
        add_hub_login(conn, "kiosk_main", "main")
        add_hub_login(conn, "kiosk_office_main", "main", office=True)
        conn.execute(
            text(
                "INSERT INTO hub_staff (staff_id, surname, forename, roles, active, updated_at)"
                " VALUES ('S05', 'Reyes', 'Ana', 'office', true, now()),"
                " ('S06', 'Bell', 'Tom', 'screener', true, now())"
            )
        )
    engines = {
        name: hub_engine(login_url(hub_url, name))
        for name in ("kiosk_side", "kiosk_main", "kiosk_office_main")
    }
    yield engines
    for engine in engines.values():
        engine.dispose()


def refused(engine: Engine, sql: str, **params: Any) -> str:
    with pytest.raises(ProgrammingError) as caught, engine.begin() as conn:
        conn.execute(text(sql), params)
    return str(caught.value.orig)


def test_a_door_cannot_add_a_mark_as_another_station(
    logins: dict[str, Engine], hub: Engine
) -> None:
    side = logins["kiosk_side"]

    reason = refused(side, MARK, station="main", code="/")

    assert "row-level security" in reason
    with side.begin() as conn:
        conn.execute(text(MARK), {"station": "side", "code": "U"})
    with hub.connect() as conn:
        marks = conn.execute(text("SELECT station, code FROM hub_session_marks")).all()
    assert [tuple(m) for m in marks] == [("side", "U")]


def test_a_door_cannot_sign_out_a_learner_as_another_door(
    logins: dict[str, Engine], hub: Engine
) -> None:
    reason = refused(logins["kiosk_side"], SIGN_OUT, station="main")

    assert "row-level security" in reason
    with hub.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM hub_sign_outs")).scalar_one() == 0


def test_a_door_login_cannot_add_an_amendment_even_as_itself(logins: dict[str, Engine]) -> None:
    for station in ("side", "main"):
        reason = refused(logins["kiosk_side"], AMENDMENT, station=station, by="S05")
        assert "permission denied" in reason


def test_the_office_login_amends_as_its_door_naming_who_and_is_recorded_with_its_login(
    logins: dict[str, Engine], hub: Engine
) -> None:
    office = logins["kiosk_office_main"]
    with hub.begin() as conn:
        conn.execute(text(MARK), {"station": "side", "code": "U"})

    with office.begin() as conn:
        conn.execute(text(AMENDMENT), {"station": "main", "by": "S05"})

    with hub.connect() as conn:
        amended = conn.execute(text("SELECT amended_by, login, station FROM hub_amendments")).one()
        code = conn.execute(text("SELECT code FROM hub_session_marks")).scalar_one()
    assert tuple(amended) == ("S05", "kiosk_office_main", "main")
    assert code == "O"


@pytest.mark.parametrize(
    ("station", "by", "login"),
    [
        ("main", "S99", None),  # no such member of staff at the hub
        ("main", "S06", None),  # a screener may not amend the register
        ("main", None, None),  # nobody named
        ("side", "S05", None),  # as another door
        ("main", "S05", "kiosk_main"),  # in another login's name
    ],
)
def test_the_office_login_cannot_amend_for_nobody_or_as_someone_else(
    logins: dict[str, Engine], station: str, by: str | None, login: str | None
) -> None:
    sql = AMENDMENT
    if login is not None:
        sql = sql.replace("amended_by)", "amended_by, login)").replace(":by)", ":by, :login)")
    reason = refused(logins["kiosk_office_main"], sql, station=station, by=by, login=login)

    assert "row-level security" in reason


def test_a_login_made_before_the_door_logins_writes_nothing_until_given_a_door(
    hub_url: str, hub: Engine
) -> None:
    with hub.begin() as conn:
        conn.execute(text("DROP ROLE IF EXISTS kiosk_legacy"))
        conn.execute(text("CREATE ROLE kiosk_legacy LOGIN IN ROLE kiosk_door"))
    legacy = hub_engine(login_url(hub_url, "kiosk_legacy"))
    try:
        assert "row-level security" in refused(legacy, SIGN_OUT, station="side")
        with hub.begin() as conn:
            made = add_hub_login(conn, "kiosk_legacy", "side")
        assert made.password is None  # an existing login keeps its password
        with legacy.begin() as conn:
            conn.execute(text(SIGN_OUT), {"station": "side"})
    finally:
        legacy.dispose()


# --- a door syncing as its own login ---------------------------------------------------------


@pytest.fixture
def own_doors(tmp_path: Path, hub_url: str, logins: dict[str, Engine]) -> Iterator[dict[str, Door]]:
    roster = make_roster_files(tmp_path / "roster", 10)
    made = {
        "side": make_door(
            tmp_path / "side", "side", login_url(hub_url, "kiosk_side"), roster=roster
        ),
        "main": make_door(
            tmp_path / "main", "main", login_url(hub_url, "kiosk_office_main"), roster=roster
        ),
    }
    yield made
    for door in made.values():
        door.close()


def sync_as_itself(door: Door) -> Any:
    engine = hub_engine(door.config.hub)
    try:
        return sync_once(
            door.book.sessions,
            engine,
            door.name,
            now=AFTER_REGISTER,
            zone=LONDON,
            store=door.config.station.store,
        )
    finally:
        engine.dispose()


def amend_to_present(door: Door, mis_id: str, by: str) -> None:
    with door.book.sessions.begin() as session:
        amend_mark(
            session,
            find_mark(session, mis_id, day=DAY, school_session="AM"),
            code="/",
            minutes_late=None,
            comment="bus late",
            reason="the school bus was late",
            by=StaffRef(by),
            at=at(9, 20),
        )


def test_a_door_syncing_as_its_own_login_sends_its_rows_and_keeps_its_amendments(
    own_doors: dict[str, Door], hub: Engine
) -> None:
    side = own_doors["side"]
    with side.book.sessions.begin() as session:
        session.execute(text("UPDATE staff SET roles = 'screener;office'"))
    publish_roster(side.book.sessions, hub, at(7, 30))  # as the owner: S01 may amend
    admit(side, local_ids(side)["M0001"], at(8, 20))
    admit(side, local_ids(side)["M0002"], at(8, 50))  # late
    with side.book.sessions.begin() as session:
        sign_out(
            session,
            local_ids(side)["M0001"],
            at=at(9, 15),
            reason="dentist",
            by=StaffRef(STAFF_ID),
            school=side.config.school,
        )
    first = sync_as_itself(side)
    amend_to_present(side, "M0002", STAFF_ID)

    report = sync_as_itself(side)

    assert (first.sent, first.marks_sent, first.others_sent) == (4, 2, 1)
    assert (report.marks_sent, report.others_sent) == (0, 0)
    with hub.connect() as conn:
        marks = conn.execute(text("SELECT mis_id, code, station FROM hub_session_marks")).all()
        gone = conn.execute(text("SELECT mis_id, station FROM hub_sign_outs")).all()
        amendments = conn.execute(text("SELECT count(*) FROM hub_amendments")).scalar_one()
    assert sorted(tuple(m) for m in marks) == [("M0001", "/", "side"), ("M0002", "L", "side")]
    assert [tuple(g) for g in gone] == [("M0001", "side")]
    assert amendments == 0  # a door's login may not amend: it stays in the door's own book


def test_the_office_door_syncing_as_the_office_login_sends_its_amendments(
    own_doors: dict[str, Door], hub: Engine
) -> None:
    main = own_doors["main"]
    with main.book.sessions.begin() as session:
        session.execute(text("UPDATE staff SET roles = 'screener;office'"))
    publish_roster(main.book.sessions, hub, at(7, 30))
    admit(main, local_ids(main)["M0003"], at(8, 50))
    amend_to_present(main, "M0003", STAFF_ID)

    report = sync_as_itself(main)

    assert report.others_sent == 1
    with hub.connect() as conn:
        code = conn.execute(
            text("SELECT code FROM hub_session_marks WHERE mis_id = 'M0003'")
        ).scalar_one()
        who = conn.execute(text("SELECT amended_by, login FROM hub_amendments")).one()
    assert code == "/"
    assert tuple(who) == (STAFF_ID, "kiosk_office_main")


def test_an_amendment_by_someone_the_hub_does_not_hold_as_office_is_refused_not_the_round(
    own_doors: dict[str, Door], hub: Engine
) -> None:
    main = own_doors["main"]
    publish_roster(main.book.sessions, hub, at(7, 30))  # S01 published as screener
    with main.book.sessions.begin() as session:
        session.execute(text("UPDATE staff SET roles = 'screener;office'"))
    admit(main, local_ids(main)["M0003"], at(8, 50))
    amend_to_present(main, "M0003", STAFF_ID)

    report = sync_as_itself(main)

    assert (report.sent, report.marks_sent, report.others_sent) == (2, 1, 0)
    with hub.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM hub_amendments")).scalar_one() == 0


def test_check_says_when_the_doors_login_writes_as_another_door(
    tmp_path: Path, hub_url: str, logins: dict[str, Engine]
) -> None:
    door = make_door(tmp_path / "side", "side", login_url(hub_url, "kiosk_main"))
    try:
        [line] = check_hub(door.config)
    finally:
        door.close()

    assert not line.ok
    assert "its login kiosk_main writes as door 'main', not 'side'" in line.line()
    assert "kiosk hub add-door side --login LOGIN" in line.line()


def test_add_door_makes_a_login_with_its_password_in_a_private_file(
    tmp_path: Path, hub_url: str, hub: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hub-owner.toml"
    config.write_text(f'[hub]\nurl = "{hub_url}"\n', encoding="utf-8")
    pgpass = tmp_path / "gate.pgpass"
    with hub.begin() as conn:
        conn.execute(text("DROP ROLE IF EXISTS kiosk_north_gate"))

    status = run_kiosk(
        ["hub", "add-door", "north-gate", "--pgpass", str(pgpass), "--config", str(config)]
    )

    assert status == 0
    out = capsys.readouterr().out
    assert "made door login kiosk_north_gate, writing as door 'north-gate'" in out
    assert stat.S_IMODE(pgpass.stat().st_mode) == 0o600
    host, port, database, login, password = pgpass.read_text().strip().split(":")
    assert f"{host}:{port}" in hub_url
    assert (login, database) == ("kiosk_north_gate", hub_url.rsplit("/", 1)[1])
    assert len(password) >= 24
    with hub.connect() as conn:
        door = conn.execute(
            sa.text(
                "SELECT station, pg_has_role(login, 'kiosk_door', 'MEMBER'),"
                " pg_has_role(login, 'kiosk_office', 'MEMBER') FROM hub_logins"
            )
        ).one()
    assert tuple(door) == ("north-gate", True, False)


# --- staff seals through a hub upgraded to hub0003 -------------------------------------------


def staff_row(door: Door) -> tuple[str, bool, bool]:
    with door.book.sessions.begin() as session:
        staff = staff_by_staff_id(session, STAFF_ID)
        assert staff is not None
        key = session_key(session)
        assert key is not None
        signs_on = check_pin(session, staff, "2468", now=at(8, 0)).accepted
        return staff.roles, seal_holds(staff, key), signs_on


def test_a_door_keeps_its_seal_while_the_hub_holds_none_and_drops_it_when_the_hub_changes_a_role(
    tmp_path: Path, hub_url: str, hub: Engine
) -> None:
    door = make_door(
        tmp_path / "side", "side", hub_url, roster=make_roster_files(tmp_path / "roster", 3)
    )
    try:
        with door.book.sessions.begin() as session:
            set_pin(session, STAFF_ID, "2468", now=at(7, 0))
        publish_roster(door.book.sessions, hub, at(7, 30))
        with hub.begin() as conn:  # as the roster was published before hub0003 made seals
            conn.execute(text("UPDATE hub_staff SET seal = NULL, updated_at = now()"))

        sync_as_itself(door)

        assert staff_row(door) == ("screener;searcher", True, True)
        with hub.begin() as conn:  # someone with the hub's owner login, but not the key
            conn.execute(text("UPDATE hub_staff SET roles = 'dsl;office', updated_at = now()"))

        sync_as_itself(door)

        assert staff_row(door) == ("dsl;office", False, False)
    finally:
        door.close()


def test_an_office_login_made_a_door_login_again_may_no_longer_amend(
    logins: dict[str, Engine], hub: Engine
) -> None:
    with hub.begin() as conn:
        made = add_hub_login(conn, "kiosk_office_main", "main")

    assert made.password is None
    reason = refused(logins["kiosk_office_main"], AMENDMENT, station="main", by="S05")
    assert "permission denied" in reason
