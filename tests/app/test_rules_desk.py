"""The rules register at the desk, as staff meet it: each test names the rule it holds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.domain.people import StaffRef
from kiosk.domain.station import RefusalPolicy
from kiosk.screens.lane import LaneScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.refusal import RefusalScreen
from kiosk.screens.search_setup import SearchSetupScreen
from records.models import NotificationRecord
from tests.app.conftest import MORNING, SCREENING, Station
from tests.app.steps import (
    BETHAN,
    CHIDI,
    DANIEL,
    arrives,
    close_duty,
    marks,
    open_learner,
    press,
    sign_on,
)
from tests.screens.harness import shown, tap


def notifications(st: Station) -> list[tuple[str, str]]:
    with st.book.sessions() as session:
        return [(n.role, n.subject) for n in session.scalars(select(NotificationRecord))]


@pytest.fixture
def searching(tmp_path: Path) -> Iterator[Station]:
    """A station whose policy searches instead of refusing entry (`on_refusal = "search"`)."""
    st = Station(tmp_path, MORNING, replace(SCREENING, on_refusal=RefusalPolicy.SEARCH), demo=False)
    yield st
    st.close()
    st.book.close()


async def test_r24_a_refusal_under_the_search_policy_ends_in_O_and_the_officer_told(
    searching: Station,
) -> None:
    """R24: under on_refusal = "search" a learner who refuses the search too is coded O."""
    st = searching
    async with st.app.run_test(size=(100, 30)) as pilot:
        await sign_on(st, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(st, pilot, CHIDI)
        await open_learner(st, pilot, "Chidi")
        await press(st, pilot, "#no-phone")
        await press(st, pilot, "#refuse")  # refuses the arch: a search is offered, not forced
        assert not isinstance(st.app.screen, SearchSetupScreen)
        assert isinstance(st.app.screen, LearnerDeskScreen)
        await press(st, pilot, "#refuse")  # and refuses the search
        assert isinstance(st.app.screen, RefusalScreen), st.app.screen
        assert "not an exclusion" in shown(st.app)
        await press(st, pilot, "#confirm")
        assert isinstance(st.app.screen, LaneScreen)
        assert marks(st) == {"A1001": ("O", "refused search: not admitted")}
        assert not st.outputs.door.is_open
    assert [role for role, _ in notifications(st)] == ["attendance"]


async def test_r24_a_refusal_under_the_deny_policy_ends_in_O_and_the_officer_told(desk) -> None:
    """R24: under on_refusal = "deny" a refusal of the arch is coded O at once."""
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#refuse")
        assert isinstance(desk.app.screen, RefusalScreen)
        await press(desk, pilot, "#confirm")
        assert marks(desk) == {"A1001": ("O", "refused screening: not admitted")}
    assert [role for role, _ in notifications(desk)] == ["attendance"]


async def test_r31_r32_a_phone_is_confiscated_then_collected_by_a_parent_from_the_office(
    desk,
) -> None:
    """R31, R32: confiscated from the office screen with the escalation shown; the third time
    the attendance officer is told; "collected by parent" takes it off the held list."""
    from textual.widgets import Input

    from kiosk.phones.desk import confiscate, hand_in
    from records.models import LearnerRecord, PhoneHandinRecord
    from tests.app.test_office import HELEN, open_office

    with desk.book.sessions.begin() as session:
        chidi = session.scalars(
            select(LearnerRecord.id).where(LearnerRecord.mis_id == "A1001")
        ).one()
        for day in (16, 18):  # two earlier confiscations this term
            earlier = MORNING.replace(day=day)
            confiscate(session, chidi, day=earlier.date(), at=earlier, slot="", by=StaffRef("S05"))
            session.flush()
        for record in session.scalars(select(PhoneHandinRecord)):
            record.returned_at = record.handed_in_at  # given back after each hold
        hand_in(
            session, chidi, day=MORNING.date(), at=MORNING, slot="7", no_phone=False,
            by=StaffRef("S03"),
        )  # fmt: skip
    async with desk.app.run_test(size=(100, 30)) as pilot:
        await open_office(desk, pilot, HELEN)
        await tap(pilot, "#--content-tab-phones")
        desk.app.screen.query_one("#phone-text", Input).value = "envelope 3"
        await press(desk, pilot, "#confiscate-phone")
        assert "3rd confiscation: held until a parent or carer collects it" in shown(desk.app)
        assert "The attendance officer is told" in shown(desk.app)
        await tap(pilot, "#--content-tab-phones")
        table = desk.app.screen.query_one("#phones-table")
        rows = [table.get_row_at(n) for n in range(table.row_count)]
        assert any(str(row[0]) == "envelope 3" for row in rows)
        # The parent comes in: the confiscated row is chosen and their name written.
        held = next(n for n, row in enumerate(rows) if str(row[0]) == "envelope 3")
        table.move_cursor(row=held)
        desk.app.screen.query_one("#phone-text", Input).value = "Ada Okafor (mother)"
        await press(desk, pilot, "#parent-collected")
        assert "Collected by Ada Okafor (mother)" in shown(desk.app)
        await tap(pilot, "#--content-tab-phones")
        table = desk.app.screen.query_one("#phones-table")
        assert all(str(table.get_row_at(n)[0]) != "envelope 3" for n in range(table.row_count))
    with desk.book.sessions() as session:
        third = session.scalars(
            select(PhoneHandinRecord).where(PhoneHandinRecord.slot == "envelope 3")
        ).one()
        assert third.confiscation_occurrence == 3 and third.collected_by == "Ada Okafor (mother)"
        assert third.returned_by.staff_id == "S05" and third.returned_at is not None
    assert [role for role, _ in notifications(desk)] == ["attendance", "attendance"]


async def test_r33_earphones_seen_in_use_are_taken_at_the_kiosk_unless_the_roster_permits_them(
    desk,
) -> None:
    """R33 at the door's own office screen: "Take earphones" records earphones (not a phone)
    for a learner without permission; for one the roster permits, nothing is taken and staff
    are told why."""
    from kiosk.phones.desk import hand_in
    from records.models import LearnerRecord, PhoneHandinRecord
    from tests.app.test_office import HELEN, open_office

    with desk.book.sessions.begin() as session:
        learners = {
            row.mis_id: row
            for row in session.scalars(
                select(LearnerRecord).where(LearnerRecord.mis_id.in_(("A1001", "A1002")))
            )
        }
        learners["A1002"].earphones_permitted = True
        for slot, learner in zip(("7", "8"), learners.values(), strict=True):
            hand_in(
                session, learner.id, day=MORNING.date(), at=MORNING, slot=slot, no_phone=False,
                by=StaffRef("S03"),
            )  # fmt: skip
        permitted = learners["A1002"].id

    async def take_earphones_from(pilot, slot: str) -> None:
        await tap(pilot, "#--content-tab-phones")
        table = desk.app.screen.query_one("#phones-table")
        table.move_cursor(
            row=next(n for n in range(table.row_count) if str(table.get_row_at(n)[0]) == slot)
        )
        await press(desk, pilot, "#confiscate-earphones")

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await open_office(desk, pilot, HELEN)
        await take_earphones_from(pilot, "8")
        assert "Not confiscated" in shown(desk.app) and "permission" in shown(desk.app)
        await take_earphones_from(pilot, "7")
        assert "earphones" in shown(desk.app)
    with desk.book.sessions() as session:
        taken = session.scalars(
            select(PhoneHandinRecord).where(PhoneHandinRecord.confiscated.is_(True))
        ).all()
    assert [(record.learner_id != permitted, record.item) for record in taken] == [
        (True, "earphones")
    ]


KOFI = "1A00990004"  # Kofi Osei, a male screener: the witness for Chidi


async def search_chidi(st, pilot, *, items=(), force: str = "") -> None:
    """Daniel searches Chidi after an alarm, Kofi witnessing; `items` are (category label,
    description, disposition label or "", reason) added before saving."""
    from tests.app.steps import type_into
    from tests.screens.harness import choose

    await sign_on(st, pilot, DANIEL)
    await close_duty(pilot)
    await sign_on(st, pilot, KOFI)
    await close_duty(pilot)
    await arrives(st, pilot, CHIDI)
    await open_learner(st, pilot, "Chidi")
    await press(st, pilot, "#no-phone")
    await press(st, pilot, "#arch-alarm")
    await tap(pilot, "#search")
    await tap(pilot, "#start")
    for category, description, disposition, reason in items:
        await choose(pilot, "#item-category", category)
        if disposition:
            await choose(pilot, "#item-disposition", disposition)
        await type_into(pilot, "#item-description", description)
        if reason:
            await type_into(pilot, "#item-reason", reason)
        await tap(pilot, "#add-item")
    if force:
        await type_into(pilot, "#force", force)
    await type_into(pilot, "#place", "side room")
    await tap(pilot, "#consent-yes")
    await type_into(pilot, "#grounds", "arch alarm")
    await type_into(pilot, "#sought", "drugs")


def the_search(st):
    from records.models import SearchRecord

    with st.book.sessions() as session:
        (search,) = session.scalars(select(SearchRecord)).all()
        session.expunge(search)
        return search


async def test_r21_drugs_disposed_of_tell_the_dsl_and_the_record_never_claims_it_unsent(
    desk,
) -> None:
    """R21: a notification is queued for every drug item; "DSL informed" is not ticked for staff
    and the record says N until the message is delivered."""
    from textual.widgets import Checkbox

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await search_chidi(
            desk,
            pilot,
            items=[
                (
                    "controlled drugs",
                    "cannabis residue",
                    "disposed of",
                    "tiny amount, police advised",
                )
            ],
        )
        assert "The DSL must be told: controlled drugs found" in shown(desk.app)
        dsl = desk.app.screen.query_one("#dsl-informed", Checkbox)
        assert not dsl.value and not dsl.disabled  # never ticked for them
        await press(desk, pilot, "#save")
        assert isinstance(desk.app.screen, LearnerDeskScreen)
    search = the_search(desk)
    assert not search.dsl_informed and search.dsl_informed_at is None
    assert [role for role, _ in notifications(desk)] == ["dsl"]


async def test_r22_a_serious_incident_reaches_the_dsl_at_once_and_the_delivery_is_recorded(
    tmp_path: Path,
) -> None:
    """R22: the DSL's message is sent when the search is saved, not on the timer; the record
    says when it was delivered and how."""
    from kiosk.config import NotifyConfig
    from tests.office.conftest import Inbox, MailServer, free_port

    server = MailServer(free_port(), Inbox())
    server.start()
    st = Station(tmp_path, MORNING, SCREENING, demo=False)
    st.config = replace(
        st.config,
        notify=NotifyConfig(
            smtp_host="127.0.0.1", smtp_port=server.port, starttls=False,
            sender="kiosk@school.example", dsl="dsl@school.example",
        ),
    )  # fmt: skip
    st.app.config = st.config
    try:
        async with st.app.run_test(size=(100, 30)) as pilot:
            await search_chidi(st, pilot, items=[("knives and weapons", "folding knife", "", "")])
            from tests.app.steps import type_into

            await type_into(pilot, "#item-police-ref", "CAD 1")
            await tap(pilot, "#add-item")
            await press(st, pilot, "#save")
            from tests.app.steps import eventually

            assert await eventually(pilot, lambda: len(server.inbox.messages) == 1, 10.0)
        search = the_search(st)
        assert search.dsl_informed and search.dsl_informed_at is not None
        assert search.dsl_informed_by == "email to dsl@school.example"
        assert server.inbox.messages[0]["to"] == ["dsl@school.example"]
    finally:
        server.stop()
        st.close()
        st.book.close()


async def test_r22_an_undelivered_dsl_message_is_shown_to_the_office(desk) -> None:
    """R22: with no way to reach the DSL, staff are told at once and the office sees it."""
    from tests.app.test_office import HELEN, open_office

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await search_chidi(desk, pilot, force="held his wrist, Daniel, he swung at Kofi")
        await press(desk, pilot, "#save")
        await press(desk, pilot, "#admit")
        await tap(pilot, "#lock")
        await open_office(desk, pilot, HELEN)
        await tap(pilot, "#--content-tab-outbox")
        text = shown(desk.app)
        assert "not yet delivered to the DSL" in text
        assert "wrist" not in text  # the office sees that it waits, not what it says
    assert not the_search(desk).dsl_informed


# --- R6: a family member or an appropriate adult as the witness --------------------------------


async def test_r6_a_mother_witnesses_a_search_and_the_record_and_log_say_she_is_not_staff(
    desk,
) -> None:
    """R6: with no member of staff to witness, Aisha searches Siobhán with her mother as the
    witness, named with her relation; the search record screen, the saved record and the
    search log say who she is and that she is not staff. No exception is used."""
    from kiosk.exports import SEARCH_HEADER, search_rows
    from tests.app.steps import AISHA, SHIV, type_into

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, AISHA)
        await close_duty(pilot)
        await arrives(desk, pilot, SHIV)
        await open_learner(desk, pilot, "Shiv")
        await press(desk, pilot, "#no-phone")
        await press(desk, pilot, "#arch-alarm")
        await tap(pilot, "#search")
        assert "No witness on duty" in shown(desk.app)
        await tap(pilot, "#witness-adult")
        await tap(pilot, "#significant-risk")
        await type_into(pilot, "#adult-name", "Ngozi O'Brien")
        await tap(pilot, "#relation-0")
        assert not desk.app.screen.query_one("#exception").display  # the rule is met
        await tap(pilot, "#start")
        text = shown(desk.app)
        assert "Witness: Ngozi O'Brien (parent), not a member of staff" in text
        await type_into(pilot, "#place", "side room")
        await tap(pilot, "#consent-yes")
        await type_into(pilot, "#grounds", "arch alarm")
        await type_into(pilot, "#sought", "knife")
        await press(desk, pilot, "#save")
        assert isinstance(desk.app.screen, LearnerDeskScreen)
    search = the_search(desk)
    assert (search.witness_id, search.witness_name, search.witness_relation) == (
        None,
        "Ngozi O'Brien",
        "parent",
    )
    assert search.witness_present and search.same_sex_searcher and not search.exception_used
    with desk.book.sessions() as session:
        day, zone = MORNING.date(), desk.config.school.zone
        (row,) = search_rows(session, first=day, last=day, zone=zone)
    log = dict(zip(SEARCH_HEADER, row, strict=True))
    assert (log["searcher"], log["witness"], log["witness_relation"]) == (
        "Aisha Khan",
        "Ngozi O'Brien",
        "parent",
    )
    assert (log["witness_is_staff"], log["witness_present"], log["exception_used"]) == (
        "N",
        "Y",
        "N",
    )


# --- R7: searchers up to date with their training ----------------------------------------------


def _trained(st: Station, staff_id: str, on) -> None:
    """The training date as the staff list sets it: under the row's seal (R7), as the import
    seals it; a date written in without the seal would refuse the sign-on."""
    from records.keys import session_key
    from records.models import StaffRecord
    from records.staff_seals import seal_staff

    with st.book.sessions.begin() as session:
        staff = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == staff_id)).one()
        staff.search_trained_on = on
        seal_staff(staff, session_key(session))


@pytest.mark.parametrize("may_search", [True, False], ids=["warn-only", "strict"])
async def test_r7_a_searcher_past_their_training_is_warned_on_the_duty_panel_and_the_policy_decides(
    tmp_path: Path, may_search: bool
) -> None:
    """R7: Aisha's training ran out (12 months by default): the duty panel warns of it;
    with `lapsed_training_may_search = false` she is not offered as searcher, not even under
    the urgent exception; with the default she is, warned."""
    from datetime import date

    from tests.app.steps import AISHA, SHIV

    policy = replace(SCREENING, lapsed_training_may_search=may_search)
    st = Station(tmp_path, MORNING, policy, demo=False)
    try:
        _trained(st, "S01", date(2025, 9, 1))
        async with st.app.run_test(size=(100, 30)) as pilot:
            await sign_on(st, pilot, AISHA)
            warning = "Aisha Khan's search training ran out on 2026-09-01 (trained 2025-09-01)"
            text = shown(st.app)
            assert warning in text
            assert ("still lets them search" in text) is may_search
            assert ("not offered as a searcher until trained" in text) is not may_search
            await close_duty(pilot)
            await sign_on(st, pilot, BETHAN)
            await close_duty(pilot)
            await arrives(st, pilot, SHIV)
            await open_learner(st, pilot, "Shiv")
            await press(st, pilot, "#no-phone")
            await press(st, pilot, "#arch-alarm")
            await tap(pilot, "#search")
            setup = st.app.screen
            assert isinstance(setup, SearchSetupScreen)
            offered = [b.id for b in setup.query(".choice") if (b.id or "").startswith("searcher-")]
            assert bool(offered) is may_search  # Aisha, the only searcher on duty
            assert (warning in shown(st.app)) is True
    finally:
        st.close()
        st.book.close()


# --- R28: under the influence -------------------------------------------------------------------


def the_refusal(st):
    from records.models import RefusalRecord

    with st.book.sessions() as session:
        (refusal,) = session.scalars(select(RefusalRecord)).all()
        session.expunge(refusal)
        return refusal


async def test_r28_under_the_influence_is_O_the_officer_and_dsl_are_told_and_a_parent_collects(
    desk,
) -> None:
    """R28: at the desk, "Under the influence": not admitted, O with its comment, the door
    stays shut; the attendance officer and the DSL are sent messages and the record does not
    say the DSL was told; under Leaving, the mother collecting him is recorded (who, when)."""
    from datetime import timedelta

    from kiosk.screens.influence import InfluenceScreen
    from kiosk.screens.sign_out import SignOutScreen
    from tests.app.steps import type_into

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")
        await press(desk, pilot, "#influence")
        assert isinstance(desk.app.screen, InfluenceScreen)
        text = shown(desk.app)
        assert "not an exclusion" in text and "designated safeguarding lead" in text
        await type_into(pilot, "#note", "smelt of cannabis, unsteady")
        await press(desk, pilot, "#confirm")
        assert isinstance(desk.app.screen, LaneScreen)
        assert marks(desk) == {
            "A1001": ("O", "not admitted: awaiting collection by a parent or carer")
        }
        assert not desk.outputs.door.is_open
        refusal = the_refusal(desk)
        assert (refusal.kind, refusal.note) == ("influence", "smelt of cannabis, unsteady")
        assert refusal.dsl_informed_at is None and refusal.dsl_informed_by == ""  # not sent

        desk.clock.advance(40 * 60)  # his mother arrives
        await press(desk, pilot, "#sign_out")
        assert isinstance(desk.app.screen, SignOutScreen)
        assert "waiting for a parent or carer" in shown(desk.app)
        await tap(pilot, "#awaiting-0")
        await type_into(pilot, "#collected-by", "Ngozi Okafor, mother")
        await press(desk, pilot, "#collected")
        assert isinstance(desk.app.screen, LaneScreen)
    refusal = the_refusal(desk)
    assert refusal.collected_by == "Ngozi Okafor, mother"
    assert refusal.collected_at == MORNING + timedelta(minutes=40)
    with desk.book.sessions() as session:
        from records.models import RefusalRecord

        handed = session.get_one(RefusalRecord, refusal.id).collected_recorded_by
        assert handed is not None and handed.staff_id == "S03"
    told = notifications(desk)
    assert [role for role, _ in told] == ["attendance", "dsl"]
    assert told[1][1] == "Not admitted, suspected under the influence: A1001"


async def test_r28_the_dsl_is_told_at_once_and_the_record_says_so_only_once_delivered(
    tmp_path: Path,
) -> None:
    """R28, R21, R22: a drug and substance incident goes to the DSL when it is saved, not on
    the timer; the refusal records when it was delivered and how, and never before."""
    from kiosk.config import NotifyConfig
    from tests.app.steps import eventually
    from tests.office.conftest import Inbox, MailServer, free_port

    server = MailServer(free_port(), Inbox())
    server.start()
    st = Station(tmp_path, MORNING, SCREENING, demo=False)
    st.config = replace(
        st.config,
        notify=NotifyConfig(
            smtp_host="127.0.0.1", smtp_port=server.port, starttls=False,
            sender="kiosk@school.example", dsl="dsl@school.example",
        ),
    )  # fmt: skip
    st.app.config = st.config
    try:
        async with st.app.run_test(size=(100, 30)) as pilot:
            await sign_on(st, pilot, BETHAN)
            await close_duty(pilot)
            await arrives(st, pilot, CHIDI)
            await open_learner(st, pilot, "Chidi")
            await press(st, pilot, "#influence")
            await press(st, pilot, "#confirm")
            assert await eventually(pilot, lambda: len(server.inbox.messages) == 1, 10.0)
            assert await eventually(pilot, lambda: the_refusal(st).dsl_informed_at is not None)
        refusal = the_refusal(st)
        assert refusal.dsl_informed_by == "email to dsl@school.example"
        assert server.inbox.messages[0]["to"] == ["dsl@school.example"]
    finally:
        server.stop()
        st.close()
        st.book.close()


async def test_r28_staff_who_told_the_dsl_themselves_say_so_and_it_is_recorded(desk) -> None:
    """R28: the box "I have told the DSL myself" is never ticked for staff; ticked, the record
    says who confirmed it and when."""
    from textual.widgets import Checkbox

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        await arrives(desk, pilot, CHIDI)
        await open_learner(desk, pilot, "Chidi")
        await press(desk, pilot, "#influence")
        box = desk.app.screen.query_one("#dsl-told", Checkbox)
        assert not box.value
        await tap(pilot, "#dsl-told")
        await press(desk, pilot, "#confirm")
    refusal = the_refusal(desk)
    assert refusal.dsl_informed_by == "confirmed by Bethan Evans (S03)"
    assert refusal.dsl_informed_at == MORNING
