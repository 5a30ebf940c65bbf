"""`kiosk roll`: who is on site now, from the local record alone, for the fire marshal."""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

import kiosk.cli.office_web
from kiosk.cli.io import run_command
from kiosk.cli.office_web import add_commands
from kiosk.door.arrivals import admit
from kiosk.office.roll import fire_roll
from kiosk.people.presence import record_all_signed_off, record_sign_off, record_sign_on
from records.keys import load_or_create_key
from tests.office.school_day import ALARM_AT, MORNING, SCHOOL, school_day
from tests.records.recordbook import Book

CONFIG = """\
[school]
name = "Test Academy"
timezone = "Europe/London"

[database]
url = "{url}"
key_file = "{key}"

[rfid]
driver = "none"

[detector]
driver = "none"
"""

Roll = Callable[..., tuple[int, str, str]]


@pytest.fixture
def roll(
    book: Book, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Roll:
    """`kiosk roll ...` on this test's database, at 10:00 on the school day."""
    key = tmp_path / "kiosk.key"
    load_or_create_key(key)
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(url=book.url, key=key), encoding="utf-8")
    monkeypatch.setattr(kiosk.cli.office_web, "_now", lambda: ALARM_AT)

    def run(*argv: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser()
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--config")
        add_commands(parser.add_subparsers(), common)
        args = parser.parse_args(["roll", *argv, "--config", str(config)])
        code = run_command(args.handler, args)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_roll_lists_the_admitted_and_not_the_refused_the_signed_out_or_the_absent(
    book: Book, roll: Roll
) -> None:
    school_day(book)

    code, out, err = roll()

    assert code == 0, err
    assert "FIRE ROLL  Test Academy  2025-03-03 10:00" in out
    assert "On site: 1 learner(s), 1 staff" in out
    assert "Ní Bhriain, Aoife" in out.split("Signed out")[0]
    assert "Brown, Ben" not in out  # refused: sent away, not on site
    assert "Davies, Dan" not in out  # never arrived
    assert "Okafor, Ada" in out  # S1, signed on at the main door
    assert "Jones, Beth" not in out  # S2 never signed on
    # Cara left at 09:45: listed apart, so nobody goes back in to look for her.
    on_site, signed_out = out.split("Signed out, not on site (1)")
    assert "Clarke, Cara" not in on_site
    assert "Clarke, Cara" in signed_out
    assert "09:45: appointment" in signed_out


def test_roll_groups_learners_by_registration_group(book: Book, roll: Roll) -> None:
    school_day(book)

    _, out, _ = roll()

    lines = out.splitlines()
    group = lines.index("7A (1)")
    assert "[ ] Ní Bhriain, Aoife" in lines[group + 1]
    assert "in 08:25" in lines[group + 1]


def test_roll_as_csv_lists_learners_then_staff(book: Book, roll: Roll, tmp_path: Path) -> None:
    school_day(book)
    out_file = tmp_path / "roll.csv"

    code, out, err = roll("--out", str(out_file))

    assert code == 0, err
    assert "1 learner(s), 1 staff" in out
    rows = list(csv.reader(io.StringIO(out_file.read_text(encoding="utf-8"))))
    assert rows == [
        ["who", "group", "id", "surname", "forename", "since"],
        ["learner", "7A", "A1001", "Ní Bhriain", "Aoife", "08:25"],
        ["staff", "main", "S1", "Okafor", "Ada", "08:20"],
    ]


def test_roll_csv_to_standard_output(book: Book, roll: Roll) -> None:
    school_day(book)

    code, out, _ = roll("--format", "csv")

    assert code == 0
    assert out.splitlines()[0] == "who,group,id,surname,forename,since"
    assert len(out.splitlines()) == 3


def test_roll_before_anyone_arrives_says_nobody_is_on_site(roll: Roll) -> None:
    code, out, _ = roll()

    assert code == 0
    assert "On site: 0 learner(s), 0 staff" in out
    assert "No learners on site." in out


def test_staff_who_signed_off_are_not_on_the_roll(book: Book) -> None:
    with book.sessions.begin() as session:
        record_sign_on(session, "S1", station="main", at=MORNING, zone=SCHOOL.zone)
        record_sign_on(session, "S2", station="side", at=MORNING, zone=SCHOOL.zone)
        record_sign_off(session, "S1", station="main", at=MORNING.replace(hour=9))
    with book.sessions() as session:
        assert [s.staff_id for s in fire_roll(session, school=SCHOOL, now=ALARM_AT).staff] == ["S2"]

    with book.sessions.begin() as session:
        record_all_signed_off(session, station="side", at=MORNING.replace(hour=9))
    with book.sessions() as session:
        assert fire_roll(session, school=SCHOOL, now=ALARM_AT).staff == ()


def test_a_learner_admitted_again_after_signing_out_is_back_on_the_roll(book: Book) -> None:
    day = school_day(book)
    pm_school = replace(SCHOOL, pm_starts=time(13, 20), pm_register_closes=time(13, 35))
    back = datetime(2025, 3, 3, 13, 10, tzinfo=UTC)
    with book.sessions.begin() as session:
        admit(session, day.signed_out, arrived_at=back, admitted_at=back, school=pm_school)
    with book.sessions() as session:
        roll = fire_roll(session, school=pm_school, now=back.replace(hour=14))
    assert {learner.mis_id for learner in roll.learners} == {"A1001", "C3003"}
    assert roll.signed_out == ()


async def test_the_roll_screen_shows_each_group_and_asks_for_a_fresh_roll(book: Book) -> None:
    from textual.app import App
    from textual.widgets import DataTable

    from kiosk.screens.roll import RollChoice, RollScreen

    school_day(book)
    with book.sessions() as session:
        taken = fire_roll(session, school=SCHOOL, now=ALARM_AT)
    chosen: list[RollChoice | None] = []

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(RollScreen(taken), chosen.append)

    async with Host().run_test(size=(100, 40)) as pilot:
        screen = pilot.app.screen
        learners = screen.query_one("#learners", DataTable)
        assert [str(c) for c in learners.get_row_at(0)] == ["7A (1)", "Ní Bhriain, Aoife", "08:25"]
        assert str(screen.query_one("#title").render()).startswith("Fire roll · 2025-03-03 10:00")
        await pilot.click("#refresh")
        await pilot.pause()

    assert chosen == ["refresh"]


def test_with_the_hub_out_of_reach_the_roll_is_this_doors_and_says_so(book: Book) -> None:
    from kiosk.config import Config, HubConfig
    from kiosk.office.roll import HUB_OFFLINE, school_roll
    from tests.pgserver import free_port

    school_day(book)
    alone = Config(school=SCHOOL)
    closed = f"postgresql+psycopg://kiosk@127.0.0.1:{free_port()}/hub"
    cut_off = replace(alone, hub=HubConfig(url=closed, connect_timeout_seconds=1))

    with book.sessions() as session:
        local = fire_roll(session, school=SCHOOL, now=ALARM_AT)
        without_hub = school_roll(session, config=alone, now=ALARM_AT)
        offline = school_roll(session, config=cut_off, now=ALARM_AT)

    assert without_hub == local
    assert offline.taken_at == f"2025-03-03 10:00 · {HUB_OFFLINE}"
    assert offline.groups == local.groups
    assert offline.staff == local.staff
