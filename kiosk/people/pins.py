"""Staff PINs: setting one, and checking one with the lockout after repeated wrong tries.

PINs are hashed with the school's key (`records.keys`) when the session's database was opened
with it: a copied database then gives nothing to guess a PIN against. A PIN hashed without the
key (before it existed) still signs on, and is hashed again with the key when it does.

With the key, each member of staff's roles and PIN hash are sealed to them
(`records.staff_seals`): a row whose seal does not verify (a role or PIN hash written into the
file by hand, or copied from another row) signs on nobody until `kiosk staff set-pin` seals it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from records.audit import append_audit
from records.keys import session_key
from records.models import StaffRecord
from records.pins import hash_pin, needs_rehash, verify_pin
from records.queries import staff_by_staff_id
from records.staff_seals import seal_holds, seal_staff

log = logging.getLogger(__name__)

MAX_WRONG_PINS = 5
LOCKOUT = timedelta(minutes=5)
MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 8
# Staff with these roles see and record searches; a school may ask them for a longer PIN.
SEARCH_ROLES = frozenset({"searcher", "dsl"})
# Said at the PIN pad when the row's seal does not verify; the log says which and why.
UNSEALED_MESSAGE = "This badge cannot sign on: its staff record needs checking. Ask the office."


class PinError(Exception):
    """The PIN was not set; the message says why."""


def valid_pin(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH


def set_pin(
    session: Session,
    staff_id: str,
    pin: str,
    *,
    now: datetime,
    min_length_search_roles: int = MIN_PIN_LENGTH,
) -> None:
    """Set a staff PIN, hashed with the session's key when it has one.

    `min_length_search_roles` is `[policy] min_pin_length_search_roles`: the shortest PIN
    allowed for staff whose roles include searcher or dsl.
    """
    if not valid_pin(pin):
        raise PinError("a PIN is 4 to 8 digits; nothing was changed")
    staff = staff_by_staff_id(session, staff_id)
    if staff is None:
        raise PinError(
            f"no member of staff with staff_id {staff_id!r}; import the staff list first"
        )
    search_roles = sorted(SEARCH_ROLES & staff.role_set)
    if search_roles and len(pin) < min_length_search_roles:
        raise PinError(
            f"{staff_id} has the {' and '.join(search_roles)} role: this school asks staff who "
            f"see searches for a PIN of at least {min_length_search_roles} digits "
            "([policy] min_pin_length_search_roles); nothing was changed"
        )
    key = session_key(session)
    was_sealed = key is not None and seal_holds(staff, key)
    staff.pin_hash = hash_pin(pin, key)
    seal_staff(staff, key)
    staff.failed_pin_attempts = 0
    staff.locked_until = None
    staff.updated_at = now
    # The roles sealed with the new PIN go on the record: sealing a row whose roles were
    # changed outside the kiosk would otherwise leave no trace of what was vouched for.
    detail = {} if was_sealed or key is None else {"sealed_roles": staff.roles}
    append_audit(
        session,
        at=now,
        actor_staff_id=None,
        action="staff.set_pin",
        entity="staff",
        entity_id=staff_id,
        detail=detail,
    )


@dataclass(frozen=True)
class PinCheck:
    accepted: bool
    locked_until: datetime | None
    tries_left: int
    message: str


def check_pin(session: Session, staff: StaffRecord, pin: str, *, now: datetime) -> PinCheck:
    """Accept or refuse a PIN; the fifth wrong one in a row locks the badge for five minutes.

    Checked with the session's key; a hash made without it (or with older parameters) is
    replaced after a good PIN, in the same transaction.
    """
    if staff.locked_until is not None and staff.locked_until > now:
        return PinCheck(False, staff.locked_until, 0, "This badge is locked. Try again later.")
    key = session_key(session)
    if key is not None and not seal_holds(staff, key):
        # Before the PIN is tried: a copied hash must not even tell whether the PIN fits.
        log.warning(
            "sign-on refused for %s: %s; run `kiosk staff set-pin %s` once the roles are right",
            staff.staff_id,
            "the row is not sealed"
            if not staff.seal
            else "its roles or PIN hash do not match its seal (changed outside the kiosk)",
            staff.staff_id,
        )
        return PinCheck(False, None, 0, UNSEALED_MESSAGE)
    if staff.pin_hash is None:
        return PinCheck(False, None, 0, "No PIN is set for this badge. Ask the office.")
    if verify_pin(pin, staff.pin_hash, key):
        staff.failed_pin_attempts = 0
        staff.locked_until = None
        if needs_rehash(staff.pin_hash, key):
            staff.pin_hash = hash_pin(pin, key)
            seal_staff(staff, key)
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
