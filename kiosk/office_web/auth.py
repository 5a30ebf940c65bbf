"""Who is signed in to the office page: the PIN check, the session, idle sign-off and roles.

The PIN is checked with the kiosk's own verification (the school's key, the stored hash) but
read-only: a wrong try at the office is counted by `WebLockout`, never in the staff record
whose lockout is the badge's at the door. Every refusal reads the same, whether the staff id
is unknown, the PIN wrong, or the member of staff not office or DSL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from kiosk.domain.people import Role, StaffMember, StaffRef
from kiosk.door.searches import staff_member
from records.keys import session_key
from records.pins import hash_pin, verify_pin
from records.queries import staff_by_staff_id
from records.staff_seals import seal_holds

OFFICE_ROLES = frozenset({Role.OFFICE, Role.DSL})
EVERYONE = OFFICE_ROLES
DSL_ONLY = frozenset({Role.DSL})
NOT_RECOGNISED = "Staff id or PIN not recognised, or not for the office."
# A hash to check a PIN against when there is no one to check it for, so that an unknown staff
# id takes as long to refuse as a known one.
_DECOY_PIN = "00000000"


@dataclass(frozen=True)
class Signed:
    """The member of staff this browser is signed in as."""

    staff_id: str
    name: str
    roles: frozenset[Role]
    csrf: str

    @property
    def is_dsl(self) -> bool:
        return Role.DSL in self.roles

    @property
    def by(self) -> StaffRef:
        """Who acts from this browser, as the use cases are told (`by=`)."""
        return StaffRef(self.staff_id)


def check_credentials(
    sessions: sessionmaker[Session], staff_id: str, pin: str, decoy: dict[bytes | None, str]
) -> StaffMember | None:
    """The member of staff if the id is theirs, active, the PIN right and the role office or
    DSL; else None. Nothing is written."""
    with sessions() as session:
        key = session_key(session)
        if key not in decoy:
            decoy[key] = hash_pin(_DECOY_PIN, key)
        staff = staff_by_staff_id(session, staff_id.strip())
        stored = staff.pin_hash if staff is not None and staff.active else None
        # A row whose roles or PIN hash were changed outside the kiosk signs nobody in; the
        # PIN is still checked (against the decoy), so the answer takes as long as any other.
        if staff is not None and key is not None and not seal_holds(staff, key):
            stored = None
        right = verify_pin(pin, stored or decoy[key], key) and stored is not None
        if not right or staff is None:
            return None
        member = staff_member(staff)
    return member if OFFICE_ROLES & member.roles else None


def sign_in(request: Request, member: StaffMember, at: datetime) -> None:
    request.session.clear()
    request.session.update(
        staff_id=member.staff_id,
        name=member.name,
        roles=sorted(role.value for role in member.roles),
        csrf=secrets.token_urlsafe(32),
        used_at=at.timestamp(),
    )


def signed(request: Request, at: datetime, idle_seconds: int) -> Signed | None:
    """The member signed in on this browser, None if nobody is (or the sign-in went idle,
    which then signs it off); a signed-in request counts as use."""
    data = request.session
    if "staff_id" not in data:
        return None
    if at.timestamp() - float(data.get("used_at", 0)) > idle_seconds:
        data.clear()
        data["flash"] = "Signed off after a while with no use."
        return None
    data["used_at"] = at.timestamp()
    roles = frozenset(Role(value) for value in data.get("roles", ()))
    return Signed(str(data["staff_id"]), str(data["name"]), roles, str(data["csrf"]))
