"""The rules register's pure decisions, as tables: each test names the rule it holds."""

from __future__ import annotations

import pytest

from kiosk.domain.attendance import sent_home_check
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
from kiosk.domain.phones import Hold, confiscation_outcome
from kiosk.domain.search import Consent, consent_problems, parent_informed_problems

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
