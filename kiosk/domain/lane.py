"""The lane: every learner in flight from the badge to the door, and what each event does.

The lane's state is an immutable value; `step(lane, event, now, policy)` returns the next state
and the effects to carry out (what to record, what the learner is told, which lights, which
learner staff must see). Nothing here reads the clock, the database or the hardware, so a whole
morning can be replayed from its recorded events and every sequence tested as a table.

Order through the arch: learners join the arch queue when their phone step is done, and are
called forward in that order; the arch's passage or alarm belongs to the learner at the head.

This module holds `step` and the rules for arrivals, the arch and the passing of time. The
lane's state is in kiosk.domain.lane_state, its events and effects in kiosk.domain.lane_events,
the moves the rules share in kiosk.domain.lane_moves and the rules for a learner already in the
lane in kiosk.domain.lane_learner; every name is re-exported here, so the station reads the
whole lane as `lane.X` (or `rules.X`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from kiosk.domain.attendance import Session
from kiosk.domain.lane_events import (
    AlarmDismissed,
    ArchAlarmed,
    ArchConfirmed,
    ArchPassed,
    CallStaff,
    Effect,
    EntryTapped,
    Event,
    InfluenceSuspected,
    LateReasonGiven,
    Light,
    PhoneStationTapped,
    PhoneTaken,
    RefusalConfirmed,
    RefusalStated,
    Rejected,
    SaveAdmission,
    SavePhone,
    SaveRefusal,
    SaveScreening,
    SaveUnattributedAlarm,
    SearchRecorded,
    SentBack,
    Signal,
    StaffAdmitted,
    Stepped,
    Tell,
    Tick,
    WandChecked,
)
from kiosk.domain.lane_learner import for_learner
from kiosk.domain.lane_moves import advance, free_slot, phone_prompt, put
from kiosk.domain.lane_state import (
    BLOCKING,
    InFlight,
    Lane,
    LanePolicy,
    Need,
    Unattributed,
    next_of,
    parse_slots,
)
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningMethod, ScreeningResult
from kiosk.domain.station import Step

__all__ = [
    "BLOCKING",
    "AlarmDismissed",
    "ArchAlarmed",
    "ArchConfirmed",
    "ArchPassed",
    "CallStaff",
    "Effect",
    "EntryTapped",
    "Event",
    "InFlight",
    "InfluenceSuspected",
    "Lane",
    "LanePolicy",
    "LateReasonGiven",
    "Light",
    "Need",
    "PhoneStationTapped",
    "PhoneTaken",
    "RefusalConfirmed",
    "RefusalStated",
    "Rejected",
    "SaveAdmission",
    "SavePhone",
    "SaveRefusal",
    "SaveScreening",
    "SaveUnattributedAlarm",
    "SearchRecorded",
    "SentBack",
    "Signal",
    "StaffAdmitted",
    "Stepped",
    "Tell",
    "Tick",
    "Unattributed",
    "WandChecked",
    "next_step_of",
    "parse_slots",
    "start_session",
    "step",
]


# --- the rules ---------------------------------------------------------------------------------


def step(lane: Lane, event: Event, now: datetime, policy: LanePolicy) -> Stepped:
    """The lane after `event`, and what to do about it. `now` is the event's own time on replay."""
    if isinstance(event, EntryTapped):
        return _entry(lane, event, policy)
    if isinstance(event, ArchPassed) and event.alarming:
        if not lane.arch:  # the learner whose alarm it is walking out: already held
            return Stepped(lane)
        return _alarm(lane, event.at, None)
    if isinstance(event, ArchPassed):
        return _passage(lane, event.at, policy)
    if isinstance(event, ArchAlarmed):
        return _alarm(lane, event.at, event.zone)
    if isinstance(event, AlarmDismissed):
        if not lane.alarms:
            return Stepped(lane, (Rejected("No arch alarm is waiting."),))
        return Stepped(replace(lane, alarms=lane.alarms[1:]))
    if isinstance(event, Tick):
        return _tick(lane, event.at, policy)
    learner = lane.find(event.learner_id)
    if learner is None:
        done = lane.outcome_of(event.learner_id)
        why = f"already {done}" if done else "not in the lane"
        return Stepped(lane, (Rejected(f"That learner is {why}."),))
    return for_learner(lane, learner, event, policy)


def _entry(lane: Lane, event: EntryTapped, policy: LanePolicy) -> Stepped:
    here = lane.find(event.learner_id)
    if here is not None:  # a second tap is not a second arrival: remind them where they are
        where, see_staff = _where(lane, here, policy)
        return Stepped(
            lane, (Tell(here.learner_id, f"Hello, {here.first_name}", where, see_staff=see_staff),)
        )
    done = lane.outcome_of(event.learner_id)
    if done == "admitted":
        return Stepped(
            lane,
            (
                Tell(
                    event.learner_id,
                    f"You're already signed in, {event.first_name}",
                    "Please go through.",
                    admitted=True,
                ),
            ),
        )
    if done == "refused":  # came back to comply: a new visit, staff decide (the mark follows)
        lane = replace(lane, done=tuple(d for d in lane.done if d[0] != event.learner_id))
    learner = InFlight(
        event.learner_id,
        event.first_name,
        event.at,
        late=event.late,
        selected=event.selected,
        since=event.at,
        phone_done=event.phone_in_today,
    )
    effects: list[Effect] = []
    if policy.phone is not PhonePolicy.OFF and not event.phone_in_today:
        slot = free_slot(lane, policy, tuple(event.taken_elsewhere))
        if slot:
            learner = replace(learner, slot=slot)
            lane = replace(lane, slots_in_use=lane.slots_in_use | {slot})
    lane = replace(lane, learners=(*lane.learners, learner))
    nxt = next_of(learner, policy)
    if nxt.step is Step.PHONE and not nxt.may_admit:
        effects.append(
            Tell(
                learner.learner_id,
                f"Good morning, {learner.first_name}",
                phone_prompt(learner, policy),
                see_staff=not learner.slot,  # no slot: the phone goes to a member of staff
            )
        )
        if not learner.slot and policy.slots:
            effects.append(
                CallStaff(learner.learner_id, Need.NO_PHONE, "Every phone slot is in use.")
            )
        if learner.late:  # shown to staff at the phone step too, as on the way to the arch
            effects.append(CallStaff(learner.learner_id, Need.LATE, "Late: ask for a reason."))
        return Stepped(lane, tuple(effects))
    moved = advance(lane, learner, event.at, policy)
    if learner.late:
        return Stepped(
            moved.lane,
            (*moved.effects, CallStaff(learner.learner_id, Need.LATE, "Late: ask for a reason.")),
        )
    return moved


def _where(lane: Lane, learner: InFlight, policy: LanePolicy) -> tuple[str, bool]:
    """Where a learner in flight goes next, and whether that is to a member of staff."""
    nxt = next_of(learner, policy)
    if nxt.step is Step.PHONE:
        return phone_prompt(learner, policy), not learner.slot
    if learner.learner_id in lane.arch:
        return "Please walk through the arch.", False
    return "Please wait with a member of staff.", True


def _passage(lane: Lane, at: datetime, policy: LanePolicy) -> Stepped:
    if not lane.arch:
        return Stepped(lane, (Rejected("The arch reported a passage with nobody called to it."),))
    head = lane.find(lane.arch[0])
    assert head is not None
    lane = replace(lane, arch=lane.arch[1:])
    head = replace(head, screening=ScreeningResult.CLEAR, since=at)
    moved = advance(lane, head, at, policy)
    return Stepped(
        moved.lane,
        (
            SaveScreening(head.learner_id, ScreeningMethod.ARCH, ScreeningResult.CLEAR),
            *moved.effects,
        ),
    )


def _alarm(lane: Lane, at: datetime, zone: str | None) -> Stepped:
    where = f" ({zone})" if zone else ""
    if not lane.arch:
        return Stepped(
            replace(lane, alarms=(*lane.alarms, Unattributed(at, zone))),
            (
                SaveUnattributedAlarm(zone),
                Light(Signal.ALARM),
                CallStaff(None, Need.ALARM, f"Arch alarm{where} with nobody called to the arch."),
            ),
        )
    head = lane.find(lane.arch[0])
    assert head is not None
    head = replace(head, screening=ScreeningResult.ALARM, since=at)
    lane = replace(put(lane, head), arch=lane.arch[1:])
    return Stepped(
        lane,
        (
            SaveScreening(head.learner_id, ScreeningMethod.ARCH, ScreeningResult.ALARM, zone),
            Light(Signal.ALARM),
            Tell(
                head.learner_id,
                f"Thank you, {head.first_name}",
                "Please wait with a member of staff.",
                see_staff=True,
            ),
            CallStaff(head.learner_id, Need.ALARM, f"Arch alarm{where}: wand check or search."),
        ),
    )


def _tick(lane: Lane, at: datetime, policy: LanePolicy) -> Stepped:
    calls: list[Effect] = []
    for learner in lane.learners:
        for need in lane.needs(learner, at, policy):
            if need in (Need.NO_PHONE, Need.WAITING):
                calls.append(
                    CallStaff(
                        learner.learner_id,
                        need,
                        f"Waiting since {_hhmm(learner.since or learner.arrived_at)}.",
                    )
                )
    return Stepped(lane, tuple(calls))


def _hhmm(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def start_session(day: date, session: Session, slots_in_use: frozenset[str]) -> Lane:
    """A session's lane begins empty; phones still held from earlier keep their slots."""
    return Lane(day=day, session=session, slots_in_use=slots_in_use)


def next_step_of(learner: InFlight, policy: LanePolicy) -> Step:
    """Where the learner stands: the phone, the arch, a search, or waiting to be admitted."""
    return next_of(learner, policy).step
