"""What every MIS adapter offers: read a session's mark back, write one, list learners."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class MarkToSend:
    """One learner's session mark as it goes to the MIS."""

    mis_id: str
    upn: str
    date: date
    session: str  # "AM" | "PM"
    code: str
    minutes_late: int
    comment: str


@dataclass(frozen=True)
class HeldMark:
    """The mark the MIS holds for a learner's session; None where the MIS does not say."""

    code: str
    minutes_late: int | None = None
    comment: str | None = None

    def same_as(self, mark: MarkToSend) -> bool:
        """The MIS already holds this mark (the code, and the minutes late where it says)."""
        if self.code != mark.code:
            return False
        return self.minutes_late is None or self.minutes_late == mark.minutes_late


@dataclass(frozen=True)
class RosterEntry:
    """A learner read from the MIS as a roster row (the CSV import's canonical columns).

    `source` names the record to staff when it is rejected, e.g. "student A1749191433 (Ruth
    Bennett)".
    """

    source: str
    row: dict[str, str]


class MisError(Exception):
    """A request to the MIS that did not succeed; the message never holds credentials."""

    # Whether trying again later may succeed (a busy or unreachable MIS) or a person must act.
    retryable: bool = False


class MisUnavailable(MisError):
    """Busy, failing or out of reach (429, 5xx, a timeout, no connection): try again later."""

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MisRateLimited(MisUnavailable):
    """HTTP 429: the MIS asked for a pause (`retry_after` seconds, when it said)."""


class MisAuthError(MisError):
    """The MIS refused the credentials (401/403): nothing more is sent until they are fixed."""


class MisUnknownStudent(MisError):
    """The MIS does not know this learner: reported, and the other marks still go."""


class MisRejected(MisError):
    """The MIS refused this mark (a validation error, an unknown code)."""


class NotSupported(MisError):
    """The adapter cannot do this with the provider's published interface."""


class Provider(Protocol):
    """One MIS. Adapters keep what they read within one run (codes, students) to save calls."""

    name: str

    def held(self, mark: MarkToSend) -> HeldMark | None:
        """The mark the MIS holds for the mark's learner and session; None when it holds none.

        Raises NotSupported where the interface cannot read marks back.
        """
        ...

    def write(self, mark: MarkToSend) -> None:
        """Write the mark; an error is one of the MisError kinds."""
        ...

    def roster(self) -> Iterator[RosterEntry]:
        """Every learner on roll, as roster rows; NotSupported where the adapter cannot."""
        ...
