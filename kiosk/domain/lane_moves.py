"""The lane's shared moves: putting a learner back, taking them out, moving them on, admitting.

Split out of kiosk.domain.lane so that the rules for a new arrival and for the arch (in
kiosk.domain.lane) and the rules for each learner already in the lane (kiosk.domain.lane_learner)
move learners the same way. Pure functions of the lane's state, like the rest of the domain.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kiosk.domain.attendance import Session
from kiosk.domain.lane_events import Light, SaveAdmission, Signal, Stepped, Tell
from kiosk.domain.lane_state import InFlight, Lane, LanePolicy, next_of
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.station import Step


def put(lane: Lane, learner: InFlight) -> Lane:
    return replace(
        lane,
        learners=tuple(learner if x.learner_id == learner.learner_id else x for x in lane.learners),
    )


def without(lane: Lane, learner_id: int, outcome: str) -> Lane:
    """The learner leaves the lane; a slot kept for a phone never handed in is free again."""
    leaving = lane.find(learner_id)
    unused = {leaving.slot} if leaving and leaving.slot and not leaving.phone_done else set()
    return replace(
        lane,
        learners=tuple(x for x in lane.learners if x.learner_id != learner_id),
        arch=off_arch(lane, learner_id).arch,
        done=(*lane.done, (learner_id, outcome)),
        slots_in_use=lane.slots_in_use - unused,
    )


def off_arch(lane: Lane, learner_id: int) -> Lane:
    """The learner is no longer called to the arch (screened, refusing, searched or gone)."""
    return replace(lane, arch=tuple(x for x in lane.arch if x != learner_id))


def free_slot(lane: Lane, policy: LanePolicy, taken_elsewhere: tuple[str, ...] = ()) -> str:
    taken = lane.slots_in_use.union(taken_elsewhere)
    return next((s for s in policy.slots if s not in taken), "")


def phone_prompt(learner: InFlight, policy: LanePolicy) -> str:
    then = "then walk through the arch" if learner.selected else "then go on"
    if learner.slot:
        if policy.phone is PhonePolicy.OPTIONAL:
            return f"Any phone in slot {learner.slot}, {then}."
        return f"Phone in slot {learner.slot}, {then}."
    return "Please hand your phone to a member of staff."


def advance(
    lane: Lane, learner: InFlight, at: datetime, policy: LanePolicy, *, by_staff: bool = False
) -> Stepped:
    """Move a learner on after any change: to the arch, to the door, or to staff.

    `by_staff`: the change was a member of staff's, so an admission it completes is theirs.
    """
    nxt = next_of(learner, policy)
    if nxt.step is Step.SCREENING and learner.learner_id not in lane.arch:
        learner = replace(learner, since=at)
        lane = replace(put(lane, learner), arch=(*lane.arch, learner.learner_id))
        prompt = "Please walk through the arch."
        if not learner.phone_done and policy.phone is PhonePolicy.OPTIONAL and learner.slot:
            prompt = phone_prompt(learner, policy)
        return Stepped(
            lane, (Tell(learner.learner_id, f"Thank you, {learner.first_name}", prompt),)
        )
    # After a search only staff admit: a later phone tap or clear wand must not open the door;
    # nor does anything but staff's own decision admit a learner who is refusing.
    if nxt.may_admit and not learner.search_done and not learner.refusing:
        return admit(lane, learner, by_staff=by_staff)
    return Stepped(put(lane, learner))


def admit(lane: Lane, learner: InFlight, *, by_staff: bool) -> Stepped:
    return Stepped(
        without(lane, learner.learner_id, "admitted"),
        (
            SaveAdmission(learner.learner_id, learner.arrived_at, learner.late_reason, by_staff),
            Light(Signal.ADMITTED),
            Tell(
                learner.learner_id,
                f"Hello, {learner.first_name}"
                if lane.session is Session.PM
                else f"Good morning, {learner.first_name}",
                "Please go through.",
                admitted=True,
            ),
        ),
    )
