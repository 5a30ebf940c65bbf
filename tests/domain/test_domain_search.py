"""Who may search whom, the witness, and the one urgent exception, as tables."""

from __future__ import annotations

import pytest

from kiosk.domain.people import Role, Sex, StaffMember
from kiosk.domain.search import (
    SEARCH_SCOPE,
    SearchLevel,
    UrgentException,
    check_search,
    search_requirement,
)


def staff(staff_id: str, name: str, sex: Sex | None, *roles: Role) -> StaffMember:
    return StaffMember(staff_id, name, sex, frozenset(roles))


KHAN = staff("S1", "Ms A Khan", Sex.FEMALE, Role.SEARCHER, Role.SCREENER)
JONES = staff("S2", "Ms B Jones", Sex.FEMALE, Role.SEARCHER)
SMITH = staff("S3", "Mr C Smith", Sex.MALE, Role.SEARCHER)
PATEL = staff("S4", "Mrs D Patel", Sex.FEMALE, Role.SCREENER)
BROWN = staff("S5", "Mr E Brown", Sex.MALE, Role.SCREENER)
UNRECORDED_SEARCHER = staff("S6", "Sam Lee", None, Role.SEARCHER)
UNRECORDED_SCREENER = staff("S7", "Alex Kay", None, Role.SCREENER)
ADMIN_ONLY = staff("S8", "Ms F Admin", Sex.FEMALE, Role.ADMIN, Role.DSL)

GOOD_REASON = "Learner showed a blade and threatened others at the gate"
FULL_EXCEPTION = UrgentException(serious_harm_risk=True, not_practicable=True, reason=GOOD_REASON)


@pytest.mark.parametrize(
    ("learner_sex", "on_duty", "lawful", "searchers", "witnesses", "same_sex_witness", "missing"),
    [
        pytest.param(
            Sex.FEMALE,
            [KHAN, PATEL],
            True,
            [KHAN],
            [PATEL],
            True,
            "",
            id="female-searcher-and-female-witness",
        ),
        pytest.param(
            Sex.FEMALE,
            [KHAN, JONES],
            True,
            [KHAN, JONES],
            [JONES],
            True,
            "",
            id="two-authorised-searchers-witness-each-other",
        ),
        pytest.param(
            Sex.FEMALE,
            [KHAN, BROWN],
            True,
            [KHAN],
            [BROWN],
            False,
            "",
            id="witness-of-other-sex-is-allowed",
        ),
        pytest.param(
            Sex.MALE,
            [SMITH, PATEL],
            True,
            [SMITH],
            [PATEL],
            False,
            "",
            id="male-learner-male-searcher",
        ),
        pytest.param(
            Sex.FEMALE,
            [KHAN],
            False,
            [KHAN],
            [],
            False,
            "No witness on duty: another member of staff must be present besides Ms A Khan.",
            id="lone-searcher-has-no-witness",
        ),
        pytest.param(
            Sex.FEMALE,
            [KHAN, KHAN],
            False,
            [KHAN],
            [],
            False,
            "No witness on duty",
            id="same-person-listed-twice-is-one-person",
        ),
        pytest.param(
            Sex.FEMALE,
            [SMITH, BROWN, PATEL],
            False,
            [],
            [PATEL, SMITH, BROWN],
            True,
            "No authorised female searcher on duty.",
            id="no-same-sex-searcher",
        ),
        pytest.param(
            Sex.FEMALE,
            [UNRECORDED_SEARCHER, PATEL],
            False,
            [],
            [PATEL, UNRECORDED_SEARCHER],
            True,
            "No authorised female searcher on duty.",
            id="searcher-of-unrecorded-sex-is-never-counted",
        ),
        pytest.param(
            Sex.FEMALE,
            [ADMIN_ONLY, PATEL],
            False,
            [],
            [ADMIN_ONLY, PATEL],
            True,
            "No authorised female searcher on duty.",
            id="admin-and-dsl-roles-do-not-authorise-search",
        ),
        pytest.param(
            None,
            [KHAN, SMITH, PATEL],
            False,
            [],
            [KHAN, SMITH, PATEL],
            False,
            "The learner's sex is not recorded",
            id="unrecorded-learner-sex-is-flagged-not-guessed",
        ),
        pytest.param(
            Sex.MALE,
            [],
            False,
            [],
            [],
            False,
            "No member of staff on duty to act as a witness.",
            id="nobody-on-duty",
        ),
    ],
)
def test_search_requirement_names_same_sex_searchers_and_witnesses(
    learner_sex: Sex | None,
    on_duty: list[StaffMember],
    lawful: bool,
    searchers: list[StaffMember],
    witnesses: list[StaffMember],
    same_sex_witness: bool,
    missing: str,
) -> None:
    need = search_requirement(learner_sex, on_duty)
    assert need.can_search_lawfully is lawful
    assert need.searchers == tuple(searchers)
    assert need.witnesses == tuple(witnesses)
    assert need.same_sex_witness_available is same_sex_witness
    if missing:
        assert any(missing in line for line in need.missing), need.missing
    else:
        assert need.missing == ()


def test_search_requirement_names_them_in_its_reasons() -> None:
    need = search_requirement(Sex.FEMALE, [KHAN, JONES, BROWN])
    assert "Searchers: Ms A Khan, Ms B Jones." in need.reasons
    assert "Witness available: Ms B Jones, Mr E Brown." in need.reasons


def test_search_requirement_says_why_a_searcher_of_unrecorded_sex_is_left_out() -> None:
    need = search_requirement(Sex.MALE, [UNRECORDED_SEARCHER, SMITH, BROWN])
    assert need.searchers == (SMITH,)
    assert any("sex is not recorded: Sam Lee" in line for line in need.reasons)


def test_search_requirement_with_no_missing_says_no_same_sex_witness_is_a_preference() -> None:
    need = search_requirement(Sex.FEMALE, [KHAN, BROWN])
    assert any("preferred but not required" in line for line in need.reasons)


def test_witnesses_are_same_sex_first_then_authorised_then_unrecorded_then_other_sex() -> None:
    """R3, R5: same-sex witnesses offered first, authorised staff before the others."""
    need = search_requirement(Sex.FEMALE, [BROWN, UNRECORDED_SCREENER, PATEL, JONES, KHAN])
    assert need.searchers == (JONES, KHAN)
    # Jones is the suggested searcher, so she is not her own witness.
    assert need.witnesses == (KHAN, PATEL, UNRECORDED_SCREENER, BROWN)


ONLY_HARM = UrgentException(serious_harm_risk=True, not_practicable=False, reason=GOOD_REASON)
ONLY_IMPRACTICABLE = UrgentException(
    serious_harm_risk=False, not_practicable=True, reason=GOOD_REASON
)
BLANK_REASON = UrgentException(serious_harm_risk=True, not_practicable=True, reason="    ")
SHORT_REASON = UrgentException(serious_harm_risk=True, not_practicable=True, reason=" urgent! ")
PADDED_REASON = UrgentException(
    serious_harm_risk=True, not_practicable=True, reason="  knife seen "
)


@pytest.mark.parametrize(
    (
        "learner_sex",
        "searcher",
        "witness",
        "exception",
        "allowed",
        "same_sex",
        "witness_present",
        "witness_same_sex",
        "used",
    ),
    [
        pytest.param(
            Sex.FEMALE, KHAN, PATEL, None, True, True, True, True, False, id="normal-rule-met"
        ),
        pytest.param(
            Sex.MALE, SMITH, BROWN, None, True, True, True, True, False, id="normal-rule-met-male"
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            JONES,
            None,
            True,
            True,
            True,
            True,
            False,
            id="two-authorised-staff",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            BROWN,
            None,
            True,
            True,
            True,
            False,
            False,
            id="witness-of-other-sex-allowed-and-reported",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            UNRECORDED_SCREENER,
            None,
            True,
            True,
            True,
            False,
            False,
            id="witness-of-unrecorded-sex-allowed-not-same-sex",
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            PATEL,
            None,
            False,
            False,
            True,
            True,
            False,
            id="searcher-of-other-sex-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            None,
            None,
            False,
            True,
            False,
            False,
            False,
            id="no-witness-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            KHAN,
            None,
            False,
            True,
            False,
            False,
            False,
            id="witness-who-is-the-searcher-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            PATEL,
            KHAN,
            None,
            False,
            True,
            True,
            True,
            False,
            id="unauthorised-searcher-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            ADMIN_ONLY,
            PATEL,
            None,
            False,
            True,
            True,
            True,
            False,
            id="admin-is-not-authorised-to-search",
        ),
        pytest.param(
            Sex.FEMALE,
            PATEL,
            KHAN,
            FULL_EXCEPTION,
            False,
            True,
            True,
            True,
            False,
            id="exception-never-waives-authorisation",
        ),
        pytest.param(
            Sex.FEMALE,
            BROWN,
            None,
            FULL_EXCEPTION,
            False,
            False,
            False,
            False,
            False,
            id="unauthorised-other-sex-alone-with-exception-refused",
        ),
        pytest.param(
            None,
            KHAN,
            PATEL,
            None,
            False,
            False,
            True,
            False,
            False,
            id="unrecorded-learner-sex-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            UNRECORDED_SEARCHER,
            PATEL,
            None,
            False,
            False,
            True,
            True,
            False,
            id="searcher-of-unrecorded-sex-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            None,
            FULL_EXCEPTION,
            True,
            False,
            False,
            False,
            True,
            id="exception-allows-other-sex-searcher-alone",
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            BROWN,
            FULL_EXCEPTION,
            True,
            False,
            True,
            False,
            True,
            id="exception-allows-other-sex-searcher-with-witness",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            None,
            FULL_EXCEPTION,
            True,
            True,
            False,
            False,
            True,
            id="exception-allows-same-sex-searcher-without-witness",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            KHAN,
            FULL_EXCEPTION,
            True,
            True,
            False,
            False,
            True,
            id="exception-allows-searcher-without-another-witness",
        ),
        pytest.param(
            None,
            KHAN,
            PATEL,
            FULL_EXCEPTION,
            True,
            False,
            True,
            False,
            True,
            id="exception-allows-unrecorded-learner-sex",
        ),
        pytest.param(
            Sex.FEMALE,
            UNRECORDED_SEARCHER,
            PATEL,
            FULL_EXCEPTION,
            True,
            False,
            True,
            True,
            True,
            id="exception-allows-searcher-of-unrecorded-sex",
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            None,
            ONLY_HARM,
            False,
            False,
            False,
            False,
            False,
            id="exception-without-impracticable-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            None,
            ONLY_IMPRACTICABLE,
            False,
            False,
            False,
            False,
            False,
            id="exception-without-serious-harm-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            None,
            BLANK_REASON,
            False,
            False,
            False,
            False,
            False,
            id="exception-with-blank-reason-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            None,
            SHORT_REASON,
            False,
            False,
            False,
            False,
            False,
            id="exception-with-one-word-reason-refused",
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            None,
            PADDED_REASON,
            True,
            False,
            False,
            False,
            True,
            id="exception-reason-is-measured-without-spaces",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            PATEL,
            FULL_EXCEPTION,
            True,
            True,
            True,
            True,
            False,
            id="exception-offered-when-rule-met-is-not-used",
        ),
    ],
)
def test_search_is_allowed_only_under_the_rule_or_the_urgent_exception(
    learner_sex: Sex | None,
    searcher: StaffMember,
    witness: StaffMember | None,
    exception: UrgentException | None,
    allowed: bool,
    same_sex: bool,
    witness_present: bool,
    witness_same_sex: bool,
    used: bool,
) -> None:
    """R1, R2, R3, R4, R5: an authorised same-sex searcher and a staff witness, or the exception."""
    check = check_search(
        learner_sex=learner_sex, searcher=searcher, witness=witness, exception=exception
    )
    assert (
        check.allowed,
        check.same_sex_searcher,
        check.witness_present,
        check.witness_same_sex,
        check.exception_used,
    ) == (allowed, same_sex, witness_present, witness_same_sex, used)
    # Only the exception, actually used, goes to the designated safeguarding lead.
    assert check.notify_dsl is used
    assert check.reasons


@pytest.mark.parametrize(
    ("learner_sex", "searcher", "witness", "exception", "says"),
    [
        pytest.param(
            Sex.FEMALE,
            PATEL,
            KHAN,
            FULL_EXCEPTION,
            "Mrs D Patel is not authorised by the headteacher to search",
            id="unauthorised",
        ),
        pytest.param(
            Sex.FEMALE, SMITH, PATEL, None, "Mr C Smith is not female", id="other-sex-searcher"
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            KHAN,
            None,
            "The witness must be another member of staff, not the searcher.",
            id="witness-is-searcher",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            None,
            None,
            "No witness: another member of staff must be present.",
            id="no-witness",
        ),
        pytest.param(
            None, KHAN, PATEL, None, "The learner's sex is not recorded", id="learner-sex-unknown"
        ),
        pytest.param(
            Sex.FEMALE,
            UNRECORDED_SEARCHER,
            PATEL,
            None,
            "Sam Lee's sex is not recorded",
            id="searcher-sex-unknown",
        ),
        pytest.param(
            Sex.FEMALE, SMITH, None, ONLY_HARM, "not reasonably practicable", id="no-impracticable"
        ),
        pytest.param(
            Sex.FEMALE, SMITH, None, ONLY_IMPRACTICABLE, "risk of serious harm", id="no-harm"
        ),
        pytest.param(
            Sex.FEMALE, SMITH, None, BLANK_REASON, "written justification", id="blank-reason"
        ),
        pytest.param(
            Sex.FEMALE,
            SMITH,
            None,
            FULL_EXCEPTION,
            f"Urgent exception used: {GOOD_REASON}",
            id="exception-reason-recorded",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            PATEL,
            FULL_EXCEPTION,
            "The urgent exception was not needed",
            id="exception-not-needed",
        ),
        pytest.param(
            Sex.FEMALE,
            KHAN,
            BROWN,
            None,
            "a same-sex witness is preferred",
            id="other-sex-witness-reported",
        ),
    ],
)
def test_search_check_says_why(
    learner_sex: Sex | None,
    searcher: StaffMember,
    witness: StaffMember | None,
    exception: UrgentException | None,
    says: str,
) -> None:
    check = check_search(
        learner_sex=learner_sex, searcher=searcher, witness=witness, exception=exception
    )
    assert any(says in line for line in check.reasons), check.reasons


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("outer clothing", id="outer-clothing"),
        pytest.param("hat", id="hat"),
        pytest.param("shoes", id="shoes"),
        pytest.param("boots", id="boots"),
        pytest.param("gloves", id="gloves"),
        pytest.param("scarf", id="scarf"),
        pytest.param("pockets", id="pockets"),
        pytest.param("bags", id="bags"),
        pytest.param("underwear or skin", id="never-underwear-or-skin"),
        pytest.param("police alone", id="intimate-searches-police-only"),
    ],
)
def test_search_scope_reminds_staff_of_the_limits(words: str) -> None:
    """R8: outer clothing only, nothing that exposes underwear or skin, shown to staff."""
    assert any(words in line.casefold() for line in SEARCH_SCOPE)


def test_search_levels_are_low_medium_higher() -> None:
    assert [level.value for level in SearchLevel] == ["low", "medium", "higher"]
