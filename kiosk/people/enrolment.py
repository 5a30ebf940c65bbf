"""Enrolling a card to a person: every form of its number, and never someone else's card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.domain.badges import badge_keys
from records.models import BadgeRecord, LearnerRecord, StaffRecord


def enrol_badge(
    session: Session, badge: str, now: datetime, person: LearnerRecord | StaffRecord
) -> bool:
    """Give the card to this person, replacing any card they had; False if it is someone else's."""
    column = BadgeRecord.learner_id if isinstance(person, LearnerRecord) else BadgeRecord.staff_id
    keys = badge_keys(badge)
    owners = session.scalars(select(BadgeRecord).where(BadgeRecord.key.in_(keys))).all()
    if any(getattr(owner, column.key) != person.id for owner in owners):
        return False
    session.execute(delete(BadgeRecord).where(column == person.id))
    for key in sorted(keys):
        session.add(
            BadgeRecord(key=key, enrolled_as=badge, enrolled_at=now, **{column.key: person.id})
        )
    session.flush()
    return True
