"""The staff side of the lane: staff sign on, the queue, and each learner's desk, screen by screen.

These stations have no passage signal from the arch, so staff confirm each walk-through; the
zero-touch path with a passage signal and a phone station is in test_lane_flow.py.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from textual.widgets import Input

from kiosk.screens.duty import DutyScreen
from kiosk.screens.greeting import GreetingScreen
from kiosk.screens.idle import IdleScreen
from kiosk.screens.lane import LaneScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.refusal import RefusalScreen
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.search_setup import SearchSetupScreen
from records.models import (
    LearnerRecord,
    NotificationRecord,
    PhoneHandinRecord,
    ScreeningRecord,
    SearchRecord,
)
from tests.app.steps import (
    AISHA,
    BETHAN,
    CHIDI,
    DANIEL,
    SHIV,
    arrives,
    close_duty,
    eventually,
    marks,
    open_learner,
    press,
    settled,
    sign_on,
    type_into,
)
from tests.screens.harness import shown, tap


def count(st, model) -> int:
    with st.book.sessions() as session:
        return len(session.scalars(select(model)).all())


async def test_staff_sign_on_shows_who_is_on_duty_and_what_is_missing(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, AISHA)
        assert isinstance(desk.app.screen, DutyScreen)
        text = shown(desk.app)
        assert "Aisha Khan" in text
        assert "No authorised male searcher" in text
        await close_duty(pilot)
        assert isinstance(desk.app.screen, LaneScreen)
        assert desk.app.desk.unlocked


async def test_five_wrong_pins_lock_the_badge(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, DANIEL, "9999")
        assert "4 tries left" in shown(desk.app)
        for _ in range(4):
            for digit in "9999":
                await tap(pilot, f"#key-{digit}")
            await tap(pilot, "#key-ok")
            await settled(desk.app, pilot)
        assert isinstance(desk.app.screen, GreetingScreen)
        assert "locked" in shown(desk.app)
        assert not desk.app.desk.unlocked


async def test_learner_without_staff_signed_on_is_told_the_next_step_only(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await arrives(desk, pilot, SHIV)
        assert isinstance(desk.app.screen, GreetingScreen)
        text = shown(desk.app)
        assert "Shiv" in text and "phone" in text.lower()
        assert "O'Brien" not in text and "9K" not in text
        assert marks(desk) == {}


async def test_phone_in_clear_arch_and_admission(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")
        assert desk.app.screen.query_one("#admit").disabled
        await type_into(pilot, "#slot", "12")
        await press(desk, pilot, "#phone-in")
        await press(desk, pilot, "#arch-clear")
        assert isinstance(desk.app.screen, LaneScreen)
        assert "Please go through" in shown(desk.app)
        assert marks(desk) == {"A1001": ("/", "")}
        assert desk.outputs.door.is_open
    with desk.book.sessions() as session:
        (handin,) = session.scalars(select(PhoneHandinRecord)).all()
        (screening,) = session.scalars(select(ScreeningRecord)).all()
        assert (handin.slot, handin.received_by.staff_id) == ("12", "S03")
        assert (screening.result, screening.operator.staff_id) == ("clear", "S03")


async def test_the_next_learners_desk_shows_nothing_of_the_last(desk) -> None:
    # The station opens one desk again for each learner: what staff typed for one learner,
    # and the keyboard they typed it on, are gone when the next learner's desk opens.
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(desk, pilot, SHIV)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Shiv")
        first = desk.app.screen
        await type_into(pilot, "#slot", "37")
        assert first.query_one("#keyboard").display
        await press(desk, pilot, "#back")
        await open_learner(desk, pilot, "Chidi")
        assert desk.app.screen is first  # the same desk, opened again
        text = shown(desk.app)
        assert "Chidi Okafor" in text and "Shiv" not in text
        assert desk.app.screen.query_one("#slot", Input).value == ""
        assert not desk.app.screen.query_one("#keyboard").display
        await type_into(pilot, "#slot", "12")
        await press(desk, pilot, "#phone-in")
    with desk.book.sessions() as session:
        (handin,) = session.scalars(select(PhoneHandinRecord)).all()
        assert (handin.learner.mis_id, handin.slot) == ("A1001", "12")


async def test_alarm_then_a_lawful_search_then_admission(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await sign_on(desk, pilot, AISHA)
        await close_duty(pilot)
        await arrives(desk, pilot, SHIV)
        await open_learner(desk, pilot, "Shiv")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#arch-alarm")
        assert await eventually(pilot, lambda: desk.outputs.lights.red_is_lit)
        assert desk.app.screen.query_one("#admit").disabled
        await tap(pilot, "#search")
        assert isinstance(desk.app.screen, SearchSetupScreen)
        assert "Aisha Khan" in shown(desk.app)
        await tap(pilot, "#start")
        assert isinstance(desk.app.screen, SearchRecordScreen)
        await type_into(pilot, "#place", "side room")
        await tap(pilot, "#consent-yes")
        await type_into(pilot, "#grounds", "arch alarm")
        await type_into(pilot, "#sought", "blade")
        await type_into(pilot, "#outcome", "keys")
        await press(desk, pilot, "#save")
        assert isinstance(desk.app.screen, LearnerDeskScreen)
        await press(desk, pilot, "#admit")
        assert marks(desk) == {"A1002": ("/", "")}
    with desk.book.sessions() as session:
        (search,) = session.scalars(select(SearchRecord)).all()
        assert search.searcher.staff_id == "S01" and search.witness.staff_id == "S03"
        assert search.same_sex_searcher and search.witness_present and not search.exception_used


async def test_alarm_with_no_same_sex_searcher_needs_the_exception(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, DANIEL)
        await close_duty(pilot)
        await arrives(desk, pilot, SHIV)
        await open_learner(desk, pilot, "Shiv")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#arch-alarm")
        await tap(pilot, "#search")
        assert isinstance(desk.app.screen, SearchSetupScreen)
        assert desk.app.screen.query_one("#start").disabled
        await tap(pilot, "#serious-harm")
        await tap(pilot, "#not-practicable")
        await type_into(pilot, "#exception-reason", "Blade seen, no female staff on site")
        await tap(pilot, "#searcher-0")
        await tap(pilot, "#witness-none")
        await tap(pilot, "#start")
        await type_into(pilot, "#place", "side room")
        await tap(pilot, "#consent-no")
        await type_into(pilot, "#grounds", "blade seen")
        await type_into(pilot, "#sought", "knife")
        await press(desk, pilot, "#save")
        assert isinstance(desk.app.screen, LearnerDeskScreen)
    with desk.book.sessions() as session:
        (search,) = session.scalars(select(SearchRecord)).all()
        assert search.exception_used and "Blade seen" in search.exception_reason
        roles = [n.role for n in session.scalars(select(NotificationRecord))]
        assert roles == ["dsl"]


async def test_an_alarm_cleared_by_the_wand_needs_no_search(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#arch-alarm")
        await press(desk, pilot, "#wand-clear")
        assert marks(desk) == {"A1001": ("/", "")}
    assert count(desk, ScreeningRecord) == 2 and count(desk, SearchRecord) == 0


async def test_refusal_is_not_admitted_and_coded_O(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#refuse")
        assert isinstance(desk.app.screen, RefusalScreen)
        await press(desk, pilot, "#confirm")
        assert isinstance(desk.app.screen, LaneScreen)
        assert "Sorry, Chidi" in shown(desk.app)
        assert marks(desk) == {"A1001": ("O", "refused screening: not admitted")}
        assert not desk.outputs.door.is_open and desk.outputs.lights.red_is_lit
    assert count(desk, NotificationRecord) == 1


async def test_staff_screens_lock_after_the_idle_time(desk) -> None:
    from dataclasses import replace

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        assert isinstance(desk.app.screen, DutyScreen)
        # Shortened once signed on, so a slow PIN entry on a loaded machine is not locked out.
        desk.app.config = replace(
            desk.app.config, policy=replace(desk.app.config.policy, staff_idle_lock_seconds=3)
        )
        desk.app.desk.touch()  # staff's last touch, as any touch on the screen
        assert await eventually(pilot, lambda: isinstance(desk.app.screen, IdleScreen), 10.0)
        assert not desk.app.desk.unlocked


async def test_nothing_a_learner_can_press_reaches_a_staff_screen(desk) -> None:
    learner_side = (IdleScreen, GreetingScreen)
    async with desk.app.run_test(size=(100, 30)) as pilot:
        for _ in range(2):
            for widget in list(desk.app.screen.query("*")):
                if widget.region.area:
                    await pilot.click(offset=(widget.region.x, widget.region.y))
                    await pilot.pause()
                    assert isinstance(desk.app.screen, learner_side)
            for key in ("enter", "escape", "tab", "space", "1", "ctrl+p"):
                await pilot.press(key)
                assert isinstance(desk.app.screen, learner_side)
            await arrives(desk, pilot, SHIV)  # a learner's own badge only greets them
        assert isinstance(desk.app.screen, learner_side)


async def test_a_forgotten_badge_is_found_by_name_and_the_learner_goes_through(desk) -> None:
    from kiosk.screens.find_learner import FindLearnerScreen

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await tap(pilot, "#find-learner")
        assert isinstance(desk.app.screen, FindLearnerScreen)
        await type_into(pilot, "#name", "chid")
        await press(desk, pilot, "#match-0")
        await open_learner(desk, pilot, "Chidi")
        assert "Chidi" in shown(desk.app)
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#arch-clear")
        assert marks(desk) == {"A1001": ("/", "")}


async def test_an_unknown_badge_is_enrolled_to_its_learner_on_the_spot(desk) -> None:
    from kiosk.door.arrivals import badge_owner
    from kiosk.screens.find_learner import FindLearnerScreen

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(desk, pilot, "0CDEADBEEF")
        assert isinstance(desk.app.screen, FindLearnerScreen)
        await type_into(pilot, "#name", "zo")
        await press(desk, pilot, "#match-0")
        await settled(desk.app, pilot)
        await open_learner(desk, pilot, "Zoë")
        assert "Zoë" in shown(desk.app)
    with desk.book.sessions() as session:
        owner = badge_owner(session, "0CDEADBEEF", on=date(2026, 11, 23))
        learner = session.get_one(LearnerRecord, owner.record_id)
        assert owner.kind == "learner" and learner.mis_id == "A1003"


async def test_an_unknown_badge_with_no_staff_signed_on_only_asks_to_see_staff(desk) -> None:
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await arrives(desk, pilot, "0CDEADBEEF")
        assert isinstance(desk.app.screen, GreetingScreen)
        assert "Please see a member of staff" in shown(desk.app)


async def test_a_knife_found_in_a_search_goes_to_the_police_and_the_dsl_is_told(desk) -> None:
    from records.models import FoundItemRecord
    from tests.screens.harness import choose

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, DANIEL)
        await close_duty(pilot)
        await sign_on(desk, pilot, "1A00990004")  # Kofi Osei, a male screener: the witness
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#arch-alarm")
        await tap(pilot, "#search")
        await tap(pilot, "#start")
        await choose(pilot, "#item-category", "knives and weapons")
        await type_into(pilot, "#item-description", "folding knife")
        await type_into(pilot, "#item-police-ref", "CAD 2211")
        await tap(pilot, "#add-item")
        await type_into(pilot, "#place", "side room")
        await tap(pilot, "#consent-yes")
        await type_into(pilot, "#grounds", "arch alarm")
        await type_into(pilot, "#sought", "blade")
        await type_into(pilot, "#outcome", "knife found")
        await press(desk, pilot, "#save")
        assert isinstance(desk.app.screen, LearnerDeskScreen)
    with desk.book.sessions() as session:
        (item,) = session.scalars(select(FoundItemRecord)).all()
        assert (item.disposition, item.police_reference) == ("handed to police", "CAD 2211")
        assert item.search.searcher.staff_id == "S02" and item.search.witness.staff_id == "S04"
        # No mail server here: the DSL is not told yet, and the record does not say so.
        assert not item.search.dsl_informed and item.search.dsl_informed_at is None
        roles = sorted(n.role for n in session.scalars(select(NotificationRecord)))
    assert roles == ["dsl"]


async def test_the_status_line_shows_the_reader_and_the_arch(tmp_path) -> None:
    from drivers import SimulatedDetector
    from tests.app.conftest import MORNING, SCREENING, Station

    arch = SimulatedDetector()
    st = Station(
        tmp_path, MORNING, SCREENING, demo=False, extra=lambda d: setattr(d, "detector", arch)
    )
    try:
        async with st.app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert "reader online" in shown(st.app) and "arch online" in shown(st.app)
            arch.unplug("cable cut")
            await pilot.pause()
            assert "arch OFFLINE" in shown(st.app) and "cable cut" in shown(st.app)
    finally:
        arch.close()
        st.close()
        st.book.close()
