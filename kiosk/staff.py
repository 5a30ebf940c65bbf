"""Staff PINs: setting one, and checking one with the lockout after repeated wrong tries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.audit import append_audit
from records.models import StaffRecord
from records.pins import hash_pin, verify_pin

MAX_WRONG_PINS = 5
LOCKOUT = timedelta(minutes=5)


class PinError(Exception):
    """The PIN was not set; the message says why."""


def valid_pin(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8


def set_pin(session: Session, staff_id: str, pin: str, *, now: datetime) -> None:
    if not valid_pin(pin):
        raise PinError("a PIN is 4 to 8 digits; nothing was changed")
    staff = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == staff_id)).first()
    if staff is None:
        raise PinError(
            f"no member of staff with staff_id {staff_id!r}; import the staff list first"
        )
    staff.pin_hash = hash_pin(pin)
    staff.failed_pin_attempts = 0
    staff.locked_until = None
    staff.updated_at = now
    append_audit(
        session,
        at=now,
        actor_staff_id=None,
        action="staff.set_pin",
        entity="staff",
        entity_id=staff_id,
        detail={},
    )


@dataclass(frozen=True)
class PinCheck:
    accepted: bool
    locked_until: datetime | None
    tries_left: int
    message: str


def check_pin(session: Session, staff: StaffRecord, pin: str, *, now: datetime) -> PinCheck:
    """Accept or refuse a PIN; the fifth wrong one in a row locks the badge for five minutes."""
    if staff.locked_until is not None and staff.locked_until > now:
        return PinCheck(False, staff.locked_until, 0, "This badge is locked. Try again later.")
    if staff.pin_hash is None:
        return PinCheck(False, None, 0, "No PIN is set for this badge. Ask the office.")
    if verify_pin(pin, staff.pin_hash):
        staff.failed_pin_attempts = 0
        staff.locked_until = None
        return PinCheck(True, None, MAX_WRONG_PINS, "Signed on.")
    staff.failed_pin_attempts += 1
    if staff.failed_pin_attempts >= MAX_WRONG_PINS:
        staff.failed_pin_attempts = 0
        staff.locked_until = now + LOCKOUT
        append_audit(
            session,
            at=now,
            actor_staff_id=staff.staff_id,
            action="staff.pin_lockout",
            entity="staff",
            entity_id=staff.staff_id,
            detail={"locked_until": staff.locked_until.isoformat()},
        )
        return PinCheck(
            False, staff.locked_until, 0, "Too many wrong PINs: badge locked for 5 minutes."
        )
    left = MAX_WRONG_PINS - staff.failed_pin_attempts
    return PinCheck(False, None, left, f"Wrong PIN. {left} tries left.")
