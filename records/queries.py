"""Lookups many use cases share; no decisions, just the rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from records.morning import SessionMarkRecord
from records.people import BadgeRecord, LearnerRecord, StaffRecord


def find_badge_owner(session: Session, keys: Iterable[str]) -> BadgeRecord | None:
    """The badge enrolled under any of `keys` (the forms one card can be read as), or None.

    The enrolment keeps one card to one owner; if two owners ever matched, the earliest
    enrolment is returned.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return None
    return session.scalars(
        select(BadgeRecord).where(BadgeRecord.key.in_(wanted)).order_by(BadgeRecord.id).limit(1)
    ).first()


def learner_by_mis_id(session: Session, mis_id: str) -> LearnerRecord | None:
    """The learner with this MIS id, left or not."""
    return session.scalars(select(LearnerRecord).where(LearnerRecord.mis_id == mis_id)).first()


def staff_by_staff_id(session: Session, staff_id: str) -> StaffRecord | None:
    """The member of staff with this staff id, active or not."""
    return session.scalars(select(StaffRecord).where(StaffRecord.staff_id == staff_id)).first()


NO_ACTIVE_STAFF = "No active member of staff with staff_id {!r}."


def active_staff(
    session: Session,
    staff_id: str,
    error: Callable[[str], Exception],
    message: str = NO_ACTIVE_STAFF,
) -> StaffRecord:
    """The active member of staff with this staff id; otherwise raises `error(message)`, the
    message formatted with the id. Each use case passes its own error type (and its wording,
    where its callers have always shown another), so that one check serves them all."""
    staff = staff_by_staff_id(session, staff_id)
    if staff is None or not staff.active:
        raise error(message.format(staff_id))
    return staff


def on_roll(on: date) -> ColumnElement[bool]:
    """The condition for a learner on roll on `on`: never left, or left after that day."""
    return or_(LearnerRecord.left_on.is_(None), LearnerRecord.left_on > on)


def learners_on_roll(session: Session, on: date) -> list[LearnerRecord]:
    """Learners on roll on `on` (`left_on` unset or later), by surname then forename."""
    return list(
        session.scalars(
            select(LearnerRecord)
            .where(on_roll(on))
            .order_by(LearnerRecord.surname, LearnerRecord.forename, LearnerRecord.id)
        )
    )


def marks_for(session: Session, day: date, session_name: str) -> dict[int, SessionMarkRecord]:
    """The marks recorded for one session of one day, by learner id."""
    return {
        mark.learner_id: mark
        for mark in session.scalars(
            select(SessionMarkRecord).where(
                SessionMarkRecord.date == day, SessionMarkRecord.session == session_name
            )
        )
    }
