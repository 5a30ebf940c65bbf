"""Amending a session mark: the one way a mark changes after the door wrote it.

The 2024 attendance regulations ask that every amendment keep the original entry, the amended
entry, the reason, the date and who made it. All five go into a `mark_amendments` row, and the
mark's new content into the audit log, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.attendance import Code
from kiosk.domain.people import StaffRef
from records.models import LearnerRecord, MarkAmendmentRecord, SessionMarkRecord, StaffRecord
from records.queries import active_staff
from records.register import audit_mark, mark_problem

# Who may amend the register: the attendance officer's and the safeguarding lead's roles.
AMENDING_ROLES = frozenset({"office", "dsl", "admin"})
# Minutes late belong to the late codes only.
_LATE_CODES = frozenset({Code.LATE, Code.LATE_AFTER_CLOSE})


class AmendmentError(Exception):
    """The amendment was refused; nothing was changed. The message says why."""


@dataclass(frozen=True)
class Amendment:
    """What an amendment changed, as plain values."""

    amendment_id: int
    mark_id: int
    learner_mis_id: str
    day: date
    session: str
    original_code: str
    original_minutes_late: int
    original_comment: str
    new_code: str
    new_minutes_late: int
    new_comment: str
    reason: str
    amended_at: datetime
    amended_by: str


def find_mark(session: Session, mis_id: str, *, day: date, school_session: str) -> int:
    """The id of a learner's mark for one session; AmendmentError when there is none."""
    learner = session.scalars(select(LearnerRecord).where(LearnerRecord.mis_id == mis_id)).first()
    if learner is None:
        raise AmendmentError(f"no learner with MIS id {mis_id!r}")
    mark_id = session.scalars(
        select(SessionMarkRecord.id).where(
            SessionMarkRecord.learner_id == learner.id,
            SessionMarkRecord.date == day,
            SessionMarkRecord.session == school_session,
        )
    ).first()
    if mark_id is None:
        raise AmendmentError(
            f"{mis_id} has no mark for {day} {school_session}: the kiosk writes a mark when a "
            "learner arrives or is refused; one not seen is left to the MIS"
        )
    return mark_id


def amend_mark(
    session: Session,
    mark_id: int,
    *,
    code: str,
    minutes_late: int | None,
    comment: str | None,
    reason: str,
    by: StaffRef,
    at: datetime,
) -> Amendment:
    """Change a mark, keeping what it was, the reason, when and who, and audit its new content.

    `minutes_late` None keeps the minutes for a late code and clears them for any other;
    `comment` None keeps the comment when the code stays and clears it when the code changes
    (a refusal's "not admitted" is wrong once the code says present).
    """
    reason = reason.strip()
    if not reason:
        raise AmendmentError("give the reason for the amendment (--reason); nothing was changed")
    new_code = _code(code)
    staff = _amender(session, by)
    mark = _amendable(session, mark_id)
    minutes_late, comment = _new_content(mark, new_code, minutes_late, comment)

    record = MarkAmendmentRecord(
        mark_id=mark.id,
        original_code=mark.code,
        original_minutes_late=mark.minutes_late,
        original_comment=mark.comment,
        new_code=new_code.value,
        new_minutes_late=minutes_late,
        new_comment=comment,
        reason=reason,
        amended_at=at,
        amended_by_id=staff.id,
    )
    session.add(record)
    mark.code = new_code.value
    mark.minutes_late = minutes_late
    mark.comment = comment
    mark.updated_at = at
    session.flush()
    audit_mark(
        session,
        mark,
        at=at,
        actor_staff_id=staff.staff_id,
        action="mark.amended",
        extra={
            "amendment": record.id,
            "reason": reason,
            "original": {
                "code": record.original_code,
                "minutes_late": record.original_minutes_late,
                "comment": record.original_comment,
            },
        },
    )
    learner = session.get_one(LearnerRecord, mark.learner_id)
    return _amendment(record, mark, learner.mis_id, reason=reason, at=at, by=staff.staff_id)


def _code(code: str) -> Code:
    try:
        return Code(code)
    except ValueError:
        codes = " ".join(c.value for c in Code)
        raise AmendmentError(f"{code!r} is not a code the kiosk writes ({codes})") from None


def _amender(session: Session, by: StaffRef) -> StaffRecord:
    """The member of staff amending, who must be active and hold an amending role."""
    staff = active_staff(
        session, by.staff_id, AmendmentError, "no active member of staff with staff_id {!r}"
    )
    if not AMENDING_ROLES & staff.role_set:
        raise AmendmentError(
            f"{by.staff_id} may not amend the register: that needs the office, dsl or admin role"
        )
    return staff


def _amendable(session: Session, mark_id: int) -> SessionMarkRecord:
    """The mark to amend, as the audit log has it."""
    mark = session.get(SessionMarkRecord, mark_id)
    if mark is None:
        raise AmendmentError(f"no session mark {mark_id}")
    # Amending a mark changed behind the kiosk's back would record the forgery as the original.
    problem = mark_problem(session, mark_id)
    if problem is not None:
        raise AmendmentError(
            f"{problem}; it does not match the audit log, so it cannot be amended until the "
            "office has looked into it (`kiosk audit verify`)"
        )
    return mark


def _new_content(
    mark: SessionMarkRecord, new_code: Code, minutes_late: int | None, comment: str | None
) -> tuple[int, str]:
    """The amended minutes late and comment (see `amend_mark`), refused if they change nothing."""
    if minutes_late is None:
        minutes_late = mark.minutes_late if new_code in _LATE_CODES else 0
    if minutes_late < 0:
        raise AmendmentError("minutes late cannot be negative")
    if minutes_late and new_code not in _LATE_CODES:
        raise AmendmentError(f"minutes late go with L or U only, not {new_code.value!r}")
    if comment is None:
        comment = mark.comment if new_code.value == mark.code else ""
    if (new_code.value, minutes_late, comment) == (mark.code, mark.minutes_late, mark.comment):
        raise AmendmentError("the mark already says that; nothing was changed")
    return minutes_late, comment


def _amendment(
    record: MarkAmendmentRecord,
    mark: SessionMarkRecord,
    learner_mis_id: str,
    *,
    reason: str,
    at: datetime,
    by: str,
) -> Amendment:
    return Amendment(
        amendment_id=record.id,
        mark_id=mark.id,
        learner_mis_id=learner_mis_id,
        day=mark.date,
        session=mark.session,
        original_code=record.original_code,
        original_minutes_late=record.original_minutes_late,
        original_comment=record.original_comment,
        new_code=record.new_code,
        new_minutes_late=record.new_minutes_late,
        new_comment=record.new_comment,
        reason=reason,
        amended_at=at,
        amended_by=by,
    )
