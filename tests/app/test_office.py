"""The office screen for each role: the morning, phones, exports; searches for the DSL only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from kiosk.domain.people import StaffRef
from kiosk.domain.search import SearchLevel
from kiosk.door.searches import SearchForm, record_search
from kiosk.phones.desk import hand_in
from kiosk.screens.lane import LaneScreen
from kiosk.screens.office import OfficeScreen
from records.models import LearnerRecord, PhoneHandinRecord
from tests.app.conftest import MORNING
from tests.app.steps import close_duty, settled, sign_on
from tests.screens.harness import shown, tap

HELEN, GRAINNE = "1A00990005", "1A00990006"  # S05 office, S06 dsl + office
DAY = date(2026, 11, 23)


def learner(st, mis_id: str) -> int:
    with st.book.sessions() as session:
        return session.scalars(select(LearnerRecord.id).where(LearnerRecord.mis_id == mis_id)).one()


def a_morning(st) -> None:
    """A search with the exception and a phone in slot 7, recorded as the desk would."""
    from kiosk.domain.search import UrgentException

    shiv, chidi = learner(st, "A1002"), learner(st, "A1001")
    with st.book.sessions.begin() as session:
        record_search(
            session,
            SearchForm(
                shiv, "S02", None, SearchLevel.LOW, "Reception",
                "blade seen in bag", "knife", "nothing found",
                exception=UrgentException(True, True, "Blade seen; no female staff on site"),
            ),
            at=MORNING, by=StaffRef("S02"),
        )  # fmt: skip
        hand_in(
            session, chidi, day=DAY, at=MORNING, slot="7", no_phone=False,
            by=StaffRef("S03"),
        )  # fmt: skip


async def exported(app) -> None:
    """The export written: its worker done (the office's own flow waits on the screen)."""
    for worker in [w for w in app.workers if w.group == "export"]:
        await worker.wait()  # (an empty list to wait_for_complete would wait for every worker)


async def open_office(st, pilot, badge: str) -> None:
    await sign_on(st, pilot, badge)
    await tap(pilot, "#office")
    assert isinstance(st.app.screen, OfficeScreen)


def every_text(app) -> str:
    """Everything the screen could show, in every tab and table."""
    from textual.widgets import DataTable

    cells = [
        str(table.get_cell_at((row, col)))
        for table in app.screen.query(DataTable)
        for row in range(table.row_count)
        for col in range(len(table.columns))
    ]
    return shown(app) + " " + " ".join(cells)


async def test_an_office_user_sees_the_morning_but_never_search_detail(desk) -> None:
    a_morning(desk)
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await open_office(desk, pilot, HELEN)
        text = every_text(desk.app)
        assert "not in yet" in text and "Chidi Okafor" in text
        assert not desk.app.screen.query("#searches")
        assert "blade" not in text.lower() and "Blade" not in text
        assert not desk.app.screen.query("#export-searches")
    assert search_log_reads(desk) == [], "nothing of the search log was read"


async def test_the_safeguarding_lead_sees_todays_searches_and_the_exception(desk) -> None:
    a_morning(desk)
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await open_office(desk, pilot, GRAINNE)
        await tap(pilot, "#--content-tab-searches")
        text = every_text(desk.app)
        assert "Siobhán O'Brien" in text and "Daniel Reid" in text
        assert "Blade seen; no female staff on site" in text
        assert "exception was used 1 time" in text


async def test_a_phone_is_handed_back_from_the_office_screen(desk) -> None:
    a_morning(desk)
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await open_office(desk, pilot, HELEN)
        await tap(pilot, "#--content-tab-phones")
        phones = desk.app.screen.query_one("#phones-table")
        assert phones.row_count == 1 and phones.get_cell_at((0, 1)) == "Chidi Okafor"
        await tap(pilot, "#return-phone")
        assert isinstance(desk.app.screen, OfficeScreen)
        assert desk.app.screen.query_one("#phones-table").row_count == 0
    with desk.book.sessions() as session:
        (phone,) = session.scalars(select(PhoneHandinRecord)).all()
        assert phone.returned_at is not None and phone.returned_by.staff_id == "S05"


async def test_todays_marks_are_exported_to_a_chosen_folder(desk, tmp_path) -> None:
    from textual.widgets import Input

    stick = tmp_path / "usb"
    stick.mkdir()
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await open_office(desk, pilot, HELEN)
        await tap(pilot, "#--content-tab-export")
        desk.app.screen.query_one("#folder", Input).value = str(stick)
        await tap(pilot, "#export-attendance")
        await exported(desk.app)
        await pilot.pause()
        assert "Saved 20 rows" in shown(desk.app)
    text = (stick / "attendance-2026-11-23.csv").read_text(encoding="utf-8")
    assert text.startswith("mis_id,upn,surname,forename,date,session,code,minutes_late,comment")
    assert len(text.splitlines()) == 21
    assert "'=Brown" in text, "formula-leading names are escaped"


async def test_an_export_to_a_missing_folder_says_so_and_writes_nothing(desk, tmp_path) -> None:
    from textual.widgets import Input

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await open_office(desk, pilot, HELEN)
        await tap(pilot, "#--content-tab-export")
        desk.app.screen.query_one("#folder", Input).value = str(tmp_path / "no-stick")
        await tap(pilot, "#export-attendance")
        await exported(desk.app)
        await pilot.pause()
        assert "Not saved" in shown(desk.app) and "no such folder" in shown(desk.app)


async def test_a_screener_has_no_office_button(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, "1A00990003")
        assert not desk.app.screen.query("#office")


async def test_the_queue_has_the_office_button_only_for_office_staff(desk) -> None:
    # One queue is kept and opened again for whoever signs on next: its Office button follows
    # the member of staff at the screen, not the one before.
    async with desk.app.run_test(size=(100, 30)) as pilot:
        for badge, office in ((HELEN, True), ("1A00990003", False), (GRAINNE, True)):
            await sign_on(desk, pilot, badge)
            await close_duty(pilot)
            assert isinstance(desk.app.screen, LaneScreen)
            assert bool(desk.app.screen.query("#office")) is office, badge
            await tap(pilot, "#lock")
            await settled(desk.app, pilot)
            assert not desk.app.desk.unlocked


def test_office_screen_snapshot(desk, snap_compare) -> None:
    a_morning(desk)

    async def open_it(pilot) -> None:
        await open_office(desk, pilot, GRAINNE)

    assert snap_compare(desk.app, terminal_size=(100, 30), run_before=open_it)


def search_log_reads(st) -> list[tuple[str | None, str]]:
    """Who read the search log, and where: the audit log's `search_log.read` entries."""
    import json

    from records.audit import AuditRecord

    with st.book.sessions() as session:
        entries = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "search_log.read")
        ).all()
        return [(e.actor_staff_id, json.loads(e.detail)["where"]) for e in entries]


async def test_r35_the_dsl_reading_and_exporting_searches_at_the_kiosk_is_recorded(
    desk, tmp_path
) -> None:
    """R35: the day's searches on the kiosk's office screen, and their export, each leave a
    `search_log.read` entry naming the safeguarding lead (office staff, who see none, leave
    none: the test above)."""
    from textual.widgets import Input

    a_morning(desk)
    stick = tmp_path / "usb"
    stick.mkdir()
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await open_office(desk, pilot, GRAINNE)
        assert search_log_reads(desk) == [("S06", "the kiosk's office screen")]
        await tap(pilot, "#--content-tab-export")
        desk.app.screen.query_one("#folder", Input).value = str(stick)
        await tap(pilot, "#export-searches")
        await exported(desk.app)
        await pilot.pause()
        assert "Saved 1 rows" in shown(desk.app)
    assert search_log_reads(desk)[-1] == ("S06", "the kiosk's office screen: export")
