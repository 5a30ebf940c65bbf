"""The lane's rules for a learner already in it: one small handler for each kind of event.

Split out of kiosk.domain.lane, where `step` finds the learner an event names and hands it
here: the phone handed in, the arch or wand result, a search, a refusal stated or confirmed,
suspected under the influence, staff admitting or sending back, a late reason. Each handler is
a pure function of the lane, the learner and the event, so the lane stays replayable.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.domain.attendance import RefusalKind
from kiosk.domain.lane_events import (
    ArchConfirmed,
    CallStaff,
    Event,
    InfluenceSuspected,
    LateReasonGiven,
    Light,
    PhoneStationTapped,
    PhoneTaken,
    RefusalConfirmed,
    RefusalStated,
    Rejected,
    SavePhone,
    SaveRefusal,
    SaveScreening,
    SearchRecorded,
    SentBack,
    Signal,
    StaffAdmitted,
    Stepped,
    Tell,
    WandChecked,
)
from kiosk.domain.lane_moves import admit, advance, off_arch, put, without
from kiosk.domain.lane_state import InFlight, Lane, LanePolicy, Need, next_of
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningMethod, ScreeningResult
from kiosk.domain.station import RefusalPolicy


def for_learner(lane: Lane, learner: InFlight, event: Event, policy: LanePolicy) -> Stepped:
    """The lane after an event about `learner`, who is in it, and what to do about it."""
    if isinstance(event, PhoneStationTapped | PhoneTaken):
        return _phone(lane, learner, event, policy)
    if isinstance(event, ArchConfirmed | WandChecked):
        return _screened(lane, learner, event, policy)
    if isinstance(event, SearchRecorded):
        return _searched(lane, learner, event)
    if isinstance(event, RefusalStated):
        return _refusal_stated(lane, learner, event, policy)
    if isinstance(event, RefusalConfirmed):
        return _refusal_confirmed(lane, learner, event)
    if isinstance(event, InfluenceSuspected):
        return _influence(lane, learner, event)
    if isinstance(event, StaffAdmitted):
        return _staff_admitted(lane, learner, policy)
    if isinstance(event, SentBack):
        return _sent_back(lane, learner, event)
    if isinstance(event, LateReasonGiven):
        return _late_reason(lane, learner, event)
    raise TypeError(f"not a lane event: {event!r}")  # pragma: no cover - Event is closed


def _phone(
    lane: Lane, learner: InFlight, event: PhoneStationTapped | PhoneTaken, policy: LanePolicy
) -> Stepped:
    at = event.at
    if learner.phone_done:
        return Stepped(lane, (Rejected("This learner's phone is already recorded."),))
    if policy.phone is PhonePolicy.OFF:
        return Stepped(lane, (Rejected("This school does not collect phones."),))
    by_staff = isinstance(event, PhoneTaken)
    no_phone = by_staff and event.no_phone  # type: ignore[union-attr]
    slot = "" if no_phone else (getattr(event, "slot", "") or learner.slot)
    if not no_phone and not slot:
        return Stepped(lane, (Rejected("Choose a slot, pouch or envelope, or 'no phone'."),))
    if slot != learner.slot and slot in lane.slots_in_use:
        return Stepped(lane, (Rejected(f"Slot {slot} already holds a phone."),))
    if slot != learner.slot and slot in getattr(event, "taken_elsewhere", ()):
        return Stepped(lane, (Rejected(f"Slot {slot} holds a phone from another door."),))
    used = lane.slots_in_use - {learner.slot}
    if slot:
        used = used | {slot}
    lane = replace(lane, slots_in_use=used)
    learner = replace(learner, phone_done=True, slot=slot, since=at)
    moved = advance(lane, learner, at, policy, by_staff=by_staff)
    return Stepped(
        moved.lane, (SavePhone(learner.learner_id, slot, no_phone, by_staff), *moved.effects)
    )


def _screened(
    lane: Lane, learner: InFlight, event: ArchConfirmed | WandChecked, policy: LanePolicy
) -> Stepped:
    at = event.at
    wand = isinstance(event, WandChecked)
    if not wand and learner.learner_id not in lane.arch:
        return Stepped(lane, (Rejected("This learner has not been called to the arch."),))
    if not learner.selected and not wand:
        return Stepped(lane, (Rejected("This learner was not chosen for screening."),))
    clear = event.clear
    result = ScreeningResult.CLEAR if clear else ScreeningResult.ALARM
    if wand and learner.screening == ScreeningResult.CLEAR:
        return Stepped(lane, (Rejected("This learner has already screened clear."),))
    lane = off_arch(lane, learner.learner_id)
    learner = replace(learner, screening=result, selected=True, since=at)
    method = ScreeningMethod.WAND if wand else ScreeningMethod.ARCH
    saved = SaveScreening(learner.learner_id, method, result, by_staff=True)
    if not clear:
        lane = put(lane, learner)
        return Stepped(
            lane,
            (
                saved,
                Light(Signal.ALARM),
                CallStaff(learner.learner_id, Need.ALARM, "Alarm: wand check or search."),
            ),
        )
    moved = advance(lane, learner, at, policy, by_staff=True)
    return Stepped(moved.lane, (saved, *moved.effects))


def _searched(lane: Lane, learner: InFlight, event: SearchRecorded) -> Stepped:
    # After a search, staff decide: admit, or refuse. Nothing opens the door by itself.
    lane = off_arch(lane, learner.learner_id)
    searched = replace(
        learner,
        search_done=True,
        refusing=False,
        screening=learner.screening or ScreeningResult.ALARM,
        selected=True,
        since=event.at,
    )
    return Stepped(put(lane, searched))


def _refusal_stated(
    lane: Lane, learner: InFlight, event: RefusalStated, policy: LanePolicy
) -> Stepped:
    at = event.at
    if policy.on_refusal is RefusalPolicy.SEARCH and learner.screening is None:
        # The school searches instead of refusing entry: the learner goes to a search.
        # Refusing once screened (the search itself, after an alarm) is a refusal.
        lane = off_arch(lane, learner.learner_id)
        learner = replace(learner, screening=ScreeningResult.ALARM, selected=True, since=at)
        return Stepped(
            put(lane, learner),
            (CallStaff(learner.learner_id, Need.ALARM, "Refused the arch: a search instead."),),
        )
    lane = off_arch(lane, learner.learner_id)
    learner = replace(learner, refusing=True, since=at)
    return Stepped(
        put(lane, learner), (CallStaff(learner.learner_id, Need.REFUSED, "Refuses: confirm."),)
    )


def _refusal_confirmed(lane: Lane, learner: InFlight, event: RefusalConfirmed) -> Stepped:
    kind = (
        RefusalKind.SEARCH if learner.screening == ScreeningResult.ALARM else RefusalKind.SCREENING
    )
    return _not_admitted(
        lane,
        learner,
        SaveRefusal(learner.learner_id, kind, event.note),
        f"Sorry, {learner.first_name}",
        "Please see a member of staff.",
    )


def _influence(lane: Lane, learner: InFlight, event: InfluenceSuspected) -> Stepped:
    # Whatever step they are at: not admitted, and the learner's screen says only to wait.
    return _not_admitted(
        lane,
        learner,
        SaveRefusal(learner.learner_id, RefusalKind.INFLUENCE, event.note.strip(), event.dsl_told),
        f"Thank you, {learner.first_name}",
        "Please wait with a member of staff.",
    )


def _not_admitted(
    lane: Lane, learner: InFlight, refusal: SaveRefusal, headline: str, next_step: str
) -> Stepped:
    """The learner leaves the lane not admitted: the refusal saved, the red light, and the
    learner told to see staff."""
    return Stepped(
        without(lane, learner.learner_id, "refused"),
        (
            refusal,
            Light(Signal.REFUSED),
            Tell(learner.learner_id, headline, next_step, see_staff=True),
        ),
    )


def _staff_admitted(lane: Lane, learner: InFlight, policy: LanePolicy) -> Stepped:
    nxt = next_of(learner, policy)
    if learner.refusing or not nxt.may_admit:
        reasons = " ".join(nxt.reasons) if not learner.refusing else "The learner is refusing."
        return Stepped(lane, (Rejected(f"Not yet: {reasons}"),))
    return admit(lane, learner, by_staff=True)


def _sent_back(lane: Lane, learner: InFlight, event: SentBack) -> Stepped:
    if learner.screening is None:
        return Stepped(lane, (Rejected("This learner has not been through the arch yet."),))
    if learner.search_done:
        return Stepped(lane, (Rejected("A search is recorded: admit or refuse."),))
    learner = replace(learner, screening=None, refusing=False, selected=True, since=event.at)
    lane = put(lane, learner)
    return Stepped(
        replace(lane, arch=(*lane.arch, learner.learner_id)),
        (
            Tell(
                learner.learner_id,
                f"Thank you, {learner.first_name}",
                "Please walk through the arch again.",
            ),
        ),
    )


def _late_reason(lane: Lane, learner: InFlight, event: LateReasonGiven) -> Stepped:
    reason = event.reason.strip()
    if not reason:
        return Stepped(lane, (Rejected("Give the reason for being late."),))
    return Stepped(put(lane, replace(learner, late_reason=reason)))
