"""Staff seals: each member of staff's roles and PIN hash bound to them under the school's key.

Someone who can write the database file but cannot read the key file could otherwise give a
screener the dsl role, or copy a clerk's PIN hash onto the safeguarding lead's row and sign on
as them. The seal is an HMAC-SHA256, under the key's staff-seal subkey, of the staff id, the
roles and the PIN hash together: change any of them, or move a hash to another row, and it no
longer verifies; a sign-on on such a row is refused. It is written wherever the kiosk itself
sets roles or a PIN (`kiosk staff import`, `kiosk staff set-pin`, a PIN rehashed at sign-on)
and copied as it is between doors through the hub (every door has the same key).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.keys import derive_key
from records.people import StaffRecord

SEAL_PREFIX = "hmac:"
# The migration that sealed the rows already there (0009) spells this out itself.
_PURPOSE = "staff-seal"


def staff_seal(key: bytes, staff_id: str, roles: str, pin_hash: str | None) -> str:
    """The seal of one member of staff's roles and PIN hash."""
    message = json.dumps([staff_id, roles, pin_hash], separators=(",", ":")).encode("utf-8")
    digest = hmac.new(derive_key(key, _PURPOSE), message, hashlib.sha256).hexdigest()
    return SEAL_PREFIX + digest


def seal_staff(staff: StaffRecord, key: bytes | None) -> None:
    """Seal `staff` as it now is; without a key it is left unsealed (None), never half-sealed."""
    staff.seal = (
        None if key is None else staff_seal(key, staff.staff_id, staff.roles, staff.pin_hash)
    )


def seal_holds(staff: StaffRecord, key: bytes) -> bool:
    """Whether `staff`'s roles and PIN hash are the ones the kiosk sealed to this staff id."""
    if not staff.seal:
        return False
    expected = staff_seal(key, staff.staff_id, staff.roles, staff.pin_hash)
    return hmac.compare_digest(staff.seal, expected)


def broken_seals(session: Session, key: bytes) -> tuple[Sequence[str], Sequence[str]]:
    """Active staff ids whose row is not sealed yet, and those whose seal does not verify."""
    unsealed: list[str] = []
    broken: list[str] = []
    for staff in session.scalars(
        select(StaffRecord).where(StaffRecord.active).order_by(StaffRecord.staff_id)
    ):
        if not staff.seal:
            unsealed.append(staff.staff_id)
        elif not seal_holds(staff, key):
            broken.append(staff.staff_id)
    return unsealed, broken
