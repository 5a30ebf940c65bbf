"""A badge tap at a plain sign-in station: one transaction, one frozen outcome for the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.config import SchoolConfig
from kiosk.domain.badges import Holder
from kiosk.door.arrivals import BadgeOwner, admit, badge_owner


class Tap(StrEnum):
    """What a tap at a plain sign-in station came to (a holder's kind where it went no further)."""

    ADMITTED = "admitted"
    ALREADY_ADMITTED = "already_admitted"
    CLOSED = "closed"  # outside every session's hours
    SAVING = "saving"  # not saved yet: the learner is asked to wait
    ERROR = "error"
    DISK_FULL = "disk_full"
    LEARNER = Holder.LEARNER.value  # for the desk, when the policy asks for more than a tap
    STAFF = Holder.STAFF.value
    UNKNOWN = Holder.UNKNOWN.value
    LEFT = Holder.LEFT.value
    UNREADABLE = Holder.UNREADABLE.value


@dataclass(frozen=True)
class TapOutcome:
    """What the learner sees and what the outputs do; nothing sensitive (no mark, no history)."""

    kind: Tap
    headline: str
    next_step: str
    admitted: bool = False
    learner_id: int | None = None
    # For the desk (staff sign-on, and learners when the policy asks for more than a tap).
    owner: BadgeOwner | None = None
    read_at: datetime | None = None
    uid: str = ""  # an unknown badge's number, so staff can enrol it


def sign_in(
    sessions: sessionmaker[Session],
    uid: str,
    *,
    at: datetime,
    school: SchoolConfig,
    tap_admits: bool = True,
) -> TapOutcome:
    """Who tapped; with `tap_admits` (phones and screening off) the tap is the admission."""
    local = at.astimezone(school.zone)
    with sessions.begin() as session:
        owner = badge_owner(session, uid, on=local.date())
        if owner.kind in {Holder.UNKNOWN, Holder.UNREADABLE, Holder.LEFT}:
            return TapOutcome(
                Tap(owner.kind),
                "Badge not recognised",
                "Please see a member of staff.",
                uid=uid if owner.kind is Holder.UNKNOWN else "",
                read_at=at,
            )
        if owner.kind is Holder.STAFF or not tap_admits:
            return TapOutcome(
                Tap(owner.kind), f"Hello, {owner.first_name}", "", owner=owner, read_at=at
            )
        if school.session_at(local.time().replace(tzinfo=None)) is None:
            # Outside every session's hours there is no register to mark.
            return TapOutcome(
                Tap.CLOSED,
                f"Hello, {owner.first_name}",
                "Signing in is closed now. Please see a member of staff.",
                read_at=at,
            )
        assert owner.record_id is not None
        admission = admit(session, owner.record_id, arrived_at=at, admitted_at=at, school=school)
    if not admission.first_admission:
        return TapOutcome(
            Tap.ALREADY_ADMITTED,
            f"You're already signed in, {admission.first_name}",
            "Please go through.",
            admitted=True,
            learner_id=admission.learner_id,
        )
    return TapOutcome(
        Tap.ADMITTED,
        f"Good morning, {admission.first_name}"
        if admission.session.value == "AM"
        else f"Hello, {admission.first_name}",
        "You're signed in. Please go through.",
        admitted=True,
        learner_id=admission.learner_id,
    )


# What the learner and staff see when a tap could not be saved (the disk is full, the
# database is broken): the learner is sent to staff, and the staff line says why.
NOT_SAVED = TapOutcome(
    Tap.ERROR, "Please wait", "Please see a member of staff: the sign-in was not saved."
)
DISK_FULL = TapOutcome(
    Tap.DISK_FULL, "Please wait", "Please see a member of staff: the sign-in was not saved."
)
SAVING = TapOutcome(Tap.SAVING, "One moment", "Saving your sign-in…")


def is_locked(exc: BaseException) -> bool:
    """Another writer holds the database (SQLite "database is locked" after busy_timeout):
    worth waiting for, never a reason to drop the tap."""
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full"), or PostgreSQL's out of disk space."""
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and ("disk is full" in text or "no space left" in text)
