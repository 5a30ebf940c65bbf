"""What becomes of each category of item found, as tables."""

from __future__ import annotations

import pytest

from kiosk.domain.items import (
    RETURNS_TO_LEARNER,
    Disposition,
    ItemCategory,
    check_disposition,
    item_rule,
)

C = ItemCategory
D = Disposition


@pytest.mark.parametrize(
    ("category", "allowed", "default", "never_returned"),
    [
        pytest.param(C.WEAPON, {D.POLICE}, D.POLICE, True, id="weapon-police"),
        pytest.param(C.OFFENCE_EVIDENCE, {D.POLICE}, D.POLICE, True, id="evidence-police"),
        pytest.param(
            C.CONTROLLED_DRUG, {D.POLICE, D.DISPOSED}, D.POLICE, True, id="drug-police-or-disposed"
        ),
        pytest.param(
            C.STOLEN, {D.POLICE, D.RETURNED_TO_OWNER}, D.POLICE, True, id="stolen-police-or-owner"
        ),
        pytest.param(
            C.ALCOHOL, {D.RETAINED, D.DISPOSED}, D.RETAINED, True, id="alcohol-retain-or-dispose"
        ),
        pytest.param(
            C.TOBACCO, {D.RETAINED, D.DISPOSED}, D.RETAINED, True, id="tobacco-retain-or-dispose"
        ),
        pytest.param(
            C.FIREWORKS,
            {D.RETAINED, D.DISPOSED},
            D.RETAINED,
            True,
            id="fireworks-retain-or-dispose",
        ),
        pytest.param(C.PORNOGRAPHY, {D.DISPOSED}, D.DISPOSED, True, id="pornography-disposed"),
        pytest.param(C.INDECENT_IMAGE_OF_CHILD, {D.POLICE}, D.POLICE, True, id="indecent-police"),
        pytest.param(
            C.LIKELY_OFFENCE_OR_HARM,
            {D.POLICE, D.RETAINED, D.DISPOSED},
            D.RETAINED,
            True,
            id="harm-item-police-or-retain-or-dispose",
        ),
        pytest.param(
            C.SCHOOL_RULES,
            {D.RETURN_END_OF_LESSON, D.RETURN_END_OF_DAY, D.RETURN_TO_PARENT, D.RETAINED},
            D.RETURN_END_OF_DAY,
            False,
            id="school-rules-returned-per-policy",
        ),
    ],
)
def test_each_category_has_the_dispositions_the_law_allows(
    category: ItemCategory, allowed: set[Disposition], default: Disposition, never_returned: bool
) -> None:
    rule = item_rule(category)
    assert rule.category is category
    assert set(rule.allowed) == allowed
    assert rule.default is default
    assert rule.never_returned_to_learner is never_returned
    assert rule.reasons


@pytest.mark.parametrize("category", list(ItemCategory), ids=str)
def test_every_category_has_a_rule_whose_default_is_allowed(category: ItemCategory) -> None:
    rule = item_rule(category)
    assert rule.default in rule.allowed
    assert category.label


@pytest.mark.parametrize("category", list(ItemCategory), ids=str)
def test_never_returned_to_learner_agrees_with_what_is_allowed(category: ItemCategory) -> None:
    rule = item_rule(category)
    returns = any(d in RETURNS_TO_LEARNER for d in rule.allowed)
    assert rule.never_returned_to_learner is not returns


@pytest.mark.parametrize("category", list(ItemCategory), ids=str)
def test_a_police_hand_over_always_needs_the_reference(category: ItemCategory) -> None:
    rule = item_rule(category)
    assert (D.POLICE in rule.allowed) is (D.POLICE in rule.police_reference_required_for)


REF = "CR/12345/24"


@pytest.mark.parametrize(
    ("category", "disposition", "reference", "reason", "allowed", "notify_dsl", "to_follow"),
    [
        pytest.param(C.WEAPON, D.POLICE, REF, "", True, True, False, id="weapon-to-police"),
        pytest.param(
            C.WEAPON, D.POLICE, "  ", "", False, False, False, id="weapon-to-police-needs-reference"
        ),
        pytest.param(
            C.WEAPON,
            D.POLICE,
            "",
            "Officer collecting at 14:00, reference to follow",
            True,
            True,
            True,
            id="police-reference-to-follow-with-a-reason",
        ),
        pytest.param(C.WEAPON, D.RETAINED, "", "", False, False, False, id="weapon-never-kept"),
        pytest.param(
            C.WEAPON,
            D.RETURN_END_OF_DAY,
            "",
            "",
            False,
            False,
            False,
            id="weapon-never-returned",
        ),
        pytest.param(
            C.OFFENCE_EVIDENCE, D.POLICE, REF, "", True, True, False, id="evidence-to-police"
        ),
        pytest.param(
            C.OFFENCE_EVIDENCE, D.DISPOSED, "", "x", False, False, False, id="evidence-not-disposed"
        ),
        pytest.param(C.CONTROLLED_DRUG, D.POLICE, REF, "", True, True, False, id="drug-to-police"),
        pytest.param(
            C.CONTROLLED_DRUG,
            D.DISPOSED,
            "",
            "Tiny residue, police advised disposal by phone",
            True,
            True,
            False,
            id="drug-disposed-with-written-reason-tells-dsl",
        ),
        pytest.param(
            C.CONTROLLED_DRUG,
            D.DISPOSED,
            "",
            "   ",
            False,
            False,
            False,
            id="drug-disposed-without-reason-refused",
        ),
        pytest.param(C.STOLEN, D.POLICE, REF, "", True, True, False, id="stolen-to-police"),
        pytest.param(
            C.STOLEN,
            D.RETURNED_TO_OWNER,
            "",
            "owner identified, phone's lock screen",
            True,
            True,
            False,
            id="r17-stolen-back-to-owner-with-a-reason-tells-dsl",
        ),
        pytest.param(
            C.STOLEN,
            D.RETURNED_TO_OWNER,
            "",
            "",
            False,
            False,
            False,
            id="r17-stolen-back-to-owner-without-a-reason-refused",
        ),
        pytest.param(
            C.STOLEN, D.RETURN_END_OF_DAY, "", "", False, False, False, id="stolen-not-to-learner"
        ),
        pytest.param(
            C.ALCOHOL, D.RETAINED, "", "", True, True, False, id="r21-alcohol-retained-tells-dsl"
        ),
        pytest.param(
            C.ALCOHOL, D.DISPOSED, "", "", True, True, False, id="r21-alcohol-disposed-tells-dsl"
        ),
        pytest.param(
            C.ALCOHOL,
            D.RETURN_END_OF_DAY,
            "",
            "",
            False,
            False,
            False,
            id="alcohol-never-returned-to-learner",
        ),
        pytest.param(
            C.ALCOHOL, D.RETURN_TO_PARENT, "", "", False, False, False, id="alcohol-not-to-parent"
        ),
        pytest.param(C.TOBACCO, D.DISPOSED, "", "", True, False, False, id="tobacco-disposed"),
        pytest.param(
            C.TOBACCO,
            D.RETURN_END_OF_LESSON,
            "",
            "",
            False,
            False,
            False,
            id="tobacco-never-returned-to-learner",
        ),
        pytest.param(C.FIREWORKS, D.RETAINED, "", "", True, False, False, id="fireworks-retained"),
        pytest.param(
            C.FIREWORKS,
            D.RETURN_END_OF_DAY,
            "",
            "",
            False,
            False,
            False,
            id="fireworks-never-returned-to-learner",
        ),
        pytest.param(
            C.PORNOGRAPHY, D.DISPOSED, "", "", True, False, False, id="pornography-disposed"
        ),
        pytest.param(
            C.PORNOGRAPHY,
            D.RETURN_END_OF_DAY,
            "",
            "",
            False,
            False,
            False,
            id="pornography-not-returned",
        ),
        pytest.param(
            C.INDECENT_IMAGE_OF_CHILD,
            D.POLICE,
            REF,
            "",
            True,
            True,
            False,
            id="indecent-image-to-police",
        ),
        pytest.param(
            C.INDECENT_IMAGE_OF_CHILD,
            D.DISPOSED,
            "",
            "deleted it",
            False,
            False,
            False,
            id="indecent-image-never-disposed",
        ),
        pytest.param(
            C.LIKELY_OFFENCE_OR_HARM,
            D.POLICE,
            REF,
            "",
            True,
            True,
            False,
            id="harm-item-to-police-when-offence-suspected",
        ),
        pytest.param(
            C.LIKELY_OFFENCE_OR_HARM, D.RETAINED, "", "", True, False, False, id="harm-item-kept"
        ),
        pytest.param(
            C.LIKELY_OFFENCE_OR_HARM,
            D.DISPOSED,
            "",
            "",
            True,
            False,
            False,
            id="harm-item-disposed",
        ),
        pytest.param(
            C.LIKELY_OFFENCE_OR_HARM,
            D.RETURN_END_OF_DAY,
            "",
            "",
            False,
            False,
            False,
            id="harm-item-not-returned",
        ),
        pytest.param(
            C.SCHOOL_RULES,
            D.RETURN_END_OF_LESSON,
            "",
            "",
            True,
            False,
            False,
            id="school-rules-end-of-lesson",
        ),
        pytest.param(
            C.SCHOOL_RULES,
            D.RETURN_END_OF_DAY,
            "",
            "",
            True,
            False,
            False,
            id="school-rules-end-of-day",
        ),
        pytest.param(
            C.SCHOOL_RULES,
            D.RETURN_TO_PARENT,
            "",
            "",
            True,
            False,
            False,
            id="school-rules-to-parent",
        ),
        pytest.param(
            C.SCHOOL_RULES,
            D.RETAINED,
            "",
            "Second phone confiscation: held a second day",
            True,
            False,
            False,
            id="school-rules-held-longer-with-reason",
        ),
        pytest.param(
            C.SCHOOL_RULES,
            D.RETAINED,
            "",
            "",
            False,
            False,
            False,
            id="school-rules-held-longer-needs-reason",
        ),
        pytest.param(
            C.SCHOOL_RULES, D.DISPOSED, "", "", False, False, False, id="school-rules-not-disposed"
        ),
        pytest.param(
            C.SCHOOL_RULES, D.POLICE, REF, "", False, False, False, id="school-rules-not-police"
        ),
    ],
)
def test_item_disposition_is_allowed_only_as_its_category_says(
    category: ItemCategory,
    disposition: Disposition,
    reference: str,
    reason: str,
    allowed: bool,
    notify_dsl: bool,
    to_follow: bool,
) -> None:
    """R16, R19, R20: police items; drugs destroyed, other items kept, only with a reason."""
    check = check_disposition(category, disposition, police_reference=reference, reason=reason)
    assert (check.allowed, check.notify_dsl, check.reference_to_follow) == (
        allowed,
        notify_dsl,
        to_follow,
    )
    assert check.reasons


@pytest.mark.parametrize(
    ("category", "disposition", "reference", "reason", "says"),
    [
        pytest.param(
            C.ALCOHOL,
            D.RETURN_END_OF_DAY,
            "",
            "",
            "never returned to the learner",
            id="never-returned",
        ),
        pytest.param(
            C.WEAPON,
            D.RETAINED,
            "",
            "",
            "Knives and weapons cannot be retained: only handed to police.",
            id="refusal-names-what-is-allowed",
        ),
        pytest.param(
            C.WEAPON, D.POLICE, "", "", "needs the police reference", id="reference-needed"
        ),
        pytest.param(
            C.WEAPON, D.POLICE, f"  {REF} ", "", f"Police reference: {REF}.", id="reference-kept"
        ),
        pytest.param(
            C.WEAPON,
            D.POLICE,
            "",
            "reference to follow",
            "No police reference yet",
            id="reference-to-follow-is-named",
        ),
        pytest.param(
            C.CONTROLLED_DRUG, D.DISPOSED, "", "", "write down the reason", id="reason-needed"
        ),
        pytest.param(
            C.PORNOGRAPHY,
            D.POLICE,
            REF,
            "",
            "record them as that instead",
            id="pornography-points-to-indecent-category",
        ),
        pytest.param(
            C.STOLEN, D.POLICE, REF, "", "safeguarding lead will be told", id="police-tells-dsl"
        ),
    ],
)
def test_disposition_check_says_why(
    category: ItemCategory, disposition: Disposition, reference: str, reason: str, says: str
) -> None:
    check = check_disposition(category, disposition, police_reference=reference, reason=reason)
    assert any(says in line for line in check.reasons), check.reasons
