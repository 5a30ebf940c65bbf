"""What the safeguarding lead finishes after a search: the police reference that was to follow,
and the parents told later. Each is written once, audited with who and when, and never
overwrites what the search record already says.

The rules are the search's own: a hand-over to the police carries its reference
(`kiosk.domain.items.check_disposition` let it be recorded without one only "to follow"), and
parents told must say how (`kiosk.domain.search_record.parent_informed_problems`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.items import Disposition
from kiosk.domain.people import StaffRef
from kiosk.domain.search_record import PARENT_TOLD_HOW, parent_informed_problems
from records.audit import append_audit
from records.models import FoundItemRecord, LearnerRecord, SearchRecord, StaffRecord
from records.queries import active_staff

LONGEST_REFERENCE = 100
LONGEST_HOW = 200


class FollowUpError(Exception):
    """The follow-up cannot be written; the message says why, for the page."""


@dataclass(frozen=True)
class PoliceHandOver:
    """An item handed to the police whose reference is still to follow."""

    item_id: int
    day: str
    time: str
    learner: str
    group: str
    category: str
    description: str
    handed_to: str
    reason: str


def police_references_to_follow(session: Session, zone: ZoneInfo) -> list[PoliceHandOver]:
    """Every item handed to the police with no reference yet, oldest first."""
    found = session.execute(
        select(FoundItemRecord, SearchRecord.started_at, LearnerRecord)
        .join(SearchRecord, FoundItemRecord.search_id == SearchRecord.id)
        .join(LearnerRecord, SearchRecord.learner_id == LearnerRecord.id)
        .where(
            FoundItemRecord.disposition == Disposition.POLICE.value,
            FoundItemRecord.police_reference == "",
        )
        .order_by(SearchRecord.started_at, FoundItemRecord.id)
    ).all()
    return [
        PoliceHandOver(
            item.id,
            f"{started.astimezone(zone):%Y-%m-%d}",
            f"{started.astimezone(zone):%H:%M}",
            f"{learner.forename} {learner.surname}",
            learner.reg_group,
            item.category,
            item.description,
            item.handed_to,
            item.disposition_reason,
        )
        for item, started, learner in found
    ]


def _staff(session: Session, staff_id: str) -> StaffRecord:
    return active_staff(
        session, staff_id, FollowUpError, "No active member of staff with staff id {!r}."
    )


def add_police_reference(
    session: Session, item_id: int, reference: str, *, at: datetime, by: StaffRef
) -> str:
    """Write the police reference on an item handed over without one; returns it as kept."""
    given = " ".join(reference.split())
    if not given:
        raise FollowUpError("Write the reference the police gave.")
    if len(given) > LONGEST_REFERENCE:
        raise FollowUpError(f"A police reference is at most {LONGEST_REFERENCE} characters.")
    item = session.get(FoundItemRecord, item_id)
    if item is None or item.disposition != Disposition.POLICE.value:
        raise FollowUpError("No item handed to the police is recorded with that number.")
    if item.police_reference:
        raise FollowUpError(f"This item already has its reference ({item.police_reference}).")
    staff = _staff(session, by.staff_id)
    item.police_reference = given
    append_audit(
        session,
        at=at,
        actor_staff_id=staff.staff_id,
        action="search.police_reference_added",
        entity="found_items",
        entity_id=str(item.id),
        detail={"search_id": item.search_id, "police_reference": given},
    )
    return given


def record_parents_told(
    session: Session, search_id: int, how: str, *, at: datetime, by: StaffRef
) -> None:
    """The parents of a searched learner were told after the search was recorded: how, when
    (`at`) and who says so. A search already saying they were told is left as it is."""
    said = " ".join(how.split())
    problems = parent_informed_problems(True, said)
    if problems:
        raise FollowUpError(problems[0])
    if len(said) > LONGEST_HOW:
        raise FollowUpError(f"At most {LONGEST_HOW} characters for how they were told.")
    search = session.get(SearchRecord, search_id)
    if search is None:
        raise FollowUpError("No search is recorded with that number.")
    if search.parent_informed:
        raise FollowUpError("The search record already says the parents were told.")
    staff = _staff(session, by.staff_id)
    search.parent_informed = True
    search.parent_informed_at = at
    search.parent_informed_how = said
    append_audit(
        session,
        at=at,
        actor_staff_id=staff.staff_id,
        action="search.parents_told",
        entity="searches",
        entity_id=str(search.id),
        detail={"how": said},
    )


__all__ = [
    "PARENT_TOLD_HOW",
    "FollowUpError",
    "PoliceHandOver",
    "add_police_reference",
    "police_references_to_follow",
    "record_parents_told",
]
