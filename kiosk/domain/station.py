"""The desk's next step for the learner in front of it, by the school's policy.

The station keeps what has been done for the current learner as a `Progress` value; the rules
here say what comes next, whether the learner may be admitted, and what the learner is told.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningResult


class Step(StrEnum):
    PHONE = "phone"
    SCREENING = "screening"
    SEARCH = "search"
    ADMIT = "admit"
    DONE = "done"


class RefusalPolicy(StrEnum):
    DENY = "deny"  # not admitted, coded O
    SEARCH = "search"  # refusing the arch escalates to a search


@dataclass(frozen=True)
class Progress:
    """What has happened to the learner at the desk this visit."""

    phone_done: bool = False
    selected_for_screening: bool = True
    screening_result: ScreeningResult | None = None
    search_done: bool = False
    refused: bool = False
    admitted: bool = False


@dataclass(frozen=True)
class NextStep:
    step: Step
    may_admit: bool
    learner_prompt: str
    reasons: tuple[str, ...]


# What the learner-facing screen says: calm, no reasons, nothing about anyone else.
_PROMPTS = {
    Step.PHONE: "Please hand your phone to a member of staff.",
    Step.SCREENING: "Please walk through the arch when staff call you.",
    Step.SEARCH: "Please wait with a member of staff.",
    Step.ADMIT: "Please wait to be let through.",
    Step.DONE: "Thank you.",
}


def next_step(progress: Progress, *, phone_policy: PhonePolicy) -> NextStep:
    """The next thing to do for this learner; admission only once every required step is done."""

    def step(s: Step, may_admit: bool, *reasons: str) -> NextStep:
        return NextStep(s, may_admit, _PROMPTS[s], reasons)

    if progress.admitted:
        return step(Step.DONE, False, "Admitted.")
    if progress.refused:
        return step(Step.DONE, False, "Refused: not admitted.")
    phone_needed = phone_policy is PhonePolicy.REQUIRED and not progress.phone_done
    screening_needed = progress.selected_for_screening and progress.screening_result is None
    # After an alarm, a wand check that comes back clear settles it; otherwise a search does.
    search_needed = progress.screening_result == ScreeningResult.ALARM and not progress.search_done
    if phone_needed:
        return step(Step.PHONE, False, "The school requires phones to be handed in first.")
    if screening_needed:
        return step(Step.SCREENING, False, "Screening is required before admission.")
    if search_needed:
        return step(Step.SEARCH, False, "The arch alarmed: a search must be recorded first.")
    if phone_policy is PhonePolicy.OPTIONAL and not progress.phone_done:
        return step(Step.PHONE, True, "Phone hand-in is optional: offer it, then admit.")
    return step(Step.ADMIT, True, "Every required step is done.")


def after_refusal(progress: Progress, policy: RefusalPolicy) -> tuple[Progress, Step]:
    """A learner refuses the arch: either not admitted (O), or the school searches instead."""
    if policy is RefusalPolicy.SEARCH and progress.screening_result is None:
        return replace(progress, screening_result=ScreeningResult.ALARM), Step.SEARCH
    return replace(progress, refused=True), Step.DONE


def alarm_belongs_to(called_at: datetime, alarm_at: datetime, window: timedelta) -> bool:
    """An arch alarm within `window` after a learner is called forward is that learner's.

    An alarm before the call, or long after, belongs to nobody at the desk: staff decide.
    """
    return called_at <= alarm_at <= called_at + window
