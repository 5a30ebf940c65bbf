"""A learner not admitted because suspected under the influence (R28), collected by a parent or
carer: who is still waiting, and the hand-over recorded (who collected them, when, and the
member of staff who handed them over), once, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kiosk.domain.attendance import RefusalKind
from kiosk.domain.people import StaffRef
from kiosk.views.on_site import AwaitingCollection
from records.audit import append_audit
from records.models import LearnerRecord, RefusalRecord
from records.queries import active_staff

LONGEST_COLLECTOR = 200


class CollectionError(Exception):
    """The collection was not recorded; the message says why, for staff."""


@dataclass(frozen=True)
class Collected:
    refusal_id: int
    learner: str
    collected_by: str
    at: str  # local HH:MM


def not_yet_collected(
    session: Session, *, day: date, now: datetime | None = None
) -> list[tuple[int, datetime, LearnerRecord]]:
    """(refusal id, when turned away, learner) for each learner not admitted on `day`,
    suspected under the influence, whom no parent or carer is recorded as collecting (as it
    stood at `now`, when given); in the order they were turned away."""
    waiting = [
        RefusalRecord.date == day,
        RefusalRecord.kind == RefusalKind.INFLUENCE.value,
        RefusalRecord.collected_at.is_(None),
    ]
    if now is not None:
        waiting[-1] = or_(RefusalRecord.collected_at.is_(None), RefusalRecord.collected_at > now)
        waiting.append(RefusalRecord.refused_at <= now)
    found = session.execute(
        select(RefusalRecord.id, RefusalRecord.refused_at, LearnerRecord)
        .join(LearnerRecord, LearnerRecord.id == RefusalRecord.learner_id)
        .where(*waiting)
        .order_by(RefusalRecord.refused_at, RefusalRecord.id)
    ).all()
    return [(refusal_id, refused_at, learner) for refusal_id, refused_at, learner in found]


def awaiting_collection(session: Session, *, day: date, zone: tzinfo) -> list[AwaitingCollection]:
    """Learners not admitted on `day`, suspected under the influence, whom no parent or carer
    is yet recorded as collecting; in the order they were turned away."""
    return [
        AwaitingCollection(
            refusal_id,
            f"{learner.surname}, {learner.forename}",
            learner.reg_group,
            f"{refused_at.astimezone(zone):%H:%M}",
        )
        for refusal_id, refused_at, learner in not_yet_collected(session, day=day)
    ]


def record_collected(
    session: Session,
    refusal_id: int,
    collected_by: str,
    *,
    at: datetime,
    by: StaffRef,
    zone: tzinfo,
) -> Collected:
    """Record that a parent or carer (`collected_by`: their name and relation) collected a
    learner not admitted under the influence, at `at`, handed over by `by`."""
    who = " ".join(collected_by.split())
    if not who:
        raise CollectionError("Write who collected them: their name and relation (mother).")
    if len(who) > LONGEST_COLLECTOR:
        raise CollectionError(f"At most {LONGEST_COLLECTOR} characters for who collected them.")
    staff = active_staff(session, by.staff_id, CollectionError)
    refusal = session.get(RefusalRecord, refusal_id)
    if refusal is None or refusal.kind != RefusalKind.INFLUENCE.value:
        raise CollectionError("No learner waiting to be collected is recorded with that number.")
    learner = session.get_one(LearnerRecord, refusal.learner_id)
    name = f"{learner.forename} {learner.surname}"
    if refusal.collected_at is not None:
        raise CollectionError(
            f"{name} was already collected by {refusal.collected_by} at "
            f"{refusal.collected_at.astimezone(zone):%H:%M}."
        )
    refusal.collected_by = who
    refusal.collected_at = at
    refusal.collected_recorded_by_id = staff.id
    append_audit(
        session,
        at=at,
        actor_staff_id=staff.staff_id,
        action="learner.collected_by_parent",
        entity="refusals",
        entity_id=str(refusal.id),
        detail={"learner": learner.mis_id, "collected_by": who},
    )
    return Collected(refusal.id, name, who, f"{at.astimezone(zone):%H:%M}")
