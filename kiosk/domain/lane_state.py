"""The lane's state: the policy it runs under, who is in it, and what staff must do for them.

Split out of kiosk.domain.lane so the state can be read on its own: these values are what
`kiosk.domain.lane.step` takes and returns, and what the desk and the panel show. Like the
rest of the domain, nothing here reads the clock, the database or the hardware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from kiosk.domain.attendance import Session
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningResult
from kiosk.domain.station import NextStep, Progress, RefusalPolicy, Step, next_step

# --- the policy the lane runs under -----------------------------------------------------------


@dataclass(frozen=True)
class LanePolicy:
    phone: PhonePolicy = PhonePolicy.REQUIRED
    on_refusal: RefusalPolicy = RefusalPolicy.DENY
    # The numbered slots the kiosk hands out; empty: staff write the slot by hand.
    slots: tuple[str, ...] = ()
    # The arch reports a clean passage (its pass line, or a beam at its exit). Without one,
    # staff confirm each clear walk-through with one touch.
    arch_passage: bool = True
    # A learner still at the phone step, or waiting at the arch, this long is shown to staff.
    phone_wait: timedelta = timedelta(seconds=90)
    arch_wait: timedelta = timedelta(seconds=60)


def parse_slots(text: str) -> tuple[str, ...]:
    """`"1-120"`, `"1-60, 101-160"` or `"A1, A2"` as the slots in the order they are handed out."""
    slots: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if dash and low.strip().isdigit() and high.strip().isdigit():
            first, last = int(low), int(high)
            if last < first:
                raise ValueError(f"the range {part!r} runs backwards")
            slots.extend(str(n) for n in range(first, last + 1))
        else:
            slots.append(part)
    if len(set(slots)) != len(slots):
        raise ValueError("a slot is listed twice")
    return tuple(slots)


# --- who is in the lane ------------------------------------------------------------------------


class Need(StrEnum):
    """Why staff must see a learner. Only BLOCKING needs stop the learner reaching the door."""

    ALARM = "alarm"  # the arch alarmed: a wand check or a search
    REFUSED = "refused"  # refused: confirm the refusal (or search, by policy)
    NO_PHONE = "no phone"  # waited at the phone step: no phone, or the station missed it
    ARCH = "arch"  # no passage signal: staff confirm the walk-through
    WAITING = "waiting"  # waited at the arch longer than the policy allows
    ADMIT = "admit"  # searched: staff admit or refuse
    LATE = "late"  # late: a reason may be given (does not hold the learner back)


BLOCKING = frozenset({Need.ALARM, Need.REFUSED})


@dataclass(frozen=True)
class InFlight:
    """One learner in the lane and how far they have got."""

    learner_id: int
    first_name: str
    arrived_at: datetime
    late: bool
    selected: bool  # chosen for screening (everyone, or by chance)
    slot: str = ""  # the slot the kiosk gave them, if any
    phone_done: bool = False
    screening: ScreeningResult | None = None
    search_done: bool = False
    refusing: bool = False  # said no at the arch; staff confirm or search
    late_reason: str = ""
    since: datetime | None = None  # when they reached their current step

    def progress(self) -> Progress:
        return Progress(
            phone_done=self.phone_done,
            selected_for_screening=self.selected,
            screening_result=self.screening,
            search_done=self.search_done,
        )


def next_of(learner: InFlight, policy: LanePolicy) -> NextStep:
    """The learner's next step, and whether they may be admitted, under the lane's policy."""
    return next_step(learner.progress(), phone_policy=policy.phone)


@dataclass(frozen=True)
class Unattributed:
    """An arch alarm with nobody at the head of the arch: staff decide."""

    at: datetime
    zone: str | None


@dataclass(frozen=True)
class Lane:
    """The morning so far for one session; a new session starts empty."""

    day: date | None = None
    session: Session | None = None
    learners: tuple[InFlight, ...] = ()
    arch: tuple[int, ...] = ()  # learner ids called to the arch, head first
    slots_in_use: frozenset[str] = frozenset()
    done: tuple[tuple[int, str], ...] = ()  # (learner id, "admitted" | "refused"), in order
    alarms: tuple[Unattributed, ...] = ()

    def find(self, learner_id: int) -> InFlight | None:
        return next((x for x in self.learners if x.learner_id == learner_id), None)

    def outcome_of(self, learner_id: int) -> str | None:
        return next((what for who, what in self.done if who == learner_id), None)

    def needs(self, learner: InFlight, now: datetime, policy: LanePolicy) -> tuple[Need, ...]:
        """What staff must do for this learner now, most urgent first."""
        needs: list[Need] = []
        if learner.refusing:
            needs.append(Need.REFUSED)
        step = next_of(learner, policy).step
        if step is Step.SEARCH:
            needs.append(Need.ALARM)
        elif learner.search_done:
            needs.append(Need.ADMIT)
        since = learner.since or learner.arrived_at
        if step is Step.PHONE and now - since >= policy.phone_wait:
            needs.append(Need.NO_PHONE)
        if step is Step.SCREENING and learner.learner_id in self.arch:
            if not policy.arch_passage and self.arch[0] == learner.learner_id:
                needs.append(Need.ARCH)
            elif now - since >= policy.arch_wait:
                needs.append(Need.WAITING)
        if learner.late and not learner.late_reason:
            needs.append(Need.LATE)
        return tuple(needs)
