"""Staff seals: each member of staff's roles and PIN hash bound to them under the school's key.

Someone who can write the database file but cannot read the key file could otherwise give a
screener the dsl role, or copy a clerk's PIN hash onto the safeguarding lead's row and sign on
as them. The seal is an HMAC-SHA256, under the key's staff-seal subkey, of the staff id, the
roles and the PIN hash together, and the searcher's training date (R7) when one is set: change
any of them, or move a hash to another row, and it no longer verifies; a sign-on on such a row
is refused. It is written wherever the kiosk itself sets roles, a PIN or a training date
(`kiosk staff import`, `kiosk staff set-pin`, a PIN rehashed at sign-on) and copied as it is
between doors through the hub (every door has the same key).

The training date is sealed only when set, as a fourth element after the three of 0009's
seals: a row with no date seals exactly as it always has, so every seal made before still
verifies, and a date written in by hand (or taken out) changes what is sealed. Rows that had a
date and an older three-part seal are resealed by migration 0014 when the key is at hand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.keys import derive_key
from records.people import StaffRecord

SEAL_PREFIX = "hmac:"
# The migration that sealed the rows already there (0009) spells this out itself.
_PURPOSE = "staff-seal"


def staff_seal(
    key: bytes,
    staff_id: str,
    roles: str,
    pin_hash: str | None,
    search_trained_on: date | None = None,
) -> str:
    """The seal of one member of staff's roles, PIN hash and training date (when set)."""
    sealed: list[str | None] = [staff_id, roles, pin_hash]
    if search_trained_on is not None:
        sealed.append(search_trained_on.isoformat())
    message = json.dumps(sealed, separators=(",", ":")).encode("utf-8")
    digest = hmac.new(derive_key(key, _PURPOSE), message, hashlib.sha256).hexdigest()
    return SEAL_PREFIX + digest


def seal_staff(staff: StaffRecord, key: bytes | None) -> None:
    """Seal `staff` as it now is; without a key it is left unsealed (None), never half-sealed."""
    staff.seal = None if key is None else _expected(staff, key)


def _expected(staff: StaffRecord, key: bytes) -> str:
    return staff_seal(key, staff.staff_id, staff.roles, staff.pin_hash, staff.search_trained_on)


def seal_holds(staff: StaffRecord, key: bytes) -> bool:
    """Whether `staff`'s roles, PIN hash and training date are the ones the kiosk sealed to
    this staff id."""
    if not staff.seal:
        return False
    return hmac.compare_digest(staff.seal, _expected(staff, key))


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
