"""Signing a learner out during the day: the reason, who let them go, and the roll kept right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import sent_home_check, session_for
from kiosk.domain.people import StaffRef
from kiosk.exports import sign_out_comment
from kiosk.notify.queue import queue_attendance
from kiosk.office.roll import latest_sign_outs, on_site_ids
from records.audit import append_audit
from records.models import LearnerRecord, SignOutRecord
from records.queries import active_staff
from records.remote import RemoteArrivalRecord

MAX_REASON_LENGTH = 500


class SignOutError(Exception):
    """The learner was not signed out; the message says why, for staff."""


@dataclass(frozen=True)
class SignedOut:
    learner_id: int
    name: str
    day: date
    session: str
    at: str  # local HH:MM
    reason: str

    @property
    def comment(self) -> str:
        """What the attendance export says of it."""
        return sign_out_comment(self.at, self.reason)


def sign_out(
    session: Session,
    learner_id: int,
    *,
    at: datetime,
    reason: str,
    by: StaffRef,
    school: SchoolConfig,
) -> SignedOut:
    """Record that a learner on site has left, and why; audited. The caller commits."""
    reason = " ".join(reason.split())
    if not reason:
        raise SignOutError("Give a reason for signing the learner out.")
    if len(reason) > MAX_REASON_LENGTH:
        raise SignOutError(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
    sent_home = sent_home_check(reason)
    if not sent_home.allowed:
        raise SignOutError(" ".join(sent_home.reasons))
    staff = active_staff(session, by.staff_id, SignOutError)
    learner = session.get(LearnerRecord, learner_id)
    if learner is None:
        raise SignOutError("No such learner.")
    local = at.astimezone(school.zone)
    day = local.date()
    name = f"{learner.forename} {learner.surname}"
    here = on_site_ids(session, day, at)
    elsewhere = _admitted_elsewhere(session, learner.mis_id, day, at)
    if learner_id not in here and elsewhere is None:
        earlier = latest_sign_outs(session, day, at).get(learner_id)
        if earlier is not None:
            raise SignOutError(
                f"{name} was already signed out at "
                f"{earlier.signed_out_at.astimezone(school.zone):%H:%M}."
            )
        raise SignOutError(f"{name} has not been admitted today, so is not on site.")
    if learner_id not in here:  # came in at another door: signed out here once, not again
        earlier = latest_sign_outs(session, day, at).get(learner_id)
        if earlier is not None and elsewhere is not None and earlier.signed_out_at >= elsewhere:
            raise SignOutError(
                f"{name} was already signed out at "
                f"{earlier.signed_out_at.astimezone(school.zone):%H:%M}."
            )
    school_session = session_for(local.time(), school.am, school.pm).value
    record = SignOutRecord(
        learner_id=learner_id,
        date=day,
        session=school_session,
        signed_out_at=at,
        reason=reason,
        recorded_by_id=staff.id,
    )
    session.add(record)
    session.flush()
    append_audit(
        session,
        at=at,
        actor_staff_id=staff.staff_id,
        action="learner.signed_out",
        entity="sign_outs",
        entity_id=str(record.id),
        detail={"learner": learner.mis_id, "session": school_session, "reason": reason},
    )
    if sent_home.suspension:
        queue_attendance(
            session,
            at=at,
            subject=f"Sent home, formal suspension: {name}",
            body=(
                f"{name} ({learner.mis_id}) was sent home at {local:%H:%M} on {day} as a "
                f"formal suspension, signed out by {staff.forename} {staff.surname}.\n"
                f"Reason recorded: {reason}\n"
                "Record the suspension in the register and follow the suspension process.\n"
            ),
        )
    return SignedOut(learner_id, name, day, school_session, f"{local:%H:%M}", reason)


def _admitted_elsewhere(session: Session, mis_id: str, day: date, at: datetime) -> datetime | None:
    """When the learner was admitted at another door today, as the hub last told this door: a
    learner who came in at the side gate may leave through reception."""
    admitted = session.scalar(
        select(func.max(RemoteArrivalRecord.admitted_at)).where(
            RemoteArrivalRecord.mis_id == mis_id, RemoteArrivalRecord.date == day
        )
    )
    return admitted if admitted is not None and admitted <= at else None
