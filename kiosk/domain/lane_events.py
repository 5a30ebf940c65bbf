"""The lane's events and effects: what happened at the door, and what the station does about it.

Split out of kiosk.domain.lane: events are past-tense facts, each with its time, recorded in
the visit log and replayed through `kiosk.domain.lane.step`; effects are what a step asks the
station to do (record, tell the learner, light, call staff). Both are plain values, so a
morning replays from its log and every sequence can be tested as a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kiosk.domain.attendance import RefusalKind
from kiosk.domain.lane_state import Lane, Need
from kiosk.domain.screening import ScreeningMethod, ScreeningResult

# --- events: past-tense facts, each with its time -----------------------------------------------


@dataclass(frozen=True)
class EntryTapped:
    at: datetime
    learner_id: int
    first_name: str
    late: bool
    selected: bool  # the screening draw, made by the caller so a replay gives the same answer
    # Slots holding phones at other doors sharing this door's phone store, as last heard when
    # the learner tapped: never handed out here. Recorded with the tap so a replay agrees.
    taken_elsewhere: tuple[str, ...] = ()
    # The learner's phone was handed in earlier today (the morning's, in the afternoon): a
    # phone is handed in once a day, so the phone step is done already.
    phone_in_today: bool = False


@dataclass(frozen=True)
class PhoneStationTapped:
    at: datetime
    learner_id: int


@dataclass(frozen=True)
class PhoneTaken:
    """Staff recorded the phone (into `slot`), or that the learner has none."""

    at: datetime
    learner_id: int
    slot: str = ""
    no_phone: bool = False
    # Slots holding phones at doors sharing this door's phone store, as last heard (see
    # EntryTapped): a slot staff choose by hand is checked against them too.
    taken_elsewhere: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArchPassed:
    at: datetime
    # The arch's alarm contact was still open as they walked through (an alarm not yet over,
    # or a cut cable): the passage clears nobody.
    alarming: bool = False


@dataclass(frozen=True)
class ArchAlarmed:
    at: datetime
    zone: str | None = None


@dataclass(frozen=True)
class ArchConfirmed:
    """Staff saw the learner walk through (an arch with no passage signal), clear or alarming."""

    at: datetime
    learner_id: int
    clear: bool = True


@dataclass(frozen=True)
class WandChecked:
    at: datetime
    learner_id: int
    clear: bool


@dataclass(frozen=True)
class SearchRecorded:
    at: datetime
    learner_id: int


@dataclass(frozen=True)
class RefusalStated:
    """The learner refuses screening (or, after an alarm, a search)."""

    at: datetime
    learner_id: int


@dataclass(frozen=True)
class RefusalConfirmed:
    at: datetime
    learner_id: int
    note: str = ""


@dataclass(frozen=True)
class InfluenceSuspected:
    """Staff suspect the learner is under the influence (R28): not admitted, kept apart from
    other learners until a parent or carer collects them. `dsl_told`: the member of staff says
    they told the designated safeguarding lead themselves."""

    at: datetime
    learner_id: int
    note: str = ""
    dsl_told: bool = False


@dataclass(frozen=True)
class StaffAdmitted:
    at: datetime
    learner_id: int


@dataclass(frozen=True)
class SentBack:
    """Staff send the learner through the arch again (keys out of a pocket, say)."""

    at: datetime
    learner_id: int


@dataclass(frozen=True)
class LateReasonGiven:
    at: datetime
    learner_id: int
    reason: str


@dataclass(frozen=True)
class AlarmDismissed:
    """Staff dealt with an alarm that belonged to nobody in the lane."""

    at: datetime


@dataclass(frozen=True)
class Tick:
    """Time passed: learners who have waited too long come to staff's attention."""

    at: datetime


Event = (
    EntryTapped
    | PhoneStationTapped
    | PhoneTaken
    | ArchPassed
    | ArchAlarmed
    | ArchConfirmed
    | WandChecked
    | SearchRecorded
    | RefusalStated
    | RefusalConfirmed
    | InfluenceSuspected
    | StaffAdmitted
    | SentBack
    | LateReasonGiven
    | AlarmDismissed
    | Tick
)


# --- effects: what the station does about it ----------------------------------------------------


class Signal(StrEnum):
    ADMITTED = "admitted"  # green light, door pulse
    ALARM = "alarm"  # red light, buzzer
    REFUSED = "refused"  # red light


@dataclass(frozen=True)
class Tell:
    """The learner-facing answer: a first name and the next step, nothing else."""

    learner_id: int
    headline: str
    next_step: str
    admitted: bool = False
    # The next step is a member of staff (wait with them, hand them the phone): the screen says
    # so in its colour, decided here where the words are, never read back out of them.
    see_staff: bool = False


@dataclass(frozen=True)
class Light:
    signal: Signal


@dataclass(frozen=True)
class CallStaff:
    """Staff must see this learner (or, with no learner, an unattributed alarm)."""

    learner_id: int | None
    need: Need
    detail: str


@dataclass(frozen=True)
class SavePhone:
    learner_id: int
    slot: str
    no_phone: bool
    by_staff: bool  # recorded by staff, or by the learner's tap at the phone station


@dataclass(frozen=True)
class SaveScreening:
    learner_id: int
    method: ScreeningMethod
    result: ScreeningResult
    zone: str | None = None
    by_staff: bool = False


@dataclass(frozen=True)
class SaveAdmission:
    learner_id: int
    arrived_at: datetime
    late_reason: str
    by_staff: bool


@dataclass(frozen=True)
class SaveRefusal:
    """Not admitted (`O`): a refusal, or suspected under the influence (R28)."""

    learner_id: int
    kind: RefusalKind
    note: str = ""
    dsl_told: bool = False  # the member of staff told the DSL themselves


@dataclass(frozen=True)
class SaveUnattributedAlarm:
    zone: str | None


@dataclass(frozen=True)
class Rejected:
    """The event changed nothing; `reason` is for staff."""

    reason: str


Effect = (
    Tell
    | Light
    | CallStaff
    | SavePhone
    | SaveScreening
    | SaveAdmission
    | SaveRefusal
    | SaveUnattributedAlarm
    | Rejected
)


@dataclass(frozen=True)
class Stepped:
    lane: Lane
    effects: tuple[Effect, ...] = field(default_factory=tuple)

    @property
    def rejected(self) -> Rejected | None:
        return next((e for e in self.effects if isinstance(e, Rejected)), None)
