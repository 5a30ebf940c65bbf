"""What every view is given: the config, the book, the clock and the web lockout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from starlette.requests import Request

from kiosk.config import Config
from kiosk.database import Book
from kiosk.office_web.lockout import WebLockout


@dataclass
class Office:
    config: Config
    book: Book
    clock: Callable[[], datetime]
    lockout: WebLockout
    # A PIN hash per school key to check against when a staff id is unknown (auth.py).
    decoy: dict[bytes | None, str] = field(default_factory=dict)

    @property
    def idle_seconds(self) -> int:
        return self.config.policy.staff_idle_lock_seconds

    def today(self) -> date:
        return self.clock().astimezone(self.config.school.zone).date()


def office_of(request: Request) -> Office:
    office: Office = request.app.state.office
    return office
