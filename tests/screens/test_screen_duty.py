"""The duty screen: who is on, their recorded sex, who may search, and the warnings first."""

from __future__ import annotations

from textual.widgets import DataTable

from kiosk.domain.people import Role, Sex, StaffMember
from kiosk.domain.search import duty_warnings
from kiosk.screens.duty import DutyScreen
from kiosk.views.desk import DutyClosed
from tests.screens.harness import Harness, shown

SEARCHER = frozenset({Role.SCREENER, Role.SEARCHER})
SCREENER = frozenset({Role.SCREENER})

ADA = StaffMember("S1", "Ada Okafor", Sex.FEMALE, SEARCHER)
BEN = StaffMember("S2", "Ben Hughes", Sex.MALE, SEARCHER)
CAL = StaffMember("S3", "Cal Price", Sex.MALE, SCREENER)
DEE = StaffMember("S4", "Dee Rowe", None, SEARCHER)


def rows(app) -> list[list[str]]:
    table = app.screen.query_one("#staff", DataTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


def test_no_warnings_when_both_sexes_can_be_searched_and_witnessed() -> None:
    assert duty_warnings([ADA, BEN, CAL]) == ()


def test_warning_names_the_missing_male_searcher_once() -> None:
    assert duty_warnings([ADA, CAL, DEE]) == ("No authorised male searcher on duty.",)


def test_nobody_on_duty_warns_of_both_searchers_and_the_witness_once() -> None:
    assert duty_warnings([]) == (
        "No authorised female searcher on duty.",
        "No member of staff on duty to act as a witness.",
        "No authorised male searcher on duty.",
    )


async def test_duty_lists_sex_and_authorisation_with_unrecorded_sex_said_plainly() -> None:
    app = Harness(DutyScreen([ADA, CAL, DEE], duty_warnings([ADA, CAL, DEE])))
    async with app.run_test(size=(100, 30)):
        assert rows(app) == [
            ["Ada Okafor", "Female", "yes"],
            ["Cal Price", "Male", "no"],
            ["Dee Rowe", "not recorded", "yes"],
        ]
        assert "No authorised male searcher on duty." in shown(app)


async def test_close_dismisses_with_duty_closed() -> None:
    app = Harness(DutyScreen([ADA, BEN], ()))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#close")
        await pilot.pause()
        assert app.result == DutyClosed()


def test_duty_screen_with_a_warning_snapshot(snap_compare) -> None:
    staff = [ADA, CAL, DEE]
    app = Harness(DutyScreen(staff, duty_warnings(staff)))
    assert snap_compare(app, terminal_size=(100, 30))
