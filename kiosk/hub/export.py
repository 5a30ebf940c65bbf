"""What the office reads from the hub: the attendance export, who is on site, phones, lates.

Every door's marks, one per learner and session (the `hub_session_marks` view), with the
sign-outs, staff sign-ons and phones the doors pushed: the whole school's morning.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, exists, func, or_, select
from sqlalchemy.orm import aliased

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import register_state, roll_rows, sign_out_comments, unmarked_cells
from records.hub import (
    ADMISSION,
    HubLearnerRecord,
    HubMarkRecord,
    HubPhoneRecord,
    HubSignOutRecord,
    HubStaffPresenceRecord,
    HubStaffRecord,
    hub_phones_held,
    hub_session_marks,
)


def hub_attendance_rows(
    conn: Connection,
    *,
    day: date,
    school_session: SchoolSession,
    school: SchoolConfig,
    now: datetime,
) -> Iterator[tuple[str, ...]]:
    """The rows of `kiosk.exports.attendance_rows`, from the hub: its roster, and the mark the
    `hub_session_marks` view chose (the earliest admission at any door, else a refusal's O,
    as last amended at any door), with each sign-out at any door in the comment."""
    times, register_closed = register_state(school, day, school_session, now)
    marks = {
        mis_id: (code, minutes, comment)
        for mis_id, code, minutes, comment in conn.execute(
            select(
                hub_session_marks.c.mis_id,
                hub_session_marks.c.code,
                hub_session_marks.c.minutes_late,
                hub_session_marks.c.comment,
            ).where(
                hub_session_marks.c.date == day,
                hub_session_marks.c.session == school_session.value,
            )
        )
    }
    left = sign_out_comments(
        conn.execute(
            select(HubSignOutRecord.mis_id, HubSignOutRecord.signed_out_at, HubSignOutRecord.reason)
            .where(HubSignOutRecord.date == day, HubSignOutRecord.session == school_session.value)
            .order_by(HubSignOutRecord.signed_out_at, HubSignOutRecord.id)
        ).tuples(),
        school.zone,
    )
    learners = HubLearnerRecord
    roll = conn.execute(
        select(learners.mis_id, learners.upn, learners.surname, learners.forename)
        .where(or_(learners.left_on.is_(None), learners.left_on > day))
        .order_by(learners.surname, learners.forename, learners.id)
    )
    yield from roll_rows(
        ((mis_id, (mis_id, upn, surname, forename)) for mis_id, upn, surname, forename in roll),
        marks,
        lambda _: unmarked_cells(None, register_closed, school_session, times),
        left,
        day,
        school_session,
    )


@dataclass(frozen=True)
class HubLearner:
    mis_id: str
    surname: str
    forename: str
    year_group: str
    reg_group: str


def hub_learners(conn: Connection, mis_ids: Iterable[str] | None = None) -> dict[str, HubLearner]:
    """Learners on the hub's roster by MIS id (all of them, or those named)."""
    query = select(
        HubLearnerRecord.mis_id,
        HubLearnerRecord.surname,
        HubLearnerRecord.forename,
        HubLearnerRecord.year_group,
        HubLearnerRecord.reg_group,
    )
    if mis_ids is not None:
        query = query.where(HubLearnerRecord.mis_id.in_(list(mis_ids)))
    return {row.mis_id: HubLearner(*row) for row in conn.execute(query)}


def hub_latest_admissions(conn: Connection, day: date, now: datetime) -> dict[str, datetime]:
    """Each learner admitted at any door on `day` up to `now`, with their latest admission."""
    return {
        mis_id: at
        for mis_id, at in conn.execute(
            select(HubMarkRecord.mis_id, func.max(HubMarkRecord.admitted_at))
            .where(
                HubMarkRecord.date == day,
                HubMarkRecord.kind == ADMISSION,
                HubMarkRecord.admitted_at <= now,
            )
            .group_by(HubMarkRecord.mis_id)
        )
    }


def hub_latest_sign_outs(
    conn: Connection, day: date, now: datetime
) -> dict[str, tuple[datetime, str]]:
    """Each learner signed out at any door on `day` up to `now`: the latest time and reason."""
    latest: dict[str, tuple[datetime, str]] = {}
    for mis_id, at, reason in conn.execute(
        select(HubSignOutRecord.mis_id, HubSignOutRecord.signed_out_at, HubSignOutRecord.reason)
        .where(HubSignOutRecord.date == day, HubSignOutRecord.signed_out_at <= now)
        .order_by(HubSignOutRecord.signed_out_at, HubSignOutRecord.id)
    ):
        latest[mis_id] = (at, reason)
    return latest


@dataclass(frozen=True)
class HubStaffSpell:
    staff_id: str
    surname: str
    forename: str
    station: str
    signed_on_at: datetime


def hub_staff_on_site(conn: Connection, day: date, now: datetime) -> list[HubStaffSpell]:
    """Spells open at `now` at any door (signed on, no sign-off yet), by name then time."""
    on = aliased(HubStaffPresenceRecord)
    off = aliased(HubStaffPresenceRecord)
    staff = HubStaffRecord
    rows = conn.execute(
        select(on.staff_id, staff.surname, staff.forename, on.station, on.signed_on_at)
        .outerjoin(staff, staff.staff_id == on.staff_id)
        .where(
            on.date == day,
            on.kind == "on",
            on.at <= now,
            ~exists().where(
                off.kind == "off",
                off.station == on.station,
                off.staff_id == on.staff_id,
                off.signed_on_at == on.signed_on_at,
                off.at <= now,
            ),
        )
        .order_by(staff.surname, staff.forename, on.signed_on_at, on.station)
    )
    return [
        HubStaffSpell(staff_id, surname or "", forename or staff_id, station, at)
        for staff_id, surname, forename, station, at in rows
    ]


@dataclass(frozen=True)
class HubPhone:
    mis_id: str
    slot: str
    station: str
    handed_in_at: datetime
    confiscated: bool
    item: str = "phone"  # or "earphones", confiscated (R33)


def hub_outstanding_phones(conn: Connection, day: date) -> list[HubPhone]:
    """Phones handed in at any door on `day` and not given back, confiscations included."""
    phones = HubPhoneRecord
    rows = conn.execute(
        hub_phones_held(day)
        .where(phones.no_phone.is_(False))
        .with_only_columns(
            phones.mis_id,
            phones.slot,
            phones.station,
            phones.handed_in_at,
            phones.confiscated,
            phones.item,
        )
    )
    return [HubPhone(*row) for row in rows]


def hub_arrival_times(conn: Connection, day: date, school_session: SchoolSession) -> list[datetime]:
    """The badge tap of each learner's deciding admission in a session, at any door."""
    return list(
        conn.execute(
            select(hub_session_marks.c.at).where(
                hub_session_marks.c.date == day,
                hub_session_marks.c.session == school_session.value,
                hub_session_marks.c.kind == ADMISSION,
            )
        ).scalars()
    )


def hub_marked_days(
    conn: Connection, mis_ids: Iterable[str], first: date, last: date, codes: Iterable[str]
) -> list[tuple[str, date]]:
    """(MIS id, day) for each session from `first` to `last` whose hub mark has one of `codes`."""
    wanted = list(mis_ids)
    if not wanted:
        return []
    return [
        (mis_id, day)
        for mis_id, day in conn.execute(
            select(hub_session_marks.c.mis_id, hub_session_marks.c.date).where(
                hub_session_marks.c.mis_id.in_(wanted),
                hub_session_marks.c.date >= first,
                hub_session_marks.c.date <= last,
                hub_session_marks.c.code.in_(list(codes)),
            )
        )
    ]
