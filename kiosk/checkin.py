"""A badge tap at a plain sign-in station: one transaction, one frozen outcome for the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from kiosk.arrivals import admit, badge_owner
from kiosk.config import SchoolConfig


@dataclass(frozen=True)
class TapOutcome:
    """What the learner sees and what the outputs do; nothing sensitive (no mark, no history)."""

    kind: str  # admitted | already_admitted | unknown | left | staff | unreadable
    headline: str
    next_step: str
    admitted: bool = False
    learner_id: int | None = None


def sign_in(
    sessions: sessionmaker[Session], uid: str, *, at: datetime, school: SchoolConfig
) -> TapOutcome:
    """The badge tap is the admission (CONTRACT.md: phones and screening off)."""
    with sessions.begin() as session:
        owner = badge_owner(session, uid, on=at.astimezone(school.zone).date())
        if owner.kind in {"unknown", "unreadable", "left"}:
            return TapOutcome(owner.kind, "Badge not recognised", "Please see a member of staff.")
        if owner.kind == "staff":
            return TapOutcome(
                "staff",
                f"Hello, {owner.first_name}",
                "Staff sign-on is not part of this version yet.",
            )
        assert owner.record_id is not None
        admission = admit(session, owner.record_id, arrived_at=at, admitted_at=at, school=school)
    if not admission.first_admission:
        return TapOutcome(
            "already_admitted",
            f"You're already signed in, {admission.first_name}",
            "Please go through.",
            admitted=True,
            learner_id=admission.learner_id,
        )
    return TapOutcome(
        "admitted",
        f"Good morning, {admission.first_name}"
        if admission.session.value == "AM"
        else f"Hello, {admission.first_name}",
        "You're signed in. Please go through.",
        admitted=True,
        learner_id=admission.learner_id,
    )
