"""What every MIS adapter offers: read a session's mark back, write one, list learners."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from kiosk.domain.attendance import Code

# Every letter the kiosk may write; each must map to one of the MIS's own marks.
KIOSK_CODES: tuple[str, ...] = tuple(code.value for code in Code)


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
class CodeMapping:
    """One kiosk letter and the MIS's own mark it is written as ("" when none), and how."""

    letter: str
    mis_code: str
    how: str  # "looked up", "[mis] marks", or why there is none


@dataclass(frozen=True)
class Setup:
    """What a round needs from the MIS before the first write, as read from it."""

    school: str
    codes: tuple[CodeMapping, ...]

    def unmapped(self) -> tuple[CodeMapping, ...]:
        return tuple(code for code in self.codes if not code.mis_code)


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


class MisBadReply(MisUnavailable):
    """A reply that is not the shape the vendor publishes (a proxy's page, a truncated body,
    a page link that loops): the round stops and is tried again; never a verdict on a learner."""


class MisConfigError(MisError):
    """A setting is wrong (the address, the credentials, the school, the mark mapping): the
    round stops before any mark is judged, and the message names the setting to fix."""

    def __init__(self, message: str, setting: str) -> None:
        super().__init__(message)
        self.setting = setting


class MisAuthError(MisConfigError):
    """The MIS refused the credentials (401/403): nothing more is sent until they are fixed."""

    def __init__(self, message: str, setting: str = "[mis] credentials_file") -> None:
        super().__init__(message, setting)


class MisNotFound(MisConfigError):
    """HTTP 404 on a path the kiosk built: the address or the school id is wrong, unless the
    adapter knows the path names one record (then it says which)."""

    def __init__(self, message: str, setting: str = "[mis] base_url") -> None:
        super().__init__(message, setting)


class MisUnknownStudent(MisError):
    """The MIS does not know this learner: reported, and the other marks still go."""


class MisRejected(MisError):
    """The MIS refused this mark (a validation error)."""


class ReadBackDoubt(MisRejected):
    """The MIS's read-back says something about this learner's session that the kiosk cannot
    read, so it cannot rule out a teacher's mark: this learner's mark is not written."""


class NotSupported(MisError):
    """The adapter cannot do this with the provider's published interface."""


class NoReadBack(NotSupported):
    """The provider publishes no way to read a session's mark back."""


class Provider(Protocol):
    """One MIS. Adapters keep what they read within one run (codes, students) to save calls."""

    name: str
    # Shown to staff: "Wonde", "SIMS (through Wonde)", "Arbor".
    label: str
    # False where the vendor publishes no read-back: without `overwrite` nothing is written.
    can_read_back: bool

    def prepare(self) -> Setup:
        """Read what writing needs (the school, its codes) once per run.

        Raises MisConfigError naming the setting when the address, credentials, school or
        mark mapping is wrong; MisUnavailable when the MIS cannot be reached or answers in a
        shape it does not publish.
        """
        ...

    def held(self, mark: MarkToSend) -> HeldMark | None:
        """The mark the MIS holds for the mark's learner and session; None when it holds none.

        Raises NoReadBack where the interface cannot read marks back, ReadBackDoubt when what
        it read cannot be understood.
        """
        ...

    def write(self, mark: MarkToSend) -> str:
        """Write the mark; the vendor's receipt for it ("" where it gives none)."""
        ...

    def matched(self, learners: list[tuple[str, str]]) -> int:
        """How many of these (MIS id, UPN) the MIS knows as its students."""
        ...

    def roster(self) -> Iterator[RosterEntry]:
        """Every learner on roll, as roster rows; NotSupported where the adapter cannot."""
        ...
