"""The fire roll: who is on site now, from the local record alone (no network needed).

A learner is on site when admitted today (any session) and not signed out since their latest
admission; a learner refused entry, or not yet arrived, is not. Staff are on site while signed
on at a door (kiosk.staff_presence keeps that in the book).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.config import SchoolConfig
from kiosk.on_site import (
    NO_GROUP,
    Roll,
    RollGroup,
    RollLearner,
    RollSignedOut,
    RollStaff,
)
from records.models import (
    LearnerRecord,
    SessionMarkRecord,
    SignOutRecord,
    StaffRecord,
    StaffSignOnRecord,
)

ROLL_HEADER = ("who", "group", "id", "surname", "forename", "since")


def latest_admissions(session: Session, day: date, now: datetime) -> dict[int, datetime]:
    """Each learner admitted on `day` up to `now`, with the time of their latest admission."""
    return {
        learner_id: at
        for learner_id, at in session.execute(
            select(SessionMarkRecord.learner_id, func.max(SessionMarkRecord.admitted_at))
            .where(
                SessionMarkRecord.date == day,
                SessionMarkRecord.admitted_at.is_not(None),
                SessionMarkRecord.admitted_at <= now,
            )
            .group_by(SessionMarkRecord.learner_id)
        )
    }


def latest_sign_outs(session: Session, day: date, now: datetime) -> dict[int, SignOutRecord]:
    """Each learner signed out on `day` up to `now`: their latest sign-out."""
    latest: dict[int, SignOutRecord] = {}
    for record in session.scalars(
        select(SignOutRecord)
        .where(SignOutRecord.date == day, SignOutRecord.signed_out_at <= now)
        .order_by(SignOutRecord.signed_out_at, SignOutRecord.id)
    ):
        latest[record.learner_id] = record
    return latest


def on_site_ids(session: Session, day: date, now: datetime) -> dict[int, datetime]:
    """The learners on site at `now`, with their latest admission."""
    gone = latest_sign_outs(session, day, now)
    return {
        learner_id: admitted_at
        for learner_id, admitted_at in latest_admissions(session, day, now).items()
        if learner_id not in gone or gone[learner_id].signed_out_at < admitted_at
    }


def fire_roll(session: Session, *, school: SchoolConfig, now: datetime) -> Roll:
    """Who is on site at `now`: learners by registration group, staff signed on, and who left."""
    zone = school.zone
    local_now = now.astimezone(zone)
    day = local_now.date()
    present = on_site_ids(session, day, now)
    gone = {
        learner_id: record
        for learner_id, record in latest_sign_outs(session, day, now).items()
        if learner_id not in present
    }
    wanted = set(present) | set(gone)
    learners = (
        session.scalars(
            select(LearnerRecord)
            .where(LearnerRecord.id.in_(wanted))
            .order_by(LearnerRecord.surname, LearnerRecord.forename, LearnerRecord.id)
        ).all()
        if wanted
        else []
    )
    groups: dict[str, list[RollLearner]] = defaultdict(list)
    signed_out: list[RollSignedOut] = []
    for learner in learners:
        if learner.id in present:
            groups[learner.reg_group or NO_GROUP].append(
                RollLearner(
                    learner.id,
                    learner.mis_id,
                    learner.surname,
                    learner.forename,
                    learner.year_group,
                    f"{present[learner.id].astimezone(zone):%H:%M}",
                )
            )
        else:
            record = gone[learner.id]
            signed_out.append(
                RollSignedOut(
                    learner.id,
                    f"{learner.surname}, {learner.forename}",
                    learner.reg_group,
                    f"{record.signed_out_at.astimezone(zone):%H:%M}",
                    record.reason,
                )
            )
    return Roll(
        school=school.name,
        taken_at=f"{local_now:%Y-%m-%d %H:%M}",
        groups=tuple(
            RollGroup(name, tuple(rows))
            for name, rows in sorted(groups.items(), key=lambda item: _group_order(item[0]))
        ),
        staff=_staff_on_site(session, day, now, school),
        signed_out=tuple(signed_out),
    )


def _group_order(name: str) -> tuple[bool, str]:
    return (name == NO_GROUP, name.casefold())


def _staff_on_site(
    session: Session, day: date, now: datetime, school: SchoolConfig
) -> tuple[RollStaff, ...]:
    spells = session.execute(
        select(StaffSignOnRecord, StaffRecord)
        .join(StaffRecord, StaffSignOnRecord.staff_id == StaffRecord.id)
        .where(
            StaffSignOnRecord.date == day,
            StaffSignOnRecord.signed_on_at <= now,
            StaffSignOnRecord.signed_off_at.is_(None),
        )
        .order_by(StaffRecord.surname, StaffRecord.forename, StaffSignOnRecord.signed_on_at)
    ).all()
    seen: dict[str, RollStaff] = {}
    for spell, staff in spells:
        # Signed on at two doors is one person on site: listed once, where they signed on first.
        seen.setdefault(
            staff.staff_id,
            RollStaff(
                staff.staff_id,
                staff.surname,
                staff.forename,
                spell.station,
                f"{spell.signed_on_at.astimezone(school.zone):%H:%M}",
            ),
        )
    return tuple(seen.values())


def roll_rows(roll: Roll) -> Iterator[tuple[str, ...]]:
    """The roll as CSV rows under ROLL_HEADER: learners by group, then staff by name."""
    for group in roll.groups:
        for learner in group.learners:
            yield (
                "learner",
                group.reg_group,
                learner.mis_id,
                learner.surname,
                learner.forename,
                learner.admitted,
            )
    for member in roll.staff:
        yield (
            "staff",
            member.station,
            member.staff_id,
            member.surname,
            member.forename,
            member.since,
        )


def roll_text(roll: Roll) -> str:
    """The roll laid out for printing: a tick box per person, a group per block."""
    lines = [
        f"FIRE ROLL  {roll.school}  {roll.taken_at}",
        f"On site: {roll.learner_count} learner(s), {len(roll.staff)} staff",
        "",
    ]
    if not roll.groups:
        lines += ["No learners on site.", ""]
    for group in roll.groups:
        lines.append(f"{group.reg_group} ({len(group.learners)})")
        lines += [f"  [ ] {learner.name:<40} in {learner.admitted}" for learner in group.learners]
        lines.append("")
    lines.append(f"Staff ({len(roll.staff)})")
    lines += [
        f"  [ ] {member.name:<40} {member.station} since {member.since}" for member in roll.staff
    ] or ["  none signed on at a door"]
    if roll.signed_out:
        lines += ["", f"Signed out, not on site ({len(roll.signed_out)})"]
        lines += [
            f"      {gone.name:<40} {gone.reg_group or '-'} at {gone.at}: {gone.reason}"
            for gone in roll.signed_out
        ]
    return "\n".join(lines) + "\n"
