"""The morning's use cases that write the mark: who a badge belongs to, admission and refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import (
    Code,
    Mark,
    RefusalKind,
    SessionTimes,
    late_detention,
    mark_for_admission,
    mark_for_refusal,
    session_for,
)
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.badges import Holder, badge_keys
from kiosk.domain.people import StaffRef
from kiosk.domain.roster import display_first_name
from kiosk.notify.queue import queue_influence, queue_refusal
from kiosk.notify.send import dsl_told_of_refusal
from records.audit import append_audit
from records.models import (
    BadgeRecord,
    LearnerRecord,
    RefusalRecord,
    SessionMarkRecord,
    StaffRecord,
)
from records.queries import staff_by_staff_id
from records.register import audit_mark


@dataclass(frozen=True)
class BadgeOwner:
    """Who a badge belongs to, as plain values (no ORM object leaves the transaction)."""

    kind: Holder
    record_id: int | None = None
    first_name: str = ""
    staff_id: str = ""


def badge_owner(session: Session, badge: str, *, on: date) -> BadgeOwner:
    try:
        keys = badge_keys(badge)
    except ValueError:
        return BadgeOwner(Holder.UNREADABLE)
    # One statement for the badge and its holder: this runs on every tap.
    found = session.execute(
        select(StaffRecord, LearnerRecord)
        .select_from(BadgeRecord)
        .outerjoin(StaffRecord, StaffRecord.id == BadgeRecord.staff_id)
        .outerjoin(LearnerRecord, LearnerRecord.id == BadgeRecord.learner_id)
        .where(BadgeRecord.key.in_(keys))
        .limit(1)
    ).first()
    if found is None:
        return BadgeOwner(Holder.UNKNOWN)
    staff, learner = found
    if staff is not None:
        kind = Holder.STAFF if staff.active else Holder.UNKNOWN
        return BadgeOwner(kind, staff.id, staff.forename, staff.staff_id)
    if learner.left_on is not None and learner.left_on <= on:
        return BadgeOwner(
            Holder.LEFT, learner.id, display_first_name(learner.forename, learner.preferred_name)
        )
    return BadgeOwner(
        Holder.LEARNER, learner.id, display_first_name(learner.forename, learner.preferred_name)
    )


@dataclass(frozen=True)
class Admission:
    """What an admission decided: the mark (new or already standing) and the detention flag."""

    learner_id: int
    first_name: str
    day: date
    session: SchoolSession
    mark: Mark
    first_admission: bool
    late_detention: bool


def _times(school: SchoolConfig, session: SchoolSession) -> SessionTimes:
    times = school.times_for(session)
    assert times is not None  # session_for only returns PM when PM is configured
    return times


def _when(school: SchoolConfig, at: datetime) -> tuple[date, SchoolSession]:
    local = at.astimezone(school.zone)
    return local.date(), session_for(local.time(), school.am, school.pm)


def admit(
    session: Session,
    learner_id: int,
    *,
    arrived_at: datetime,
    admitted_at: datetime,
    school: SchoolConfig,
    by: StaffRef | None = None,
    late_reason: str = "",
) -> Admission:
    """Write the session mark for a learner's first admission; a later one changes nothing.

    The arrival time (the badge tap) decides the mark, so a queue at the arch never makes a
    learner late; a refusal earlier in the session is overridden by the admission (CONTRACT.md).
    """
    learner = session.get_one(LearnerRecord, learner_id)
    staff = _recorder(session, by)
    day, school_session = _when(school, arrived_at)
    times = _times(school, school_session)
    stored = _stored_mark(session, learner_id, day, school_session)
    first_name = display_first_name(learner.forename, learner.preferred_name)

    def already(mark: SessionMarkRecord) -> Admission:
        return Admission(
            learner_id,
            first_name,
            day,
            school_session,
            Mark(Code(mark.code), mark.minutes_late, mark.comment, ("already admitted",)),
            first_admission=False,
            late_detention=mark.late_detention,
        )

    if stored is not None and stored.admitted_at is not None:
        return already(stored)
    mark = mark_for_admission(arrived_at.astimezone(school.zone).time(), school_session, times)
    detention = late_detention(
        mark,
        has_reasonable_explanation=bool(late_reason.strip()),
        detention_minutes=school.late_detention_minutes,
    )
    comment = f"late: {late_reason.strip()}" if late_reason.strip() else mark.comment
    written = {
        "code": mark.code.value,
        "minutes_late": mark.minutes_late,
        "comment": comment,
        "arrived_at": arrived_at,
        "admitted_at": admitted_at,
        "late_reason": late_reason.strip(),
        "late_detention": detention.required,
        "recorded_by_id": None if staff is None else staff.id,
        "updated_at": admitted_at,
    }
    new = None
    if stored is None:
        new = SessionMarkRecord(
            learner_id=learner_id, date=day, session=school_session.value, **written
        )
    if new is not None and _insert_mark(session, new):
        stored = new
    else:
        # A refusal's mark earlier this session, or another door's written a moment ago.
        stored = stored or _stored_mark(session, learner_id, day, school_session)
        assert stored is not None
        if stored.admitted_at is not None:
            return already(stored)
        for name, value in written.items():
            setattr(stored, name, value)
    audit_mark(
        session,
        stored,
        at=admitted_at,
        actor_staff_id=None if staff is None else staff.staff_id,
        action="learner.admitted",
    )
    return Admission(learner_id, first_name, day, school_session, mark, True, detention.required)


def refuse(
    session: Session,
    learner_id: int,
    *,
    at: datetime,
    kind: RefusalKind,
    school: SchoolConfig,
    by: StaffRef | None,
    note: str = "",
    dsl_told_by_recorder: bool = False,
) -> Mark:
    """Record a learner not admitted: coded O unless already admitted this session; the
    attendance officer is told through the outbox.

    Suspected under the influence (R28) is a drug and substance incident: the designated
    safeguarding lead is sent a message too, and the record says they were told only once it
    is delivered, or when `dsl_told_by_recorder` (the member of staff told them themselves).
    """
    learner = session.get_one(LearnerRecord, learner_id)
    staff = _recorder(session, by)
    day, school_session = _when(school, at)
    mark = mark_for_refusal(kind)
    refusal = RefusalRecord(
        learner_id=learner_id,
        date=day,
        session=school_session.value,
        refused_at=at,
        kind=kind.value,
        recorded_by_id=None if staff is None else staff.id,
        note=note,
    )
    session.add(refusal)
    influence = kind is RefusalKind.INFLUENCE
    action = "learner.not_admitted_influence" if influence else f"learner.refused_{kind.value}"
    _mark_refused(session, learner_id, day, school_session, mark, at, staff, action, note)
    who = f"{learner.forename} {learner.surname} ({learner.mis_id}, {learner.reg_group})"
    queue_refusal(
        session,
        at=at,
        day=day,
        learner=who,
        mis_id=learner.mis_id,
        comment=mark.comment,
        zone=school.zone,
        then="A parent or carer is called to collect them." if influence else "",
    )
    session.flush()
    if influence:
        _tell_dsl_of_influence(
            session,
            refusal,
            who,
            learner.mis_id,
            at=at,
            school=school,
            staff=staff,
            note=note,
            dsl_told_by_recorder=dsl_told_by_recorder,
        )
    append_audit(
        session,
        at=at,
        actor_staff_id=None if staff is None else staff.staff_id,
        action=action,
        entity="learners",
        entity_id=learner.mis_id,
        detail={"code": mark.code.value, "comment": mark.comment, "note": note},
    )
    return mark


def _mark_refused(
    session: Session,
    learner_id: int,
    day: date,
    school_session: SchoolSession,
    mark: Mark,
    at: datetime,
    staff: StaffRecord | None,
    action: str,
    note: str,
) -> None:
    """Write the refusal's mark (O) and audit it, unless the session has a mark already."""
    stored = _stored_mark(session, learner_id, day, school_session)
    if stored is None:
        stored = SessionMarkRecord(
            learner_id=learner_id,
            date=day,
            session=school_session.value,
            code=mark.code.value,
            minutes_late=0,
            comment=mark.comment,
            arrived_at=at,
            recorded_by_id=None if staff is None else staff.id,
            updated_at=at,
        )
        session.add(stored)
        audit_mark(
            session,
            stored,
            at=at,
            actor_staff_id=None if staff is None else staff.staff_id,
            action=action,
            extra={"note": note},
        )


def _tell_dsl_of_influence(
    session: Session,
    refusal: RefusalRecord,
    who: str,
    mis_id: str,
    *,
    at: datetime,
    school: SchoolConfig,
    staff: StaffRecord | None,
    note: str,
    dsl_told_by_recorder: bool,
) -> None:
    """R28: a drug and substance incident, so the DSL is sent a message too; the refusal says
    they were told only once it is delivered, or when the recorder told them themselves."""
    recorder = f"{staff.forename} {staff.surname} ({staff.staff_id})" if staff else ""
    queue_influence(
        session,
        at=at,
        learner=who,
        mis_id=mis_id,
        note=note,
        recorded_by=recorder,
        zone=school.zone,
        refusal_id=refusal.id,
    )
    if dsl_told_by_recorder and staff is not None:
        dsl_told_of_refusal(session, refusal.id, at=at, by=f"confirmed by {recorder}")


def _insert_mark(session: Session, mark: SessionMarkRecord) -> bool:
    """Add a new session mark (its fields set by the caller, written at the next flush);
    False when another door wrote the same learner's mark at the same moment.

    Only PostgreSQL, where several doors write at once, needs the savepoint that catches the
    clash; SQLite's write lock is taken at BEGIN, so the mark read in this transaction is the
    mark, and the savepoint's two statements would only slow every tap."""
    if session.get_bind().dialect.name != "postgresql":
        session.add(mark)
        return True
    try:
        with session.begin_nested():
            session.add(mark)
    except IntegrityError:
        return False
    return True


def _stored_mark(
    session: Session, learner_id: int, day: date, school_session: SchoolSession
) -> SessionMarkRecord | None:
    return session.scalars(
        select(SessionMarkRecord).where(
            SessionMarkRecord.learner_id == learner_id,
            SessionMarkRecord.date == day,
            SessionMarkRecord.session == school_session.value,
        )
    ).first()


def _recorder(session: Session, by: StaffRef | None) -> StaffRecord | None:
    """The member of staff who recorded it; None for a learner's own tap."""
    if by is None:
        return None
    staff = staff_by_staff_id(session, by.staff_id)
    if staff is None:
        raise ValueError(f"no member of staff with staff_id {by.staff_id!r}")
    return staff
