"""Who may search whom (Education Act 1996 ss.550ZA-550ZC; DfE 2022), and the one exception.

Searchers' training (R7) is in kiosk.domain.search_training; what the record must say of the
learner's consent and of the parents told is in kiosk.domain.search_record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kiosk.domain.people import Sex, StaffMember
from kiosk.domain.search_training import (
    TrainingPolicy,
    barred_by_training,
    distinct_staff,
    search_training,
    training_warnings,
)

# Short enough to be a shrug, long enough to say something: "urgent" alone is not a justification.
MIN_EXCEPTION_REASON_LENGTH = 10


class SearchLevel(StrEnum):
    """Seed 004 grades searches; the level is recorded, the rules below apply at every level."""

    LOW = "low"
    MEDIUM = "medium"
    HIGHER = "higher"


SEARCH_SCOPE: tuple[str, ...] = (
    "Outer clothing only, plus hat, shoes, boots, gloves and scarf.",
    "Pockets.",
    "Bags and other possessions.",
    "Never remove or move clothing in a way that reveals underwear or skin.",
    "Never an intimate search: that is for the police alone.",
)

SEARCH_REMINDERS: tuple[str, ...] = (
    "Take account of the learner's age, SEN and any vulnerability: make reasonable adjustments.",
    "Search away from other learners where possible.",
    "Record every search, whether or not anything is found.",
    "Tell the parents of the search and its outcome.",
)


def _names(staff: Sequence[StaffMember]) -> str:
    return ", ".join(member.name for member in staff)


# --- R6: a family member or an appropriate adult as the witness --------------------------------

# Who the adult is to the learner, one touch each; anything else is written.
WITNESS_RELATIONS: tuple[str, ...] = ("parent", "carer", "family member", "appropriate adult")


@dataclass(frozen=True)
class AppropriateAdult:
    """A witness who is not a member of staff (seed 003): where the risk is significant, a
    family member (preferably) or an appropriate adult, named with their relation to the
    learner. `significant_risk`: the member of staff affirms that the risk is significant."""

    name: str
    relation: str
    significant_risk: bool = False


def adult_witness_problems(adult: AppropriateAdult) -> tuple[str, ...]:
    """What stops this adult being recorded as the witness, if anything."""
    problems: list[str] = []
    if not adult.significant_risk:
        problems.append(
            "A family member or an appropriate adult may be the witness only where the risk is "
            "significant; otherwise another member of staff witnesses."
        )
    if not adult.name.strip():
        problems.append("Write the full name of the adult who witnesses.")
    if not adult.relation.strip():
        problems.append(
            "Write their relation to the learner (parent, carer, family member, appropriate adult)."
        )
    return tuple(problems)


def _adult(adult: AppropriateAdult) -> str:
    return f"{adult.name.strip()} ({adult.relation.strip()}, not a member of staff)"


@dataclass(frozen=True)
class SearchRequirement:
    """Before a search starts: who on duty could search this learner, and who could witness.

    `searchers` are authorised staff recorded as the learner's sex. `witnesses` are everyone else on
    duty, leaving out the first-named searcher (the one the screen suggests): same sex as the
    learner first, authorised staff first within that (seed 003 asks for two authorised staff where
    possible), then staff of unrecorded sex, then the rest.

    With `today` and a training policy given (R7), `barred` are authorised staff whose training
    is not up to date and whom the policy does not let search: never offered as searchers, not
    even under the urgent exception. `training` says each searcher's training not up to date.
    """

    learner_sex: Sex | None
    searchers: tuple[StaffMember, ...]
    witnesses: tuple[StaffMember, ...]
    same_sex_witness_available: bool
    can_search_lawfully: bool
    missing: tuple[str, ...]
    reasons: tuple[str, ...]
    barred: tuple[StaffMember, ...] = ()
    training: tuple[str, ...] = ()


def search_requirement(
    learner_sex: Sex | None,
    on_duty: Sequence[StaffMember],
    *,
    today: date | None = None,
    training: TrainingPolicy | None = None,
) -> SearchRequirement:
    """Whether a same-sex authorised searcher and a witness are on duty, naming them.

    `today` and `training` (R7): searchers whose training is not up to date are warned of, and
    left out when the policy does not let them search.
    """
    staff = distinct_staff(on_duty)
    barred = barred_by_training(staff, today, training)
    searchers, missing, reasons = _searchers(learner_sex, staff, {m.staff_id for m in barred})
    suggested = searchers[0] if searchers else None
    witnesses = _witnesses(learner_sex, staff, suggested)
    same_sex_witness = learner_sex is not None and any(m.sex is learner_sex for m in witnesses)
    missing.extend(_no_witness(witnesses, suggested))

    can_search = learner_sex is not None and bool(searchers) and bool(witnesses)
    reasons = [
        _verdict(learner_sex, can_search),
        *reasons,
        *_named(learner_sex, searchers, witnesses, same_sex_witness),
    ]

    said: tuple[str, ...] = ()
    if today is not None and training is not None:
        said = training_warnings(staff, today=today, policy=training)
        reasons.extend(said)

    return SearchRequirement(
        learner_sex=learner_sex,
        searchers=searchers,
        witnesses=witnesses,
        same_sex_witness_available=same_sex_witness,
        can_search_lawfully=can_search,
        missing=tuple(missing),
        reasons=tuple(reasons),
        barred=barred,
        training=said,
    )


def _searchers(
    learner_sex: Sex | None, staff: Sequence[StaffMember], barred_ids: set[str]
) -> tuple[tuple[StaffMember, ...], list[str], list[str]]:
    """The authorised searchers of the learner's sex on duty (none barred by their training),
    what is missing, and why any authorised member of staff was not counted."""
    missing: list[str] = []
    reasons: list[str] = []
    if learner_sex is None:
        searchers: tuple[StaffMember, ...] = ()
        missing.append(
            "The learner's sex is not recorded, so no same-sex searcher can be named: "
            "ask the office to record it (it is never guessed)."
        )
    else:
        searchers = tuple(
            m
            for m in staff
            if m.may_search and m.sex is learner_sex and m.staff_id not in barred_ids
        )
        if not searchers:
            missing.append(f"No authorised {learner_sex.word} searcher on duty.")
        unrecorded = [m for m in staff if m.may_search and m.sex is None]
        if unrecorded:
            reasons.append(
                f"Not counted as searchers because their sex is not recorded: {_names(unrecorded)}."
            )
    return searchers, missing, reasons


def _witnesses(
    learner_sex: Sex | None, staff: Sequence[StaffMember], suggested: StaffMember | None
) -> tuple[StaffMember, ...]:
    """Everyone on duty but the suggested searcher, in the order SearchRequirement gives."""

    def witness_order(member: StaffMember) -> tuple[int, int]:
        if learner_sex is not None and member.sex is learner_sex:
            by_sex = 0
        elif member.sex is None:
            by_sex = 1
        else:
            by_sex = 2
        return (by_sex, 0 if member.may_search else 1)

    others = (m for m in staff if suggested is None or m.staff_id != suggested.staff_id)
    return tuple(sorted(others, key=witness_order))


def _no_witness(witnesses: Sequence[StaffMember], suggested: StaffMember | None) -> list[str]:
    """What is missing when nobody on duty could witness."""
    if witnesses:
        return []
    if suggested is not None:
        return [
            f"No witness on duty: another member of staff must be present besides {suggested.name}."
        ]
    return ["No member of staff on duty to act as a witness."]


def _verdict(learner_sex: Sex | None, can_search: bool) -> str:
    """The first reason: whether the normal rule can be met with the staff on duty."""
    if learner_sex is not None and can_search:
        return (
            f"A lawful search is possible: an authorised {learner_sex.word} searcher and a "
            "witness are on duty."
        )
    return (
        "A search cannot follow the normal rule with the staff on duty; only the urgent "
        "exception would allow it."
    )


def _named(
    learner_sex: Sex | None,
    searchers: Sequence[StaffMember],
    witnesses: Sequence[StaffMember],
    same_sex_witness: bool,
) -> list[str]:
    """The reasons naming the searchers and the witnesses on duty."""
    reasons: list[str] = []
    if searchers:
        reasons.append(f"Searchers: {_names(searchers)}.")
    if witnesses:
        reasons.append(f"Witness available: {_names(witnesses)}.")
        if learner_sex is not None and not same_sex_witness:
            reasons.append(
                f"No {learner_sex.word} witness on duty: a witness of the same sex is preferred "
                "but not required."
            )
    return reasons


@dataclass(frozen=True)
class UrgentException:
    """The only exception to the same-sex searcher and the witness, as the searcher records it.

    Both conditions must hold: the searcher reasonably believes there is a risk of serious harm if
    the search is not done urgently, and it is not reasonably practicable in the time available to
    have a same-sex searcher or a witness. `reason` is the written justification.
    """

    serious_harm_risk: bool
    not_practicable: bool
    reason: str


@dataclass(frozen=True)
class SearchCheck:
    """Whether a search with this searcher and witness may be recorded, and what it must say."""

    allowed: bool
    same_sex_searcher: bool
    witness_present: bool
    witness_same_sex: bool
    exception_used: bool
    notify_dsl: bool
    reasons: tuple[str, ...]


def _exception_problems(exception: UrgentException) -> list[str]:
    problems: list[str] = []
    if not exception.serious_harm_risk:
        problems.append(
            "The exception needs the searcher to believe there is a risk of serious harm if the "
            "search is not done urgently."
        )
    if not exception.not_practicable:
        problems.append(
            "The exception needs it to be not reasonably practicable, in the time available, to "
            "have a same-sex searcher or a witness."
        )
    if len(exception.reason.strip()) < MIN_EXCEPTION_REASON_LENGTH:
        problems.append(
            "The exception needs a written justification (at least "
            f"{MIN_EXCEPTION_REASON_LENGTH} characters)."
        )
    return problems


def check_search(
    *,
    learner_sex: Sex | None,
    searcher: StaffMember,
    witness: StaffMember | None,
    exception: UrgentException | None = None,
    adult_witness: AppropriateAdult | None = None,
    today: date | None = None,
    training: TrainingPolicy | None = None,
) -> SearchCheck:
    """Check a search against the law before it is recorded.

    The searcher must always be authorised: the exception never waives that, nor training the
    school's policy does not accept (R7, with `today` and `training` given). Normally the
    searcher is the learner's sex and another member of staff witnesses (the same sex if
    possible: reported, not required); where the risk is significant, a named family member or
    appropriate adult may witness instead (R6, `adult_witness`), never waiving the same-sex
    searcher. Otherwise only the urgent exception, with both conditions affirmed and a written
    reason, allows it; using it flags the search for the designated safeguarding lead.
    """
    same_sex = learner_sex is not None and searcher.sex is learner_sex
    witness_is_searcher = witness is not None and witness.staff_id == searcher.staff_id
    adult_problems = adult_witness_problems(adult_witness) if adult_witness is not None else ()
    adult_present = adult_witness is not None and not adult_problems and witness is None
    witness_present = (witness is not None and not witness_is_searcher) or adult_present
    witness_same_sex = (
        witness_present
        and learner_sex is not None
        and witness is not None
        and witness.sex is learner_sex
    )

    def refused(*why: str) -> SearchCheck:
        return SearchCheck(False, same_sex, witness_present, witness_same_sex, False, False, why)

    never_waived, trained = _searcher_problems(searcher, today, training)
    if never_waived:
        return refused(*never_waived)
    if witness is not None and adult_witness is not None:
        return refused("One witness: another member of staff, or a named adult, not both.")
    if adult_problems:
        return refused(*adult_problems)

    unmet = _unmet(learner_sex, searcher, witness, adult_witness, same_sex, witness_is_searcher)
    if not unmet and witness_present:
        reasons = _lawful(searcher, witness, adult_witness, witness_same_sex, exception)
        return SearchCheck(
            True,
            same_sex,
            witness_present,
            witness_same_sex,
            False,
            False,
            (*reasons, *trained),
        )

    if exception is None:
        return refused(
            *unmet,
            "Only the urgent exception allows this search: risk of serious harm if not done "
            "urgently, and not reasonably practicable to meet the rule in the time available.",
        )
    problems = _exception_problems(exception)
    if problems:
        return refused(*unmet, *problems)
    return SearchCheck(
        True,
        same_sex,
        witness_present,
        witness_same_sex,
        True,
        True,
        (
            f"Urgent exception used: {exception.reason.strip()}",
            *unmet,
            *trained,
            "The designated safeguarding lead will be told.",
        ),
    )


def _searcher_problems(
    searcher: StaffMember, today: date | None, training: TrainingPolicy | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What stops this searcher whatever the exception (not authorised; training the policy
    does not accept), and otherwise the warning that their training is not up to date."""
    if not searcher.may_search:
        return (
            f"{searcher.name} is not authorised by the headteacher to search (role 'searcher'); "
            "the urgent exception never waives this.",
        ), ()
    if today is not None and training is not None:
        status = search_training(searcher, today=today, policy=training)
        if not status.may_search:
            return (status.said, "The urgent exception never waives this."), ()
        if status.warned:
            return (), (status.said,)
    return (), ()


def _unmet(
    learner_sex: Sex | None,
    searcher: StaffMember,
    witness: StaffMember | None,
    adult_witness: AppropriateAdult | None,
    same_sex: bool,
    witness_is_searcher: bool,
) -> list[str]:
    """Where the normal rule (a same-sex searcher, and a witness) is not met."""
    unmet: list[str] = []
    if learner_sex is None:
        unmet.append(
            "The learner's sex is not recorded, so a same-sex searcher cannot be confirmed."
        )
    elif searcher.sex is None:
        unmet.append(
            f"{searcher.name}'s sex is not recorded, so they cannot count as a same-sex searcher."
        )
    elif not same_sex:
        unmet.append(f"{searcher.name} is not {learner_sex.word}, the learner's sex.")
    if witness_is_searcher:
        unmet.append("The witness must be another member of staff, not the searcher.")
    elif witness is None and adult_witness is None:
        unmet.append("No witness: another member of staff must be present.")
    return unmet


def _lawful(
    searcher: StaffMember,
    witness: StaffMember | None,
    adult_witness: AppropriateAdult | None,
    witness_same_sex: bool,
    exception: UrgentException | None,
) -> list[str]:
    """The reasons a search meeting the normal rule gives: who searches and who witnesses."""
    if adult_witness is not None:
        reasons = [
            f"{searcher.name} is authorised to search and the same sex as the learner; "
            f"{_adult(adult_witness)} witnesses, the risk being significant."
        ]
    else:
        assert witness is not None
        reasons = [
            f"{searcher.name} is authorised to search and the same sex as the learner; "
            f"{witness.name} witnesses."
        ]
        if not witness_same_sex:
            reasons.append(
                "The witness is not the learner's sex (or it is not recorded): allowed, "
                "a same-sex witness is preferred where possible."
            )
    if exception is not None:
        reasons.append("The urgent exception was not needed: the normal rule is met.")
    return reasons


def duty_warnings(
    on_duty: Sequence[StaffMember],
    *,
    today: date | None = None,
    training: TrainingPolicy | None = None,
) -> tuple[str, ...]:
    """What the staff on duty could not do lawfully for a female or a male learner, once each;
    with `today` and `training` (R7), each searcher whose training is not up to date."""
    warnings: list[str] = []
    for sex in (Sex.FEMALE, Sex.MALE):
        for missing in search_requirement(sex, on_duty, today=today, training=training).missing:
            if missing not in warnings:
                warnings.append(missing)
    if today is not None and training is not None:
        warnings.extend(training_warnings(on_duty, today=today, policy=training))
    return tuple(warnings)
