"""View models: the plain frozen values use cases build, screens show and staff-side screens
dismiss with. Screens and use cases import them; they import only the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from kiosk.domain.items import FoundItem
from kiosk.domain.lane import BLOCKING, Need, Unattributed
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningPolicy, ScreeningResult
from kiosk.domain.search import AppropriateAdult, SearchLevel, UrgentException
from kiosk.domain.search_record import Consent
from kiosk.domain.station import Step


@dataclass(frozen=True)
class LaneRow:
    """One learner in flight as the staff queue shows them."""

    learner_id: int
    first_name: str
    step: Step
    slot: str
    since: datetime
    needs: tuple[Need, ...]
    in_arch: int | None  # place in the arch queue; 1 is the learner in the arch now
    arrived_at: datetime
    phone_done: bool
    selected: bool
    screening: ScreeningResult | None
    search_done: bool
    late_reason: str

    @property
    def blocking(self) -> bool:
        return any(n in BLOCKING for n in self.needs)


@dataclass(frozen=True)
class LaneView:
    """The queue for the staff screen: a snapshot, safe to hand to the UI thread."""

    rows: tuple[LaneRow, ...]
    alarms: tuple[Unattributed, ...]
    admitted: int
    refused: int
    session: str

    @property
    def alarmed(self) -> tuple[LaneRow, ...]:
        """The learners held by an arch alarm, waiting for a wand check or a search."""
        return tuple(r for r in self.rows if Need.ALARM in r.needs)

    @property
    def alarm_outstanding(self) -> bool:
        """An arch alarm nobody has dealt with yet: a learner held for a search, or nobody's."""
        return bool(self.alarms or self.alarmed)


class DeskActionKind(StrEnum):
    """What staff chose on the learner's desk."""

    PHONE_IN = "phone_in"
    NO_PHONE = "no_phone"
    ARCH_CLEAR = "arch_clear"
    ARCH_ALARM = "arch_alarm"
    WAND_CLEAR = "wand_clear"
    WAND_ALARM = "wand_alarm"
    SEARCH = "search"
    REFUSE = "refuse"
    ADMIT = "admit"
    SEND_BACK = "send_back"
    INFLUENCE = "influence"


@dataclass(frozen=True)
class PinEntered:
    pin: str


@dataclass(frozen=True)
class DutyClosed:
    find_learner: bool = False  # staff asked to look a learner up by name (a forgotten badge)
    office: bool = False  # an office or safeguarding user asked for the office screen


@dataclass(frozen=True)
class LearnerMatch:
    """One learner found by name, as the finder lists them."""

    learner_id: int
    name: str
    reg_group: str
    first_name: str


@dataclass(frozen=True)
class LearnerPicked:
    learner_id: int
    first_name: str


@dataclass(frozen=True)
class LearnerDeskView:
    """What the desk screen shows of the learner in front of staff, already decided elsewhere."""

    first_name: str
    surname: str
    reg_group: str
    year_group: str
    mark_code: str
    minutes_late: int
    arrived_local: str
    late_detention: bool
    phone_policy: PhonePolicy
    phone_done: bool
    screening_policy: ScreeningPolicy
    selected_for_screening: bool
    screening_result: ScreeningResult | None
    sen: bool
    # A search recorded after an alarm also settles the screening step.
    search_done: bool = False
    slot: str = ""  # the slot the kiosk gave the learner
    in_arch: bool = False  # called to the arch and not yet through
    # Decided by the lane's rules, not by the screen: whether Admit is allowed, and if not why.
    may_admit: bool = False
    waiting_for: str = ""
    late_reason: str = ""


@dataclass(frozen=True)
class DeskAction:
    kind: DeskActionKind
    slot: str = ""
    late_reason: str = ""


@dataclass(frozen=True)
class SearchSetup:
    searcher_staff_id: str
    witness_staff_id: str | None
    exception: UrgentException | None
    # R6: a named family member or appropriate adult witnesses instead of staff.
    witness_adult: AppropriateAdult | None = None


# What the search record screen lists: the rules' own value for an item found.
ItemEntry = FoundItem


@dataclass(frozen=True)
class SearchRecorded:
    level: SearchLevel
    place: str
    grounds: str
    sought: str
    outcome: str
    items: tuple[ItemEntry, ...]
    parent_informed: bool
    # The member of staff saving it told the DSL themselves; never ticked for them. Otherwise
    # the DSL is told by a notification, and the record says so when it is delivered.
    dsl_informed: bool
    consent: Consent | None = None
    physical_intervention: str = ""  # what, by whom, why; blank when none was used
    adjustments: str = ""  # reasonable adjustments for age, SEND or vulnerability
    parent_informed_how: str = ""
    parent_not_informed_reason: str = ""


@dataclass(frozen=True)
class RefusalConfirmed:
    note: str


@dataclass(frozen=True)
class InfluenceConfirmed:
    """Not admitted, suspected under the influence (R28): what staff saw, and whether the
    member of staff told the DSL themselves (otherwise the message tells them)."""

    note: str
    dsl_told: bool = False


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


MisOutboxState = Literal["waiting", "failed", "sent", "skipped", "refused"]


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
