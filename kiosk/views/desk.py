"""The learner's desk and the staff screens around it (PIN pad, duty, finder, search,
refusal): what they are shown and what they dismiss with."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.items import FoundItem
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningPolicy, ScreeningResult
from kiosk.domain.search import AppropriateAdult, SearchLevel, UrgentException
from kiosk.domain.search_record import Consent


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
