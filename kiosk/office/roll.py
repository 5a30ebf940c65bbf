"""The fire roll: who is on site now, from the local record alone (no network needed), or from
the hub where one is configured (every door's admissions, sign-outs and staff).

A learner is on site when admitted today (any session) and not signed out since their latest
admission; a learner refused entry, or not yet arrived, is not. Staff are on site while signed
on at a door (kiosk.people.presence keeps that in the book). With the hub out of reach the roll
is this door's book, and says so: it never waits for the network to be printed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, tzinfo

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.config import Config, SchoolConfig
from kiosk.hub import (
    hub_latest_admissions,
    hub_latest_sign_outs,
    hub_learners,
    hub_staff_on_site,
)
from kiosk.office.collection import not_yet_collected
from kiosk.views.on_site import NO_GROUP, Roll, RollGroup, RollLearner, RollSignedOut, RollStaff
from records.models import (
    LearnerRecord,
    SessionMarkRecord,
    SignOutRecord,
    StaffRecord,
    StaffSignOnRecord,
)

log = logging.getLogger(__name__)

ROLL_HEADER = ("who", "group", "id", "surname", "forename", "since")
# Said on the roll when the hub is configured but cannot be reached.
HUB_OFFLINE = "hub offline: this door only"


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


# A learner not admitted (R28) is kept apart on site until a parent or carer collects them.
KEPT_APART = "not admitted: kept apart for a parent"


def _roll_learner(learner: LearnerRecord, admitted: str) -> RollLearner:
    """This door's learner on the roll; `admitted` says since when (and how) they are on site."""
    return RollLearner(
        learner.id,
        learner.mis_id,
        learner.surname,
        learner.forename,
        learner.year_group,
        admitted,
    )


def _kept_apart_learners(
    session: Session, day: date, now: datetime, zone: tzinfo, *, besides: set[int]
) -> Iterator[tuple[str, RollLearner]]:
    """(group, row) for each learner not admitted and kept apart on site at `now` (nobody has
    collected them yet) who is not on the roll already; when they were last turned away."""
    latest = {
        learner.id: (refused_at, learner)
        for _, refused_at, learner in not_yet_collected(session, day=day, now=now)
        if learner.id not in besides
    }
    for refused_at, learner in latest.values():
        yield (
            learner.reg_group or NO_GROUP,
            _roll_learner(learner, f"{refused_at.astimezone(zone):%H:%M}, {KEPT_APART}"),
        )


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
                _roll_learner(learner, f"{present[learner.id].astimezone(zone):%H:%M}")
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
    for group, row in _kept_apart_learners(session, day, now, zone, besides=set(present)):
        groups[group] = sorted([*groups[group], row], key=lambda r: (r.surname, r.forename))
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


def school_roll(session: Session, *, config: Config, now: datetime) -> Roll:
    """The roll of the whole school from the hub where `[hub] url` is set, else this door's;
    with the hub out of reach, this door's, saying so where it says when it was taken."""
    if not config.hub.enabled:
        return fire_roll(session, school=config.school, now=now)
    from kiosk.hub import hub_engine  # the hub's driver, only where a hub is configured

    engine = hub_engine(config.hub)
    try:
        with engine.connect() as conn:
            return hub_fire_roll(conn, session, school=config.school, now=now)
    except SQLAlchemyError as exc:
        log.warning("fire roll: the hub cannot be read, this door only: %s", exc)
    finally:
        engine.dispose()
    roll = fire_roll(session, school=config.school, now=now)
    return replace(roll, taken_at=f"{roll.taken_at} · {HUB_OFFLINE}")


def _hub_comings_and_goings(
    conn: Connection, session: Session, day: date, now: datetime
) -> tuple[dict[str, datetime], dict[str, tuple[datetime, str]]]:
    """By MIS id: who is on site (their latest admission) and who has gone (when, why), by
    every door's record at the hub and this door's own, which the hub may not have yet."""
    admitted = hub_latest_admissions(conn, day, now)
    left = hub_latest_sign_outs(conn, day, now)
    mis_ids = dict(session.execute(select(LearnerRecord.id, LearnerRecord.mis_id)).tuples().all())
    for learner_id, at in latest_admissions(session, day, now).items():
        mis_id = mis_ids[learner_id]
        if mis_id not in admitted or admitted[mis_id] < at:
            admitted[mis_id] = at
    for learner_id, record in latest_sign_outs(session, day, now).items():
        mis_id = mis_ids[learner_id]
        if mis_id not in left or left[mis_id][0] < record.signed_out_at:
            left[mis_id] = (record.signed_out_at, record.reason)
    present = {
        mis_id: at for mis_id, at in admitted.items() if mis_id not in left or left[mis_id][0] < at
    }
    return present, {mis_id: out for mis_id, out in left.items() if mis_id not in present}


def _hub_staff(
    conn: Connection, session: Session, day: date, now: datetime, school: SchoolConfig
) -> tuple[RollStaff, ...]:
    seen: dict[str, RollStaff] = {}
    for spell in hub_staff_on_site(conn, day, now):
        # Signed on at two doors is one person on site: listed once, where they signed on first.
        seen.setdefault(
            spell.staff_id,
            RollStaff(
                spell.staff_id,
                spell.surname,
                spell.forename,
                spell.station,
                f"{spell.signed_on_at.astimezone(school.zone):%H:%M}",
            ),
        )
    for member in _staff_on_site(session, day, now, school):
        seen.setdefault(member.staff_id, member)
    return tuple(sorted(seen.values(), key=lambda m: (m.surname, m.forename, m.since)))


def hub_fire_roll(
    conn: Connection, session: Session, *, school: SchoolConfig, now: datetime
) -> Roll:
    """Who is on site at `now` by every door's record at the hub. Learners keep this door's
    ids (to sign them out here); one this door's roster does not hold yet has id 0."""
    zone = school.zone
    local_now = now.astimezone(zone)
    day = local_now.date()
    present, gone = _hub_comings_and_goings(conn, session, day, now)
    roster = hub_learners(conn, set(present) | set(gone))
    local = {
        row.mis_id: row
        for row in session.execute(
            select(
                LearnerRecord.mis_id,
                LearnerRecord.id,
                LearnerRecord.surname,
                LearnerRecord.forename,
                LearnerRecord.year_group,
                LearnerRecord.reg_group,
            ).where(LearnerRecord.mis_id.in_(set(present) | set(gone)))
        )
    }

    def who(mis_id: str) -> tuple[int, str, str, str, str]:
        mine = local.get(mis_id)
        theirs = roster.get(mis_id) or mine
        learner_id = mine.id if mine is not None else 0
        if theirs is None:  # on neither roster: still on site, named by MIS id
            return learner_id, mis_id, "", "", ""
        return learner_id, theirs.surname, theirs.forename, theirs.year_group, theirs.reg_group

    groups: dict[str, list[tuple[str, RollLearner]]] = defaultdict(list)
    for mis_id, at in present.items():
        learner_id, surname, forename, year, group = who(mis_id)
        row = RollLearner(
            learner_id, mis_id, surname, forename, year, f"{at.astimezone(zone):%H:%M}"
        )
        groups[group or NO_GROUP].append(((surname + "\0" + forename).casefold(), row))
    signed_out = []
    for mis_id, (at, reason) in gone.items():
        learner_id, surname, forename, _year, group = who(mis_id)
        signed_out.append(
            (
                (surname + "\0" + forename).casefold(),
                RollSignedOut(
                    learner_id,
                    f"{surname}, {forename}",
                    group,
                    f"{at.astimezone(zone):%H:%M}",
                    reason,
                ),
            )
        )
    # Learners kept apart for a parent are this door's to know (the hub carries no collection).
    besides = {local[mis_id].id for mis_id in present if mis_id in local}
    for group, row in _kept_apart_learners(session, day, now, zone, besides=besides):
        groups[group].append(((row.surname + "\0" + row.forename).casefold(), row))
    return Roll(
        school=school.name,
        taken_at=f"{local_now:%Y-%m-%d %H:%M}",
        groups=tuple(
            RollGroup(name, tuple(row for _, row in sorted(rows, key=lambda r: r[0])))
            for name, rows in sorted(groups.items(), key=lambda item: _group_order(item[0]))
        ),
        staff=_hub_staff(conn, session, day, now, school),
        signed_out=tuple(row for _, row in sorted(signed_out, key=lambda r: r[0])),
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
