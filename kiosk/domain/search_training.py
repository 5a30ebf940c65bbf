"""R7: searchers up to date with their screening and searching training.

Split out of kiosk.domain.search: how long training lasts, whether a searcher's training is up
to date on a day, and whom the school's policy lets search once it has run out. The rules on
who may search whom (kiosk.domain.search) ask these when a day and a policy are given.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kiosk.domain.people import StaffMember

# R7: screening and searching training is renewed this often unless the school says otherwise.
DEFAULT_TRAINING_MONTHS = 12


def distinct_staff(on_duty: Sequence[StaffMember]) -> tuple[StaffMember, ...]:
    """The staff on duty, each once, in the order first listed."""
    # The same person listed twice (two badges, two rota lines) is still one person.
    seen: set[str] = set()
    people: list[StaffMember] = []
    for member in on_duty:
        if member.staff_id not in seen:
            seen.add(member.staff_id)
            people.append(member)
    return tuple(people)


@dataclass(frozen=True)
class TrainingPolicy:
    """How long screening and searching training lasts (`[policy] search_training_months`), and
    whether a searcher past it may still be chosen (`lapsed_training_may_search`: warned only)."""

    months: int = DEFAULT_TRAINING_MONTHS
    lapsed_may_search: bool = True


class TrainingState(StrEnum):
    CURRENT = "up to date"
    LAPSED = "lapsed"
    NOT_RECORDED = "no date recorded"


def training_due(trained_on: date, months: int) -> date:
    """The day training runs out: `months` calendar months after it was done (from the 31st of
    a month to the last day of a shorter one)."""
    month = trained_on.month - 1 + months
    year, month = trained_on.year + month // 12, month % 12 + 1
    return date(year, month, min(trained_on.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class SearchTraining:
    """One authorised searcher's training as the rules see it on `today`, with the line that
    says so on the duty panel and the office's list."""

    member: StaffMember
    state: TrainingState
    due_on: date | None  # the day it runs out (None: no date recorded)
    may_search: bool  # authorised, and the policy lets them search in this state
    said: str

    @property
    def warned(self) -> bool:
        return self.state is not TrainingState.CURRENT


def search_training(member: StaffMember, *, today: date, policy: TrainingPolicy) -> SearchTraining:
    """Whether an authorised searcher's training is up to date on `today`.

    Training runs out `policy.months` after the day it was done; from that day the searcher is
    warned. A searcher with no date recorded cannot be shown to be up to date, so is treated the
    same. Past it, `policy.lapsed_may_search` decides whether they may still search.
    """
    trained = member.search_trained_on
    if trained is None:
        state, due = TrainingState.NOT_RECORDED, None
    else:
        due = training_due(trained, policy.months)
        state = TrainingState.CURRENT if today < due else TrainingState.LAPSED
    current = state is TrainingState.CURRENT
    may = member.may_search and (current or policy.lapsed_may_search)
    if current:
        said = f"{member.name}'s search training is up to date until {due}."
    else:
        if state is TrainingState.LAPSED:
            what = f"{member.name}'s search training ran out on {due} (trained {trained})"
        else:
            what = f"{member.name} has no search training date on record"
        said = (
            f"{what}: the school's policy still lets them search; book their training."
            if may
            else f"{what}: not offered as a searcher until trained (the school's policy)."
        )
    return SearchTraining(member, state, due, may, said)


def training_warnings(
    on_duty: Sequence[StaffMember], *, today: date, policy: TrainingPolicy
) -> tuple[str, ...]:
    """A line for each authorised searcher on duty whose training is not up to date."""
    found = (search_training(m, today=today, policy=policy) for m in distinct_staff(on_duty))
    return tuple(t.said for t in found if t.member.may_search and t.warned)


def barred_by_training(
    staff: Sequence[StaffMember], today: date | None, policy: TrainingPolicy | None
) -> tuple[StaffMember, ...]:
    """Authorised staff whose training the policy does not let search now."""
    if today is None or policy is None:
        return ()
    return tuple(
        m
        for m in staff
        if m.may_search and not search_training(m, today=today, policy=policy).may_search
    )
