"""Phone hand-in policy, and how a confiscated phone or earphones escalate (seed 003)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from kiosk.domain.items import ItemCategory


class PhonePolicy(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    OFF = "off"


class Hold(StrEnum):
    """How long a confiscated phone is held; compares equal to its plain string value."""

    END_OF_DAY = "end_of_day"
    SECOND_DAY = "second_day"
    PARENT_COLLECTS = "parent_collects"


class ConfiscatedItem(StrEnum):
    """What was seen in use during the day and taken (seed 003: "a mobile phone or earphones").

    Both escalate together: the occurrence counts the occasions the learner was seen on a phone
    or wearing earphones, whichever it was each time. Earphones are banned only for a learner
    without the roster's permission (R33)."""

    PHONE = "phone"
    EARPHONES = "earphones"

    @property
    def category(self) -> ItemCategory:
        """The item's category in a search (a phone is one of the school's own banned items)."""
        if self is ConfiscatedItem.EARPHONES:
            return ItemCategory.EARPHONES
        return ItemCategory.SCHOOL_RULES

    @property
    def noun(self) -> str:
        """The item in words: "phone" or "earphones"."""
        return str(self.value)

    @property
    def were(self) -> str:
        """The verb that agrees with it: "the phone was", "the earphones were"."""
        return "were" if self is ConfiscatedItem.EARPHONES else "was"

    @property
    def it(self) -> str:
        """The pronoun that stands for it: "collects it", "collects them"."""
        return "them" if self is ConfiscatedItem.EARPHONES else "it"


@dataclass(frozen=True)
class ConfiscationOutcome:
    """What happens to a phone (or earphones) confiscated for the `occurrence`-th time."""

    occurrence: int
    hold: Hold
    parent_must_collect: bool
    notify: bool
    reasons: tuple[str, ...]
    item: ConfiscatedItem = ConfiscatedItem.PHONE

    @property
    def said(self) -> tuple[str, ...]:
        """What staff are told, in every face alike: the escalation, and who else is told."""
        return (*self.reasons, "The attendance officer is told.") if self.notify else self.reasons


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def confiscation_outcome(
    occurrence: int, item: ConfiscatedItem = ConfiscatedItem.PHONE
) -> ConfiscationOutcome:
    """Seed 003: held to the end of the day, then a second day, then a parent or carer collects.

    The third and every later occurrence notify, because a parent or carer has to come in.
    Earphones are named in the words ("2nd confiscation (earphones): ..."); a phone is not, as
    it always was.
    """
    if occurrence < 1:
        raise ValueError(f"occurrence counts from 1, got {occurrence}")
    named = "" if item is ConfiscatedItem.PHONE else f" ({item.noun})"
    nth = f"{_ordinal(occurrence)} confiscation{named}"
    if occurrence == 1:
        return ConfiscationOutcome(
            occurrence,
            Hold.END_OF_DAY,
            False,
            False,
            (f"{nth}: held until the end of the day.",),
            item,
        )
    if occurrence == 2:
        return ConfiscationOutcome(
            occurrence,
            Hold.SECOND_DAY,
            False,
            False,
            (f"{nth}: held until the end of the next school day.",),
            item,
        )
    return ConfiscationOutcome(
        occurrence,
        Hold.PARENT_COLLECTS,
        True,
        True,
        (
            f"{nth}: held until a parent or carer collects {item.it}.",
            f"The parent or carer must be told to collect {item.it}.",
        ),
        item,
    )


def held_until(outcome: ConfiscationOutcome, confiscated_on: date) -> date | None:
    """The day the phone goes back, or None while it waits for a parent or carer.

    A second-day hold ends on the next weekday (Friday's phone comes back on Monday); the domain
    knows no term dates, so a phone held over a holiday is the office's call.
    """
    if outcome.hold is Hold.END_OF_DAY:
        return confiscated_on
    if outcome.hold is Hold.SECOND_DAY:
        following = confiscated_on + timedelta(days=1)
        while following.weekday() >= 5:  # Saturday and Sunday
            following += timedelta(days=1)
        return following
    return None
