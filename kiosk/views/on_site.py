"""Who is on site, as plain values: the fire roll and the choices of the sign-out screen.

Screens import these (and nothing below them); the use cases in kiosk.office.roll and
kiosk.office.signout build them.
"""

from __future__ import annotations

from dataclasses import dataclass

NO_GROUP = "(no registration group)"

# The reasons staff pick from when a learner leaves early; "other" needs the free text.
SIGN_OUT_REASONS = (
    "appointment",
    "illness",
    "collected by a parent or carer",
    "sent home",
    "other",
)
OTHER = "other"


def sign_out_reason(preset: str, detail: str) -> str:
    """The reason as recorded: the preset, with staff's own words after it where given.

    Blank when "other" was picked with nothing written (the use case refuses it).
    """
    detail = " ".join(detail.split())
    if preset == OTHER or not preset:
        return detail
    return f"{preset}: {detail}" if detail else preset


@dataclass(frozen=True)
class RollLearner:
    learner_id: int
    mis_id: str
    surname: str
    forename: str
    year_group: str
    # Local HH:MM of the latest admission today; for a learner not admitted but kept apart on
    # site for a parent, when they were turned away and that they were
    # (kiosk.office.roll.KEPT_APART).
    admitted: str

    @property
    def name(self) -> str:
        return f"{self.surname}, {self.forename}"


@dataclass(frozen=True)
class RollGroup:
    reg_group: str
    learners: tuple[RollLearner, ...]


@dataclass(frozen=True)
class RollStaff:
    staff_id: str
    surname: str
    forename: str
    station: str
    since: str  # local HH:MM they signed on

    @property
    def name(self) -> str:
        return f"{self.surname}, {self.forename}"


@dataclass(frozen=True)
class RollSignedOut:
    """A learner admitted today who has left: on the roll's printout, so nobody looks for them."""

    learner_id: int
    name: str
    reg_group: str
    at: str  # local HH:MM
    reason: str


@dataclass(frozen=True)
class Roll:
    """Who is on site at `taken_at`: learners by registration group, and the staff signed on."""

    school: str
    taken_at: str  # local "YYYY-MM-DD HH:MM"
    groups: tuple[RollGroup, ...]
    staff: tuple[RollStaff, ...]
    signed_out: tuple[RollSignedOut, ...]

    @property
    def learner_count(self) -> int:
        return sum(len(g.learners) for g in self.groups)

    @property
    def learners(self) -> tuple[RollLearner, ...]:
        return tuple(learner for g in self.groups for learner in g.learners)


@dataclass(frozen=True)
class SignOutChosen:
    """What the sign-out screen sends back: the learner and the reason, composed."""

    learner_id: int
    reason: str


@dataclass(frozen=True)
class AwaitingCollection:
    """A learner not admitted today (suspected under the influence, R28), kept apart until a
    parent or carer collects them: on the sign-out screen, so the hand-over is recorded."""

    refusal_id: int
    name: str
    reg_group: str
    at: str  # local HH:MM they were not admitted


@dataclass(frozen=True)
class ParentCollected:
    """What the sign-out screen sends back when a parent or carer collects such a learner."""

    refusal_id: int
    collected_by: str
