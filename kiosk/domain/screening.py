"""Who is screened: everyone, a random share, or nobody, as the school's policy says."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ScreeningPolicy(StrEnum):
    REQUIRED = "required"
    RANDOM = "random"
    OFF = "off"


class ScreeningMethod(StrEnum):
    ARCH = "arch"  # the walk-through arch
    WAND = "wand"  # a hand wand, staff entering the result


class ScreeningResult(StrEnum):
    CLEAR = "clear"
    ALARM = "alarm"
    NOT_SCREENED = "not_screened"  # recorded by staff when no check could be made


@dataclass(frozen=True)
class ScreeningDecision:
    screen: bool
    randomly_selected: bool
    reasons: tuple[str, ...]


def screening_decision(policy: ScreeningPolicy, percent: int, draw: float) -> ScreeningDecision:
    """Whether this learner walks through the arch; `draw` is a uniform number in [0, 1).

    The draw is passed in so the choice is testable and so the station can record it: random
    screening needs no suspicion, but the record should show the learner was chosen by chance.
    """
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be from 0 to 100, got {percent}")
    if not 0 <= draw < 1:
        raise ValueError(f"draw must be in [0, 1), got {draw}")
    if policy is ScreeningPolicy.REQUIRED:
        return ScreeningDecision(True, False, ("Everyone is screened.",))
    if policy is ScreeningPolicy.OFF:
        return ScreeningDecision(False, False, ("Screening is off.",))
    if draw * 100 < percent:
        return ScreeningDecision(True, True, (f"Chosen at random ({percent}% are screened).",))
    return ScreeningDecision(False, False, (f"Not chosen at random ({percent}% are screened).",))
