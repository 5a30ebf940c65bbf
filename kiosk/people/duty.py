"""Staff at the station: signing on with badge and PIN, and who is on duty now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.people import StaffMember
from kiosk.door.searches import staff_member
from kiosk.people.pins import check_pin
from records.models import StaffRecord


@dataclass(frozen=True)
class SignOn:
    accepted: bool
    message: str
    member: StaffMember | None = None
    locked: bool = False


def sign_on(
    sessions: sessionmaker[Session], staff_record_id: int, pin: str, *, at: datetime
) -> SignOn:
    """Check a PIN in its own transaction, so a wrong try counts even if nothing else happens."""
    with sessions.begin() as session:
        staff = session.get_one(StaffRecord, staff_record_id)
        if not staff.active:
            return SignOn(False, "This badge is no longer active. Ask the office.")
        result = check_pin(session, staff, pin, now=at)
        member = staff_member(staff) if result.accepted else None
    return SignOn(result.accepted, result.message, member, locked=result.locked_until is not None)


@dataclass(frozen=True)
class Duty:
    """Who is signed on at this station, in the order they signed on."""

    members: tuple[StaffMember, ...] = ()

    def signed_on(self, member: StaffMember) -> Duty:
        others = tuple(m for m in self.members if m.staff_id != member.staff_id)
        return Duty((*others, member))

    def signed_off(self, staff_id: str) -> Duty:
        return Duty(tuple(m for m in self.members if m.staff_id != staff_id))

    @property
    def staff_ids(self) -> tuple[str, ...]:
        return tuple(m.staff_id for m in self.members)
