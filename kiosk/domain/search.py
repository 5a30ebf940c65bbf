"""Who may search whom (Education Act 1996 ss.550ZA-550ZC; DfE 2022), and the one exception."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kiosk.domain.people import Sex, StaffMember

# Short enough to be a shrug, long enough to say something: "urgent" alone is not a justification.
MIN_EXCEPTION_REASON_LENGTH = 10

# R7: screening and searching training is renewed this often unless the school says otherwise.
DEFAULT_TRAINING_MONTHS = 12


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


def _distinct(on_duty: Sequence[StaffMember]) -> tuple[StaffMember, ...]:
    # The same person listed twice (two badges, two rota lines) is still one person.
    seen: set[str] = set()
    people: list[StaffMember] = []
    for member in on_duty:
        if member.staff_id not in seen:
            seen.add(member.staff_id)
            people.append(member)
    return tuple(people)


# --- R7: searchers up to date with their training ---------------------------------------------


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
    found = (search_training(m, today=today, policy=policy) for m in _distinct(on_duty))
    return tuple(t.said for t in found if t.member.may_search and t.warned)


def _barred(
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
    staff = _distinct(on_duty)
    missing: list[str] = []
    reasons: list[str] = []
    barred = _barred(staff, today, training)
    barred_ids = {m.staff_id for m in barred}

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

    suggested = searchers[0] if searchers else None

    def witness_order(member: StaffMember) -> tuple[int, int]:
        if learner_sex is not None and member.sex is learner_sex:
            by_sex = 0
        elif member.sex is None:
            by_sex = 1
        else:
            by_sex = 2
        return (by_sex, 0 if member.may_search else 1)

    others = (m for m in staff if suggested is None or m.staff_id != suggested.staff_id)
    witnesses = tuple(sorted(others, key=witness_order))
    same_sex_witness = learner_sex is not None and any(m.sex is learner_sex for m in witnesses)

    if not witnesses:
        if suggested is not None:
            missing.append(
                f"No witness on duty: another member of staff must be present besides "
                f"{suggested.name}."
            )
        else:
            missing.append("No member of staff on duty to act as a witness.")

    can_search = learner_sex is not None and bool(searchers) and bool(witnesses)
    if learner_sex is not None and can_search:
        reasons.insert(
            0,
            f"A lawful search is possible: an authorised {learner_sex.word} searcher and a "
            "witness are on duty.",
        )
    else:
        reasons.insert(
            0,
            "A search cannot follow the normal rule with the staff on duty; only the urgent "
            "exception would allow it.",
        )
    if searchers:
        reasons.append(f"Searchers: {_names(searchers)}.")
    if witnesses:
        reasons.append(f"Witness available: {_names(witnesses)}.")
        if learner_sex is not None and not same_sex_witness:
            reasons.append(
                f"No {learner_sex.word} witness on duty: a witness of the same sex is preferred "
                "but not required."
            )

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

    if not searcher.may_search:
        return refused(
            f"{searcher.name} is not authorised by the headteacher to search (role 'searcher'); "
            "the urgent exception never waives this."
        )
    trained: list[str] = []
    if today is not None and training is not None:
        status = search_training(searcher, today=today, policy=training)
        if not status.may_search:
            return refused(status.said, "The urgent exception never waives this.")
        if status.warned:
            trained.append(status.said)
    if witness is not None and adult_witness is not None:
        return refused("One witness: another member of staff, or a named adult, not both.")
    if adult_problems:
        return refused(*adult_problems)

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

    if not unmet and witness_present:
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


class Consent(StrEnum):
    """Whether the learner agreed to the search (seed 003: with consent, or by the power)."""

    YES = "yes"
    NO = "no"


# Without consent a search is only for what the law names (Education Act 1996 s.550ZA): the
# words of those items, as staff write what was sought (or touch a preset).
PROHIBITED_BY_LAW_WORDS: tuple[str, ...] = (
    "knife",
    "knives",
    "blade",
    "weapon",
    "alcohol",
    "drug",
    "stolen",
    "tobacco",
    "cigarette",
    "firework",
    "pornographic",
    "indecent",
    "offence",
    "injury",
    "damage",
)


def consent_problems(consent: Consent | None, sought: str) -> tuple[str, ...]:
    """What stops a search being recorded on the consent it was made with, if anything."""
    if consent is None:
        return ("Record whether the learner consented to the search.",)
    if consent is Consent.YES:
        return ()
    words = sought.casefold()
    if any(word in words for word in PROHIBITED_BY_LAW_WORDS):
        return ()
    return (
        "Without the learner's consent, a search is only for an item the law names (knives "
        "and weapons, alcohol, controlled drugs, stolen items, tobacco and cigarette papers, "
        "fireworks, pornographic images, or anything to commit an offence or cause injury or "
        "damage); the school's own banned items need consent.",
    )


PARENT_TOLD_HOW: tuple[str, ...] = ("phone", "in person", "email", "letter")


def parent_informed_problems(informed: bool, how: str) -> tuple[str, ...]:
    """Parents told: how must be said. Not told: recorded as not yet, with a reason if any."""
    if informed and not how.strip():
        return ("Say how the parent or carer was told (phone, in person, email, letter).",)
    return ()
