"""The whole station with bracketed names in its roster, config and records: the learner's tap,
the idle screen, and the office's "not in yet" and late tables all show them as written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, update
from textual.widgets import DataTable

from kiosk.cli import main
from kiosk.config import PolicyConfig
from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen
from kiosk.screens.office import OfficeScreen
from kiosk.station.app import make_app
from records.models import LearnerRecord, SessionMarkRecord
from tests.app.conftest import MORNING, Station
from tests.app.steps import settled
from tests.app.test_desk_flow import sign_on
from tests.screens.harness import shown, tap

CHIDI, SHIV = "0C00062101", "0C00062102"  # A1001, A1002 in the demo roster
HELEN = "1A00990005"  # S05, office


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    st = Station(tmp_path, MORNING, PolicyConfig(phone_handin="off", screening="off"), demo=False)
    yield st
    st.close()
    st.book.close()


def rename(st: Station, mis_id: str, **names: str) -> None:
    with st.book.sessions.begin() as session:
        session.execute(update(LearnerRecord).where(LearnerRecord.mis_id == mis_id).values(**names))


def drawn(table: DataTable) -> str:
    return "\n".join(
        "".join(segment.text for segment in table.render_line(y)) for y in range(table.size.height)
    )


@pytest.mark.parametrize("name", ["Jo [/i]", "Anne [Annie]", "[@click=app.quit]x[/]"])
async def test_a_learner_with_brackets_in_their_name_is_greeted_by_it(station, name) -> None:
    rename(station, "A1001", forename=name)
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present(CHIDI)
        await settled(station.app, pilot)
        assert isinstance(station.app.screen, GreetingScreen)
        assert name in shown(station.app)
        station.reader.present(SHIV)  # the next tap reuses the greeting screen
        await settled(station.app, pilot)
        assert "Shiv" in shown(station.app)
    with station.book.sessions() as session:
        assert len(session.scalars(select(SessionMarkRecord)).all()) == 2


def test_kiosk_check_accepts_a_bracketed_school_name(tmp_path, capsys) -> None:
    def check(name: str) -> tuple[int, list[str]]:
        config = tmp_path / "kiosk.toml"
        config.write_text(
            f'[school]\nname = "{name}"\n\n[database]\nurl = "sqlite:///{tmp_path / "k.db"}"\n\n'
            '[rfid]\ndriver = "none"\n\n[detector]\ndriver = "none"\n',
            encoding="utf-8",
        )
        assert main(["db", "upgrade", "--config", str(config)]) == 0
        capsys.readouterr()
        code = main(["check", "--config", str(config)])
        return code, capsys.readouterr().out.splitlines()

    assert check("[/b]Evil") == check("Plain Academy"), "the name is text, not a problem"


async def test_a_bracketed_school_name_is_shown_on_the_idle_screen(station) -> None:
    config = replace(station.config, school=replace(station.config.school, name="[/b]Evil"))
    app = make_app(config, station.book, station.devices, clock=station.clock.now)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, IdleScreen)
        assert "[/b]Evil" in shown(app)


async def test_the_office_shows_a_bracketed_name_not_in_yet_and_a_bracketed_late_reason(
    station,
) -> None:
    rename(station, "A1003", forename="Jo [/i]")  # not in yet: nobody taps for her
    station.clock.advance(22 * 60)
    async with station.app.run_test(size=(100, 30)) as pilot:
        station.reader.present(CHIDI)  # late
        await settled(station.app, pilot)
        with station.book.sessions.begin() as session:
            session.execute(update(SessionMarkRecord).values(comment="bus late [/see note]"))
        await sign_on(station, pilot, HELEN)
        await tap(pilot, "#office")
        screen = station.app.screen
        assert isinstance(screen, OfficeScreen)
        await pilot.pause()
        assert "Jo [/i] Nowak" in drawn(screen.query_one("#not-in", DataTable))
        assert "bus late [/see note]" in drawn(screen.query_one("#lates", DataTable))
