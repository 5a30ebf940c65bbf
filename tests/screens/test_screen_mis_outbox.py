"""The office's MIS outbox: where each mark stands, "Send now" against the Wonde stand-in, the
screen without a MIS, and snapshots of it and of the office home at the test and panel sizes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.config import load_config
from kiosk.database import Book, open_school_book
from kiosk.domain.people import Role, Sex, StaffMember
from kiosk.mis.queue import queue_unsent_marks, send_round
from kiosk.office_app import OfficeApp
from kiosk.screens.mis_outbox import MisOutboxScreen, MisSetupView
from kiosk.screens.office_home import OfficeHomeScreen
from kiosk.screens.results import MisOutboxLine, MisOutboxView
from records.models import MisWriteRecord
from tests.app.steps import eventually
from tests.mis import fakemis
from tests.mis.conftest import DAY, MORNING, NOW, School, _school
from tests.screens.harness import UNSET, Harness, shown, tap

PANEL = (64, 20)
SIZES = [(100, 30), (80, 24), (64, 20)]
OFFICE = StaffMember("S05", "Olu Adeyemi", Sex.MALE, frozenset({Role.OFFICE}))
EARLIER = NOW - timedelta(minutes=20)
FRIDAY = DAY - timedelta(days=3)
THURSDAY = DAY - timedelta(days=4)


@pytest.fixture
def school(tmp_path: Path) -> Iterator[School]:
    """A school's real SQLite book with learners, and the Wonde stand-in on a local port."""
    yield from _school(tmp_path, "wonde")


@pytest.fixture
def office(school: School) -> Iterator[Callable[..., OfficeApp]]:
    """The office app on the school's book at 09:30."""
    books: list[Book] = []

    def make(**mis: Any) -> OfficeApp:
        config = load_config(school.write_config(**mis))
        books.append(open_school_book(config.database))
        return OfficeApp(config, books[-1], clock=lambda: NOW)

    yield make
    for book in books:
        book.close()


async def open_outbox(app: OfficeApp, pilot: Any) -> MisOutboxScreen:
    """Signed in as a member of the office (the PIN check has tests of its own), home, MIS."""
    app.member = OFFICE
    app.show_home()
    await pilot.pause()
    await tap(pilot, "#mis")
    assert isinstance(app.screen, MisOutboxScreen)
    return app.screen


def a_morning_half_sent(school: School) -> None:
    """A round at 09:10: the MIS was busy for Aoife, held a teacher's mark for Chidi and did
    not know learner 9999; Thảo's refusal went. Then a mark for Aoife's Friday was recorded
    (an amendment): queued, not sent yet. Thursday's mark went on Thursday."""
    school.add_marks({"1003": ("/", 0, "")}, day=THURSDAY)
    thursday = send_round(
        school.sessions, school.mis_config(), day=THURSDAY, now=EARLIER - timedelta(4)
    )
    assert thursday.report is not None and thursday.report.written == 1
    school.fake.held[("A100200", DAY.isoformat(), "AM")] = {
        "code": "M",
        "minutes_late": None,
        "comment": "medical (teacher)",
    }
    school.fake.fail_next("POST", 503, body={"error": "maintenance"})
    school.add_marks({**MORNING, "9999": ("/", 0, "")})
    report = send_round(school.sessions, school.mis_config(), day=DAY, now=EARLIER).report
    assert report is not None and (report.failed, report.kept, report.rejected) == (1, 1, 1)
    school.add_marks({"1001": ("/", 0, "")}, day=FRIDAY)
    with school.sessions.begin() as session:
        queue_unsent_marks(session, FRIDAY, at=EARLIER)
    school.fake.requests.clear()


# --- what the office sees -------------------------------------------------------------------


async def test_the_outbox_shows_each_marks_state_with_the_reason_and_the_next_try(
    school: School, office: Callable[..., OfficeApp]
) -> None:
    a_morning_half_sent(school)
    app = office()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_outbox(app, pilot)
        text = shown(app)
        failed = str(app.screen.query_one("#marks-failed").render())
        waiting = str(app.screen.query_one("#marks-waiting").render())

    assert "MIS outbox · Wonde" in text
    assert "1 waiting · 1 failed · 1 sent · 1 skipped · 1 refused" in text
    assert "Aoife Ní Bhriain (1001)" in failed and "HTTP 503" in failed
    assert "next try 09:12 (1 try)" in failed, "the back-off after the 09:10 try, local time"
    assert "the MIS already holds 'M'" in text, "a teacher's mark is kept, and the screen says so"
    assert "unknown student" in text and "Known Nobody (9999)" in text
    assert "Thảo Nguyễn (1003)" in text and "sent 09:10" in text
    assert "6 Mar AM" in waiting and "not sent yet" in waiting, "an older day's unsent mark"
    assert "5 Mar" not in text, "an older day's sent marks are not listed"
    assert school.fake.requests == [], "opening the outbox asks the MIS nothing"


async def test_send_now_writes_the_waiting_marks_to_wonde_and_the_screen_shows_them_sent(
    school: School, office: Callable[..., OfficeApp]
) -> None:
    school.add_marks({**MORNING, "9999": ("/", 0, "")})
    app = office()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_outbox(app, pilot)
        assert "Nothing in the outbox today." in shown(app), "nothing is queued until a round"
        await tap(pilot, "#send")
        assert await eventually(pilot, lambda: "Sent now" in shown(app), seconds=20)
        text = shown(app)
        assert screen.is_current

    assert "Sent now: sent 3, refused 1" in text
    assert "0 waiting · 0 failed · 3 sent · 0 skipped · 1 refused" in text
    assert "Known Nobody (9999)" in text and "unknown student" in text
    written = {w["attendance"][0]["student_id"] for w in school.fake.writes()}
    assert written == {"A100100", "A100200", "A100300"}
    assert school.fake.broken == []
    with school.sessions() as session:
        states = sorted(session.scalars(select(MisWriteRecord.state)))
    assert states == ["rejected", "sent", "sent", "sent"]


async def test_send_now_tries_a_failed_mark_again_without_waiting_for_its_turn(
    school: School, office: Callable[..., OfficeApp]
) -> None:
    a_morning_half_sent(school)
    app = office()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_outbox(app, pilot)
        await tap(pilot, "#send")
        assert await eventually(pilot, lambda: "Sent now" in shown(app), seconds=20)
        text = shown(app)

    assert "0 failed" in text and "1 skipped" in text
    assert school.fake.held[("A100100", DAY.isoformat(), "AM")]["code"] == "/"
    assert school.fake.held[("A100200", DAY.isoformat(), "AM")]["code"] == "M", (
        "the teacher's mark stays"
    )


async def test_a_reply_no_vendor_sends_leaves_the_office_open_and_refuses_no_one(
    school: School, office: Callable[..., OfficeApp]
) -> None:
    school.add_marks(MORNING)
    for _ in range(2):  # the check's read, then the round's
        school.fake.fail_next("GET", 200, body={"data": 5}, path_ends="/attendance-codes")
    app = office()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_outbox(app, pilot)
        await tap(pilot, "#send")
        assert await eventually(pilot, lambda: "Stopped" in shown(app), seconds=20)
        text = shown(app)
        assert screen.is_current, "the office's session goes on"
        assert app.is_running

    assert "not a Wonde list" in text and "0 refused" in text
    assert "Check:" in text, "Send now shows what a check finds"
    with school.sessions() as session:
        assert set(session.scalars(select(MisWriteRecord.state))) == {"pending"}


async def test_send_now_shows_what_the_check_found(
    school: School, office: Callable[..., OfficeApp]
) -> None:
    school.add_marks(MORNING)
    app = office()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_outbox(app, pilot)
        assert "Wonde school A1930499544 · overwrite off" in shown(app)
        await tap(pilot, "#send")
        assert await eventually(pilot, lambda: "Sent now" in shown(app), seconds=20)
        text = shown(app)

    assert "Check: a write would work." in text
    assert len(school.fake.writes()) == 3


async def test_without_a_mis_the_outbox_points_to_the_csv_export_and_sends_nothing(
    school: School, office: Callable[..., OfficeApp]
) -> None:
    school.add_marks(MORNING)
    app = office(provider="none")
    async with app.run_test(size=PANEL) as pilot:
        screen = await open_outbox(app, pilot)
        text = shown(app)
        send = screen.query_one("#send")
        assert send.disabled
        await pilot.click("#send")
        await pilot.pause()
        assert "Sending" not in shown(app)

    assert "MIS outbox · not connected" in text
    assert "The MIS is not connected" in text and "attendance CSV export" in text
    assert school.fake.requests == []
    with school.sessions() as session:
        assert session.scalars(select(MisWriteRecord)).all() == []
    assert fakemis.TOKEN not in text


async def test_send_and_back_stay_on_the_panel_while_a_long_outbox_scrolls() -> None:
    app = Harness(MisOutboxScreen(LONG))
    async with app.run_test(size=PANEL) as pilot:
        app.screen.query_one("#marks").scroll_end(animate=False, immediate=True)
        await pilot.pause()
        for selector in ("#send", "#back", "#counts"):
            widget = app.screen.query_one(selector)
            assert widget.region.bottom <= PANEL[1] and widget.region.height > 0, selector
        await pilot.click("#back")  # no scrolling: the buttons are always in sight
        await pilot.pause()
        assert app.result is None


async def test_the_office_home_offers_the_mis_outbox_by_touch_on_the_panel() -> None:
    app = Harness(OfficeHomeScreen("Olu Adeyemi", mis=True))
    async with app.run_test(size=PANEL) as pilot:
        await tap(pilot, "#mis")
        assert app.result == "mis"


async def test_the_office_home_shows_no_mis_choice_to_whom_it_is_not_offered() -> None:
    app = Harness(OfficeHomeScreen("Olu Adeyemi"))
    async with app.run_test(size=PANEL):
        assert not app.screen.query("#mis")
        assert app.result is UNSET


# --- snapshots at the three sizes ---------------------------------------------------------------

LONG = MisOutboxView(
    "Wonde",
    (("waiting", 6), ("failed", 1), ("sent", 14), ("skipped", 1), ("refused", 1)),
    (
        MisOutboxLine(
            "failed",
            "Aoife Ní Bhriain (1001)",
            "9 Mar AM",
            "/",
            "Wonde is busy or failing (HTTP 503) · next try 09:12 (1 try)",
        ),
        MisOutboxLine(
            "refused",
            "Known Nobody (9999)",
            "9 Mar AM",
            "/",
            "unknown student: no Wonde student with MIS id 9999 · fix the roster or the MIS, "
            "then Send now",
        ),
        MisOutboxLine(
            "skipped",
            "Chidi Okafor (1002)",
            "9 Mar AM",
            "L",
            "the MIS already holds 'M' for this session (not from the kiosk); 'L' was not "
            "written over it ([mis] overwrite = false)",
        ),
        *(
            MisOutboxLine("waiting", f"Learner {n} (20{n:02})", "9 Mar AM", "L", "not sent yet")
            for n in range(6)
        ),
        *(
            MisOutboxLine("sent", f"Learner {n} (30{n:02})", "9 Mar AM", "/", "sent 09:10")
            for n in range(14)
        ),
    ),
)

ARBOR_HELD = MisSetupView(
    "Arbor",
    (("waiting", 0), ("failed", 0), ("sent", 0), ("skipped", 2), ("refused", 0)),
    tuple(
        MisOutboxLine(
            "skipped",
            f"Learner {n} (40{n:02})",
            "9 Mar AM",
            "/",
            "not written: Arbor publishes no way to read the session back, so a teacher's mark "
            "cannot be ruled out; the office may set [mis] overwrite = true to write the "
            "kiosk's marks over whatever the MIS holds",
        )
        for n in range(2)
    ),
    setup=(
        "Arbor at https://example.uk.arbor.sc · overwrite off",
        "Arbor cannot be read back, so no mark is written while [mis] overwrite = false: a "
        "teacher's mark cannot be ruled out. Send now shows what a check finds.",
    ),
)

SCREENS = {
    "outbox": lambda: Harness(MisOutboxScreen(LONG)),
    "outbox_arbor_held": lambda: Harness(MisOutboxScreen(ARBOR_HELD)),
    "outbox_after_send": lambda: Harness(
        MisOutboxScreen(LONG, "Sent now: sent 14, failed 1 (tried again later), refused 1")
    ),
    "outbox_not_connected": lambda: Harness(MisOutboxScreen(MisOutboxView(""))),
    "office_home": lambda: Harness(OfficeHomeScreen("Olu Adeyemi", mis=True)),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", SCREENS)
def test_screen_snapshot(snap_compare, name, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(SCREENS[name](), terminal_size=size)
