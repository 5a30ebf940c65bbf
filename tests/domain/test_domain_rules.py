"""The rules register's pure decisions, as tables: each test names the rule it holds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kiosk.domain.attendance import (
    INFLUENCE_COMMENT,
    Code,
    RefusalKind,
    mark_for_refusal,
    sent_home_check,
)
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.items import (
    LAW_CATEGORIES,
    RETURNS_TO_LEARNER,
    SUBSTANCES,
    Disposition,
    ItemCategory,
    categories_for,
    check_disposition,
    item_rule,
)
from kiosk.domain.lane import (
    EntryTapped,
    InfluenceSuspected,
    Lane,
    LanePolicy,
    Light,
    PhoneTaken,
    SaveAdmission,
    SaveRefusal,
    Signal,
    StaffAdmitted,
    Tell,
    start_session,
    step,
)
from kiosk.domain.people import Role, Sex, StaffMember
from kiosk.domain.phones import Hold, confiscation_outcome
from kiosk.domain.search import (
    AppropriateAdult,
    UrgentException,
    check_search,
    duty_warnings,
    search_requirement,
)
from kiosk.domain.search_record import Consent, consent_problems, parent_informed_problems
from kiosk.domain.search_training import (
    TrainingPolicy,
    TrainingState,
    search_training,
    training_due,
)

C, D = ItemCategory, Disposition


@pytest.mark.parametrize(
    ("category", "description"),
    [
        (C.LIGHTER, "clipper lighter"),
        (C.MATCHES, "box of matches"),
        (C.ALCOHOL, "can of cider"),
        (C.TOBACCO, "rolling papers"),
        (C.FIREWORKS, "bangers"),
        (C.VAPE, "disposable vape"),
        (C.LEGAL_HIGH, "herbal smoking mix"),
        # Recorded under the generic school-rules category, the words still give it away.
        (C.SCHOOL_RULES, "Clipper lighter"),
        (C.SCHOOL_RULES, "box of matches"),
        (C.SCHOOL_RULES, "vodka miniature"),
    ],
)
@pytest.mark.parametrize("back", sorted(RETURNS_TO_LEARNER))
def test_r15_alcohol_tobacco_lighters_and_fireworks_never_go_back_to_the_learner(
    category: ItemCategory, description: str, back: Disposition
) -> None:
    """R15: "returned to learner" is refused for them, whatever category they are put in."""
    check = check_disposition(category, back, description=description)
    assert not check.allowed


def test_r15_a_generic_school_rules_item_may_still_go_back_at_the_end_of_the_day() -> None:
    """R15: the refusal is for what the law names, not for every banned item."""
    check = check_disposition(C.SCHOOL_RULES, D.RETURN_END_OF_DAY, description="fidget spinner")
    assert check.allowed


@pytest.mark.parametrize(
    ("reason", "allowed", "dsl"),
    [("", False, False), ("   ", False, False), ("owner identified by her name on it", True, True)],
)
def test_r17_a_stolen_item_goes_back_to_its_owner_only_with_a_reason_and_the_dsl_told(
    reason: str, allowed: bool, dsl: bool
) -> None:
    """R17: return to owner needs a reason; the DSL is told (so police and parents can be)."""
    check = check_disposition(C.STOLEN, D.RETURNED_TO_OWNER, reason=reason)
    assert (check.allowed, check.notify_dsl) == (allowed, dsl)


@pytest.mark.parametrize("category", sorted(SUBSTANCES))
def test_r21_every_drug_and_substance_item_tells_the_dsl(category: ItemCategory) -> None:
    """R21: whatever becomes of a drug or substance, the DSL is told."""
    rule = item_rule(category)
    for disposition in rule.allowed:
        check = check_disposition(
            category, disposition, police_reference="CAD 1", reason="police advised it"
        )
        assert check.allowed and check.notify_dsl, disposition


@pytest.mark.parametrize(
    ("listed", "offered"),
    [
        ((), ()),
        (("e-cigarette", "lighter", "matches"), (C.VAPE, C.LIGHTER, C.MATCHES)),
        (("Lighter", "legal highs", "earphones"), (C.LIGHTER, C.LEGAL_HIGH, C.EARPHONES)),
        (("mobile phone",), (C.SCHOOL_RULES,)),
        (("vape", "e-cigarettes", "laser pen"), (C.VAPE, C.SCHOOL_RULES)),
    ],
)
def test_r14_the_school_rules_items_setting_drives_the_categories_offered(
    listed: tuple[str, ...], offered: tuple[ItemCategory, ...]
) -> None:
    """R14: the law's categories always; the school's own each as its own category."""
    assert categories_for(listed) == (*LAW_CATEGORIES, *offered)


@pytest.mark.parametrize(
    ("category", "never_back"),
    [(C.VAPE, True), (C.LIGHTER, True), (C.MATCHES, True), (C.LEGAL_HIGH, True),
     (C.EARPHONES, False)],
)  # fmt: skip
def test_r14_r33_each_school_item_has_its_own_disposal_rule(
    category: ItemCategory, never_back: bool
) -> None:
    """R14, R33: vapes, lighters, matches, legal highs never back; earphones a confiscation."""
    rule = item_rule(category)
    assert rule.never_returned_to_learner is never_back
    assert rule.default in rule.allowed
    if category is C.EARPHONES:
        assert D.RETURN_TO_PARENT in rule.allowed


@pytest.mark.parametrize(
    ("occurrence", "hold", "notify"),
    [
        (1, Hold.END_OF_DAY, False),
        (2, Hold.SECOND_DAY, False),
        (3, Hold.PARENT_COLLECTS, True),
        (4, Hold.PARENT_COLLECTS, True),
    ],
)
def test_r31_r32_confiscation_escalates_by_occurrence(
    occurrence: int, hold: Hold, notify: bool
) -> None:
    """R31, R32: the day, then a second day, then a parent collects (the officer told)."""
    outcome = confiscation_outcome(occurrence)
    assert (outcome.hold, outcome.notify, outcome.parent_must_collect) == (hold, notify, notify)


@pytest.mark.parametrize(
    ("reason", "allowed", "suspension"),
    [
        ("appointment", True, False),
        ("sent home", False, False),
        ("sent home: swearing at staff", False, False),
        ("Sent home: formal suspension (code E)", True, True),
    ],
)
def test_r29_sent_home_only_as_a_formal_suspension(
    reason: str, allowed: bool, suspension: bool
) -> None:
    """R29: sending a child home for discipline is unlawful without a formal suspension."""
    check = sent_home_check(reason)
    assert (check.allowed, check.suspension) == (allowed, suspension)
    if not allowed:
        assert "unlawful" in check.reasons[0]


@pytest.mark.parametrize(
    ("consent", "sought", "ok"),
    [
        (None, "knife", False),
        (Consent.YES, "vape", True),
        (Consent.NO, "knife", True),
        (Consent.NO, "controlled drugs", True),
        (Consent.NO, "stolen phone", True),
        (Consent.NO, "vape", False),
        (Consent.NO, "mobile phone", False),
    ],
)
def test_r12_without_consent_only_for_the_items_the_law_names(
    consent: Consent | None, sought: str, ok: bool
) -> None:
    """R12: consent recorded; without it, a search only for the law's prohibited items."""
    assert (consent_problems(consent, sought) == ()) is ok


@pytest.mark.parametrize(
    ("informed", "how", "ok"),
    [(True, "", False), (True, "phone", True), (False, "", True)],
)
def test_r23_parents_told_says_how(informed: bool, how: str, ok: bool) -> None:
    """R23: "parent informed: yes" needs how; "no" is recorded as not yet told."""
    assert (parent_informed_problems(informed, how) == ()) is ok


# --- R6: a family member or an appropriate adult as the witness --------------------------------

SEARCHER = frozenset({Role.SEARCHER, Role.SCREENER})
KHAN = StaffMember("S1", "Aisha Khan", Sex.FEMALE, SEARCHER, date(2026, 9, 1))
REID = StaffMember("S2", "Daniel Reid", Sex.MALE, SEARCHER, date(2026, 9, 1))
EVANS = StaffMember("S3", "Bethan Evans", Sex.FEMALE, frozenset({Role.SCREENER}))
MOTHER = AppropriateAdult("Ngozi Okafor", "parent", significant_risk=True)


@pytest.mark.parametrize(
    ("adult", "allowed", "said"),
    [
        (MOTHER, True, "Ngozi Okafor (parent, not a member of staff) witnesses"),
        (AppropriateAdult("Tom Hale", "appropriate adult", True), True, "not a member of staff"),
        (AppropriateAdult("Ngozi Okafor", "parent", False), False, "only where the risk is"),
        (AppropriateAdult("  ", "parent", True), False, "Write the full name"),
        (AppropriateAdult("Ngozi Okafor", " ", True), False, "Write their relation"),
    ],
)
def test_r6_an_adult_witness_is_named_with_a_relation_and_only_where_the_risk_is_significant(
    adult: AppropriateAdult, allowed: bool, said: str
) -> None:
    """R6: with no member of staff to witness, a named family member or appropriate adult may,
    where the risk is significant; the check says they are not staff."""
    check = check_search(learner_sex=Sex.FEMALE, searcher=KHAN, witness=None, adult_witness=adult)
    assert check.allowed is allowed
    assert check.witness_present is allowed and not check.exception_used
    assert any(said in reason for reason in check.reasons), check.reasons


@pytest.mark.parametrize(
    ("searcher", "exception", "allowed", "exception_used"),
    [
        (KHAN, None, True, False),  # same sex, authorised: the adult witnesses
        (REID, None, False, False),  # a man searching a girl: the adult never waives that
        (REID, UrgentException(True, True, "a blade shown at the gate, no woman on site"),
         True, True),  # only the urgent exception, flagged for the DSL
        (EVANS, None, False, False),  # not authorised: never
    ],
)  # fmt: skip
def test_r6_an_adult_witness_never_waives_an_authorised_same_sex_searcher(
    searcher: StaffMember, exception: UrgentException | None, allowed: bool, exception_used: bool
) -> None:
    """R6: the adult stands in for the staff witness only; the searcher is still authorised
    and the learner's sex, save under the urgent exception."""
    check = check_search(
        learner_sex=Sex.FEMALE,
        searcher=searcher,
        witness=None,
        exception=exception,
        adult_witness=MOTHER,
    )
    assert (check.allowed, check.exception_used, check.notify_dsl) == (
        allowed,
        exception_used,
        exception_used,
    )


def test_r6_one_witness_a_member_of_staff_or_a_named_adult() -> None:
    """R6: a staff witness and an adult witness at once is refused, not guessed between."""
    check = check_search(learner_sex=Sex.FEMALE, searcher=KHAN, witness=EVANS, adult_witness=MOTHER)
    assert not check.allowed and "not both" in check.reasons[0]


# --- R7: searchers up to date with their training ----------------------------------------------


@pytest.mark.parametrize(
    ("trained", "months", "due"),
    [
        (date(2025, 11, 23), 12, date(2026, 11, 23)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # to the last day of a shorter month
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 9, 1), 6, date(2027, 3, 1)),
        (date(2026, 11, 15), 60, date(2031, 11, 15)),
    ],
)
def test_r7_training_runs_out_the_configured_months_after_it_was_done(
    trained: date, months: int, due: date
) -> None:
    """R7: `search_training_months` after the training date, in calendar months."""
    assert training_due(trained, months) == due


TODAY = date(2026, 11, 23)
LAPSED = StaffMember("S4", "Mark Taylor", Sex.MALE, SEARCHER, date(2025, 6, 30))
UNDATED = StaffMember("S5", "Sam Hughes", Sex.MALE, SEARCHER)
WARN_ONLY, STRICT = TrainingPolicy(12, True), TrainingPolicy(12, False)


@pytest.mark.parametrize(
    ("member", "policy", "state", "may", "warning"),
    [
        (REID, STRICT, TrainingState.CURRENT, True, ""),
        (LAPSED, WARN_ONLY, TrainingState.LAPSED, True,
         "Mark Taylor's search training ran out on 2026-06-30 (trained 2025-06-30): the "
         "school's policy still lets them search; book their training."),
        (LAPSED, STRICT, TrainingState.LAPSED, False,
         "Mark Taylor's search training ran out on 2026-06-30 (trained 2025-06-30): not "
         "offered as a searcher until trained (the school's policy)."),
        (UNDATED, WARN_ONLY, TrainingState.NOT_RECORDED, True,
         "Sam Hughes has no search training date on record: the school's policy still lets "
         "them search; book their training."),
        (UNDATED, STRICT, TrainingState.NOT_RECORDED, False,
         "Sam Hughes has no search training date on record: not offered as a searcher until "
         "trained (the school's policy)."),
    ],
)  # fmt: skip
def test_r7_a_searcher_past_their_training_is_warned_and_the_policy_decides_if_they_search(
    member: StaffMember, policy: TrainingPolicy, state: TrainingState, may: bool, warning: str
) -> None:
    """R7: past its expiry (or with no date) the searcher is warned on the duty panel; the
    policy decides whether they are offered, and accepted, as searcher, the exception too."""
    training = search_training(member, today=TODAY, policy=policy)
    assert (training.state, training.may_search) == (state, may)
    on_duty = [member, EVANS]
    warnings = duty_warnings(on_duty, today=TODAY, training=policy)
    assert (warning in warnings) is bool(warning)
    assert duty_warnings(on_duty) == duty_warnings(on_duty, today=None, training=None)
    requirement = search_requirement(Sex.MALE, on_duty, today=TODAY, training=policy)
    assert (member in requirement.searchers) is may
    assert (member in requirement.barred) is not may
    urgent = UrgentException(True, True, "a knife shown at the gate, nobody else near")
    check = check_search(
        learner_sex=Sex.MALE,
        searcher=member,
        witness=EVANS,
        exception=urgent,
        today=TODAY,
        training=policy,
    )
    assert check.allowed is may
    if warning:
        assert warning in check.reasons


# --- R28: under the influence -------------------------------------------------------------------


def test_r28_under_the_influence_is_O_not_an_exclusion_with_the_dsl_and_a_parent() -> None:
    """R28: not admitted, suspected under the influence: an unauthorised absence (O) with its
    own comment, never an exclusion; the DSL told and a parent or carer collects."""
    mark = mark_for_refusal(RefusalKind.INFLUENCE)
    assert (mark.code, mark.comment) == (Code.REFUSED, INFLUENCE_COMMENT)
    assert INFLUENCE_COMMENT == "not admitted: awaiting collection by a parent or carer"
    (reason,) = mark.reasons
    assert "not an exclusion" in reason and "safeguarding lead" in reason
    assert "parent or carer" in reason


T0 = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "before",
    [
        pytest.param([], id="at-the-phone-step"),
        pytest.param([PhoneTaken(T0, 1, no_phone=True)], id="at-the-arch"),
    ],
)
def test_r28_a_learner_suspected_under_the_influence_leaves_the_lane_not_admitted(
    before: list[PhoneTaken],
) -> None:
    """R28: at any step the lane records the O (with the note and whether staff told the DSL
    themselves), shows the learner only to wait, and never admits them after."""
    policy = LanePolicy()
    lane: Lane = start_session(T0.date(), SchoolSession.AM, frozenset())
    for event in (EntryTapped(T0, 1, "Chidi", late=False, selected=True), *before):
        lane = step(lane, event, event.at, policy).lane
    stepped = step(lane, InfluenceSuspected(T0, 1, " smelt of cannabis ", True), T0, policy)
    assert stepped.effects[:2] == (
        SaveRefusal(1, RefusalKind.INFLUENCE, "smelt of cannabis", dsl_told=True),
        Light(Signal.REFUSED),
    )
    (told,) = [e for e in stepped.effects if isinstance(e, Tell)]
    assert told.next_step == "Please wait with a member of staff." and not told.admitted
    assert stepped.lane.find(1) is None and stepped.lane.outcome_of(1) == "refused"
    after = step(stepped.lane, StaffAdmitted(T0, 1), T0, policy)
    assert after.rejected is not None
    assert not any(isinstance(e, SaveAdmission) for e in after.effects)
