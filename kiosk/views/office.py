"""The office screen (this morning, phones, searches) and the MIS outbox."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class OfficeLearnerRow:
    learner_id: int
    name: str
    reg_group: str
    code: str
    minutes_late: int
    comment: str
    late_weeks: tuple[int, ...] = ()  # late marks in each recent week, oldest first


@dataclass(frozen=True)
class OfficePhoneRow:
    learner_id: int
    slot: str
    name: str
    reg_group: str
    handed_in: str
    confiscated: bool
    item: str = "phone"  # or "earphones", confiscated (R33)


@dataclass(frozen=True)
class OfficeSearchRow:
    time: str
    learner: str
    searcher: str
    witness: str
    level: str
    outcome: str
    exception_reason: str  # blank unless the exception was used


@dataclass(frozen=True)
class OfficeView:
    """This morning for the office; `searches` is filled only for the safeguarding lead."""

    day: str
    is_dsl: bool
    arrived: tuple[OfficeLearnerRow, ...]
    not_in: tuple[OfficeLearnerRow, ...]
    lates: tuple[OfficeLearnerRow, ...]
    refusals: tuple[OfficeLearnerRow, ...]
    arrivals_per_minute: tuple[int, ...]
    first_minute: str
    phones: tuple[OfficePhoneRow, ...]
    searches: tuple[OfficeSearchRow, ...]
    outbox: tuple[str, ...]

    def arrivals_per_five(self) -> tuple[tuple[str, int], ...]:
        """Arrivals in five-minute bins ("08:35", count), from the minute counts: the unit
        people read a morning in, at the kiosk's office and the desk's alike."""
        if not self.first_minute:
            return ()
        hour, minute = (int(part) for part in self.first_minute.split(":"))
        first = hour * 60 + minute  # minutes since midnight, local
        bins: list[tuple[str, int]] = []
        for n, count in enumerate(self.arrivals_per_minute):
            slot = (first % 5 + n) // 5
            while len(bins) <= slot:
                at = first - first % 5 + 5 * len(bins)
                bins.append((f"{at // 60 % 24:02d}:{at % 60:02d}", 0))
            bins[slot] = (bins[slot][0], bins[slot][1] + count)
        return tuple(bins)


class OfficeActionKind(StrEnum):
    """What staff chose for a learner on the office screen's phone tab (exports go by a message)."""

    RETURN_PHONE = "return_phone"
    CONFISCATE_PHONE = "confiscate_phone"
    # R33: earphones seen in use, refused for a learner permitted them
    CONFISCATE_EARPHONES = "confiscate_earphones"
    PARENT_COLLECTED = "parent_collected"


@dataclass(frozen=True)
class OfficeAction:
    kind: OfficeActionKind
    learner_id: int | None = None
    folder: str = ""
    # The envelope or slot of a confiscated phone, or the parent or carer collecting it.
    text: str = ""


class MisOutboxState(StrEnum):
    """Where a session mark stands on its way into the MIS, as the office's outbox shows it."""

    WAITING = "waiting"
    FAILED = "failed"
    SENT = "sent"
    SKIPPED = "skipped"
    REFUSED = "refused"


@dataclass(frozen=True)
class MisOutboxLine:
    """One learner's session mark in the MIS outbox, with why and when where that matters."""

    state: MisOutboxState
    learner: str  # "Chidi Okafor (1002)"
    session: str  # "9 Mar AM"
    code: str
    note: str = ""  # the next try, the MIS's reason, when it was sent


@dataclass(frozen=True)
class MisOutboxView:
    """The marks on their way to the MIS; `provider` is "" when no MIS is connected."""

    provider: str
    counts: tuple[tuple[MisOutboxState, int], ...] = ()
    lines: tuple[MisOutboxLine, ...] = ()
    problem: str = ""  # the queue or the MIS could not be read; shown instead of the lines


@dataclass(frozen=True)
class MisSetupView(MisOutboxView):
    """The outbox with what the config says about the connection (no request made for it)."""

    setup: tuple[str, ...] = ()
