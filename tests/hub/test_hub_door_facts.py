"""What else a door does reaches the hub: phones, sign-outs, amendments, staff, enrolled cards;
and the office reads the whole school's morning from the hub."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, text

from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.lane import ArchPassed, PhoneStationTapped, PhoneTaken
from kiosk.domain.people import StaffRef
from kiosk.hub import hub_attendance_rows, publish_roster, sync_once
from kiosk.office.amendments import amend_mark, find_mark
from kiosk.office.overview import HUB_NO_ROSTER, HUB_OFFLINE, school_office_view
from kiosk.office.roll import hub_fire_roll, school_roll
from kiosk.office.signout import SignOutError, sign_out
from kiosk.people.enrolment import enrol_badge
from kiosk.people.presence import record_sign_off, record_sign_on
from records.models import LearnerRecord
from tests.hub.doors import (
    AFTER_REGISTER,
    DAY,
    STAFF_ID,
    Door,
    admit,
    at,
    local_ids,
    make_door,
    roster_files,
)
from tests.pgserver import free_port

pytestmark = pytest.mark.postgres

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def roster(tmp_path: Path) -> tuple[Path, Path]:
    return roster_files(tmp_path / "roster", 10)


@pytest.fixture
def doors(tmp_path: Path, hub_url: str, roster: tuple[Path, Path]) -> Iterator[dict[str, Door]]:
    made = {
        "main": make_door(tmp_path / "main", "main", hub_url, roster=roster),
        "side": make_door(tmp_path / "side", "side", hub_url, roster=roster, shuffled=True),
    }
    yield made
    for door in made.values():
        door.close()


def sync(door: Door, hub: Engine, **kwargs: Any) -> Any:
    return sync_once(
        door.book.sessions,
        hub,
        door.name,
        now=AFTER_REGISTER,
        zone=LONDON,
        store=door.config.station.store,
        **kwargs,
    )


def phone_door(tmp_path: Path, name: str, hub_url: str, roster: Any, store: str = "") -> Door:
    return make_door(
        tmp_path / name,
        name,
        hub_url,
        roster=roster,
        shuffled=name != "main",
        phone_slots="1-3",
        phone_store=store,
    )


def slot_given(door: Door, mis_id: str, tapped_at: Any) -> str:
    learner_id = local_ids(door)[mis_id]
    outcome = door.keeper.arrive(learner_id, "Learner", tapped_at)
    [row] = [r for r in outcome.view.rows if r.learner_id == learner_id]
    return row.slot


def hand_in_phone(door: Door, mis_id: str, tapped_at: Any) -> str:
    """The learner taps in, takes the slot they are given, and puts their phone in it."""
    slot = slot_given(door, mis_id, tapped_at)
    learner_id = local_ids(door)[mis_id]
    stored = tapped_at + timedelta(seconds=10)
    door.keeper.handle(PhoneStationTapped(stored, learner_id), by=None, now=stored)
    passed = stored + timedelta(seconds=5)
    outcome = door.keeper.handle(ArchPassed(passed), by=None, now=passed)
    assert not outcome.rejected, outcome.rejected
    return slot


def test_a_slot_holding_a_phone_at_a_door_sharing_the_cabinet_is_not_handed_out(
    tmp_path: Path, hub_url: str, hub: Engine, roster: tuple[Path, Path]
) -> None:
    main = phone_door(tmp_path, "main", hub_url, roster, store="cabinet")
    side = phone_door(tmp_path, "side", hub_url, roster, store="cabinet")
    try:
        assert hand_in_phone(main, "M0001", at(8, 20)) == "1"
        assert hand_in_phone(main, "M0002", at(8, 21)) == "2"
        sync(main, hub)
        pulled = sync(side, hub)

        assert pulled.slots == 2
        assert slot_given(side, "M0003", at(8, 22)) == "3"
    finally:
        main.close()
        side.close()


def test_staff_cannot_put_a_phone_by_hand_in_a_slot_a_door_sharing_the_cabinet_uses(
    tmp_path: Path, hub_url: str, hub: Engine, roster: tuple[Path, Path]
) -> None:
    main = phone_door(tmp_path, "main", hub_url, roster, store="cabinet")
    side = phone_door(tmp_path, "side", hub_url, roster, store="cabinet")
    try:
        assert hand_in_phone(main, "M0001", at(8, 20)) == "1"
        sync(main, hub)
        sync(side, hub)
        assert slot_given(side, "M0003", at(8, 22)) == "2"
        learner_id, by_hand = local_ids(side)["M0003"], at(8, 23)

        refused = side.keeper.handle(
            PhoneTaken(by_hand, learner_id, slot="1"), by=StaffRef(STAFF_ID), now=by_hand
        )
        assert refused.rejected == "Slot 1 holds a phone from another door."
        taken = side.keeper.handle(
            PhoneTaken(by_hand, learner_id, slot="3"), by=StaffRef(STAFF_ID), now=by_hand
        )
        assert not taken.rejected
    finally:
        main.close()
        side.close()


def test_doors_with_cabinets_of_their_own_number_their_slots_apart(
    tmp_path: Path, hub_url: str, hub: Engine, roster: tuple[Path, Path]
) -> None:
    main = phone_door(tmp_path, "main", hub_url, roster)
    side = phone_door(tmp_path, "side", hub_url, roster)
    try:
        assert hand_in_phone(main, "M0001", at(8, 20)) == "1"
        sync(main, hub)
        sync(side, hub)

        assert slot_given(side, "M0003", at(8, 22)) == "1"
    finally:
        main.close()
        side.close()


def test_a_phone_given_back_frees_its_slot_at_the_door_sharing_the_cabinet(
    tmp_path: Path, hub_url: str, hub: Engine, roster: tuple[Path, Path]
) -> None:
    from kiosk.phones.desk import return_phone

    main = phone_door(tmp_path, "main", hub_url, roster, store="cabinet")
    side = phone_door(tmp_path, "side", hub_url, roster, store="cabinet")
    try:
        hand_in_phone(main, "M0001", at(8, 20))
        sync(main, hub)
        sync(side, hub)
        with main.book.sessions.begin() as session:
            return_phone(
                session,
                local_ids(main)["M0001"],
                day=DAY,
                at=at(8, 30),
                by=StaffRef(STAFF_ID),
            )
        sync(main, hub)
        sync(side, hub)

        assert slot_given(side, "M0004", at(8, 31)) == "1"
    finally:
        main.close()
        side.close()


def test_a_learner_signed_out_at_one_door_is_signed_out_in_the_hub_export_and_roll(
    doors: dict[str, Door], hub: Engine
) -> None:
    main, side = doors["main"], doors["side"]
    publish_roster(main.book.sessions, hub, at(7, 30))
    admit(main, local_ids(main)["M0004"], at(8, 20))
    admit(main, local_ids(main)["M0005"], at(8, 21))
    with main.book.sessions.begin() as session:
        sign_out(
            session,
            local_ids(main)["M0004"],
            at=at(9, 15),
            reason="dentist",
            by=StaffRef(STAFF_ID),
            school=main.config.school,
        )
    sync(main, hub)

    with hub.connect() as conn:
        rows = {
            r[0]: r
            for r in hub_attendance_rows(
                conn,
                day=DAY,
                school_session=SchoolSession.AM,
                school=main.config.school,
                now=AFTER_REGISTER,
            )
        }
        with side.book.sessions() as session:
            roll = hub_fire_roll(conn, session, school=side.config.school, now=AFTER_REGISTER)
    assert rows["M0004"][8] == "signed out 09:15: dentist"
    assert [learner.mis_id for learner in roll.learners] == ["M0005"]
    assert [(gone.name, gone.reason) for gone in roll.signed_out] == [
        ("Surname0004, Forename0004", "dentist")
    ]
    assert roll.signed_out[0].learner_id == local_ids(side)["M0004"]


def test_a_learner_who_came_in_at_the_side_gate_is_signed_out_at_reception(
    doors: dict[str, Door], hub: Engine
) -> None:
    main, side = doors["main"], doors["side"]
    publish_roster(main.book.sessions, hub, at(7, 30))
    admit(side, local_ids(side)["M0006"], at(8, 20))
    sync(side, hub)
    sync(main, hub)  # reception hears of the side gate's admission

    def leaves(reason: str, when: Any) -> str:
        with main.book.sessions.begin() as session:
            return sign_out(
                session,
                local_ids(main)["M0006"],
                at=when,
                reason=reason,
                by=StaffRef(STAFF_ID),
                school=main.config.school,
            ).comment

    assert leaves("orthodontist", at(10, 5)) == "signed out 10:05: orthodontist"
    with pytest.raises(SignOutError, match="already signed out at 10:05"):
        leaves("again", at(10, 6))
    sync(main, hub)
    with hub.connect() as conn, side.book.sessions() as session:
        roll = hub_fire_roll(conn, session, school=side.config.school, now=at(10, 30))
    assert "M0006" not in [learner.mis_id for learner in roll.learners]
    assert [gone.reason for gone in roll.signed_out] == ["orthodontist"]


def test_a_learner_admitted_nowhere_cannot_be_signed_out(
    doors: dict[str, Door], hub: Engine
) -> None:
    main = doors["main"]
    publish_roster(main.book.sessions, hub, at(7, 30))
    sync(main, hub)
    with main.book.sessions.begin() as session, pytest.raises(SignOutError, match="not on site"):
        sign_out(
            session,
            local_ids(main)["M0007"],
            at=at(10, 5),
            reason="dentist",
            by=StaffRef(STAFF_ID),
            school=main.config.school,
        )


def test_a_mark_amended_at_a_door_is_the_hubs_mark(doors: dict[str, Door], hub: Engine) -> None:
    main = doors["main"]
    admit(main, local_ids(main)["M0006"], at(8, 50))  # late: L, 10 minutes
    sync(main, hub)
    with main.book.sessions.begin() as session:
        session.execute(text("UPDATE staff SET roles = 'screener;office'"))
        mark_id = find_mark(session, "M0006", day=DAY, school_session="AM")
        amend_mark(
            session,
            mark_id,
            code="/",
            minutes_late=None,
            comment="bus late: the school's own bus",
            reason="the school bus was late",
            by=StaffRef(STAFF_ID),
            at=at(9, 20),
        )

    first = sync(main, hub)
    again = sync(main, hub)

    assert (first.others_sent, again.others_sent) == (1, 0)
    with hub.connect() as conn:
        mark = conn.execute(
            text("SELECT code, minutes_late, comment FROM hub_session_marks WHERE mis_id = 'M0006'")
        ).one()
        original = conn.execute(
            text("SELECT original_code, reason, amended_by FROM hub_amendments")
        ).one()
    assert tuple(mark) == ("/", 0, "bus late: the school's own bus")
    assert tuple(original) == ("L", "the school bus was late", STAFF_ID)


def test_staff_signed_on_at_a_door_are_on_the_hubs_roll_until_they_sign_off(
    doors: dict[str, Door], hub: Engine
) -> None:
    main, side = doors["main"], doors["side"]
    publish_roster(main.book.sessions, hub, at(7, 30))
    with main.book.sessions.begin() as session:
        record_sign_on(session, STAFF_ID, station="main", at=at(8, 0), zone=LONDON)
    sync(main, hub)

    def staff_on_roll() -> list[tuple[str, str, str]]:
        with hub.connect() as conn, side.book.sessions() as session:
            roll = hub_fire_roll(conn, session, school=side.config.school, now=AFTER_REGISTER)
        return [(m.staff_id, m.station, m.since) for m in roll.staff]

    assert staff_on_roll() == [(STAFF_ID, "main", "08:00")]
    with main.book.sessions.begin() as session:
        record_sign_off(session, STAFF_ID, station="main", at=at(9, 0))
    sync(main, hub)
    assert staff_on_roll() == []


def test_the_office_morning_from_the_hub_lists_learners_admitted_at_two_doors(
    doors: dict[str, Door], hub: Engine
) -> None:
    main, side = doors["main"], doors["side"]
    publish_roster(main.book.sessions, hub, at(7, 30))
    admit(main, local_ids(main)["M0001"], at(8, 20))
    admit(side, local_ids(side)["M0002"], at(8, 45))
    sync(main, hub)
    sync(side, hub)

    with main.book.sessions() as session:
        view = school_office_view(session, config=main.config, now=AFTER_REGISTER, is_dsl=False)
        roll = school_roll(session, config=main.config, now=AFTER_REGISTER)

    assert view.day == "2026-11-23"
    assert sorted(r.name for r in view.arrived) == [
        "Forename0001 Surname0001",
        "Forename0002 Surname0002",
    ]
    assert [(r.name, r.code, r.minutes_late) for r in view.lates] == [
        ("Forename0002 Surname0002", "L", 5)
    ]
    assert len(view.not_in) == 8
    assert sorted(learner.mis_id for learner in roll.learners) == ["M0001", "M0002"]


def test_with_the_hub_out_of_reach_the_office_reads_this_door_and_says_so(
    doors: dict[str, Door],
) -> None:
    main = doors["main"]
    admit(main, local_ids(main)["M0001"], at(8, 20))
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/hub"
    config = replace(main.config, hub=replace(main.config.hub, url=closed))

    with main.book.sessions() as session:
        view = school_office_view(session, config=config, now=AFTER_REGISTER, is_dsl=False)
        roll = school_roll(session, config=config, now=AFTER_REGISTER)

    assert view.day == f"2026-11-23 · {HUB_OFFLINE}"
    assert [r.name for r in view.arrived] == ["Forename0001 Surname0001"]
    assert roll.taken_at == f"2026-11-23 09:30 · {HUB_OFFLINE}"
    assert [learner.mis_id for learner in roll.learners] == ["M0001"]


def test_a_card_enrolled_at_one_door_admits_the_learner_at_another_after_sync(
    doors: dict[str, Door], hub: Engine
) -> None:
    main, side = doors["main"], doors["side"]
    sync(main, hub)
    sync(side, hub)
    with main.book.sessions.begin() as session:
        learner = session.scalars(
            select(LearnerRecord).where(LearnerRecord.mis_id == "M0007")
        ).one()
        assert enrol_badge(session, "0C00ABCDEF", at(8, 10), learner)

    sent = sync(main, hub)
    pulled = sync(side, hub)

    assert sent.others_sent == 1
    assert pulled.roster > 0
    owner, outcome = side.keeper.badge("0C00ABCDEF", at(8, 20))
    assert (owner.kind, owner.record_id) == ("learner", local_ids(side)["M0007"])
    assert outcome is not None and not outcome.rejected
    old, _ = side.keeper.badge("0C00100007", at(8, 21))  # the card the new one replaced
    assert old.kind != "learner"


def test_a_new_door_takes_a_replacement_card_over_the_offices_older_roster(
    doors: dict[str, Door], hub: Engine, tmp_path: Path, hub_url: str
) -> None:
    main = doors["main"]
    publish_roster(main.book.sessions, hub, at(7, 30))
    with main.book.sessions.begin() as session:
        learner = session.scalars(
            select(LearnerRecord).where(LearnerRecord.mis_id == "M0008")
        ).one()
        assert enrol_badge(session, "0C00FEDCBA", at(8, 10), learner)  # a lost card replaced
    sync(main, hub)
    new = make_door(tmp_path / "sixth", "sixth", hub_url)
    try:
        report = sync(new, hub)
        again = sync(new, hub, roster_version=report.roster_version)
        replacement, _ = new.keeper.badge("0C00FEDCBA", at(8, 20))
        lost, _ = new.keeper.badge("0C00100008", at(8, 21))
        with new.book.sessions() as session:
            mine = session.scalars(
                select(LearnerRecord.id).where(LearnerRecord.mis_id == "M0008")
            ).one()
    finally:
        new.close()
    assert again.roster == 0
    assert (replacement.kind, replacement.record_id) == ("learner", mine)
    assert lost.kind == "unknown"


def test_with_no_roster_at_the_hub_the_office_reads_this_door_and_says_why(
    doors: dict[str, Door], hub: Engine
) -> None:
    main = doors["main"]
    admit(main, local_ids(main)["M0001"], at(8, 20))
    sync(main, hub)

    with main.book.sessions() as session:
        view = school_office_view(session, config=main.config, now=AFTER_REGISTER, is_dsl=False)

    assert view.day == f"2026-11-23 · {HUB_NO_ROSTER}"
    assert [r.name for r in view.arrived] == ["Forename0001 Surname0001"]
