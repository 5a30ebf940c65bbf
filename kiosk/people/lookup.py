"""Finding a learner by name, and enrolling a badge to one on the spot."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kiosk.domain.people import StaffRef
from kiosk.domain.roster import display_first_name
from kiosk.people.enrolment import enrol_badge
from kiosk.views.desk import LearnerMatch
from records.audit import append_audit
from records.models import LearnerRecord
from records.queries import on_roll


def find_learners(session: Session, text: str, *, on: date, limit: int = 50) -> list[LearnerMatch]:
    """Learners on roll whose first, preferred or surname contains `text` (any case)."""
    needle = f"%{text.strip().casefold()}%"
    rows = session.scalars(
        select(LearnerRecord)
        .where(on_roll(on))
        .where(
            or_(
                func.lower(LearnerRecord.forename).like(needle),
                func.lower(LearnerRecord.surname).like(needle),
                func.lower(LearnerRecord.preferred_name).like(needle),
            )
        )
        .order_by(LearnerRecord.surname, LearnerRecord.forename)
        .limit(limit)
    )
    return [
        LearnerMatch(
            learner.id,
            f"{learner.forename} {learner.surname}",
            learner.reg_group,
            display_first_name(learner.forename, learner.preferred_name),
        )
        for learner in rows
    ]


def enrol_learner_badge(
    session: Session, learner_id: int, badge: str, *, at: datetime, by: StaffRef
) -> bool:
    """Give an unknown card to a learner (replacing any they had); False if it is someone's."""
    learner = session.get_one(LearnerRecord, learner_id)
    if not enrol_badge(session, badge, at, learner):
        return False
    append_audit(
        session,
        at=at,
        actor_staff_id=by.staff_id,
        action="badge.enrolled",
        entity="learners",
        entity_id=learner.mis_id,
        detail={"badge": badge},
    )
    return True
