"""Learner and staff rows from an MIS export: messy but valid names kept, bad rows refused."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest

from kiosk.domain.people import Role, Sex
from kiosk.domain.roster import (
    LearnerRow,
    RowError,
    display_first_name,
    parse_learner_row,
    parse_staff_row,
)

LEARNER = {
    "mis_id": "1001",
    "surname": "Khan",
    "forename": "Aisha",
    "sex": "F",
    "upn": "A123456789012",
    "preferred_name": "",
    "year_group": "9",
    "reg_group": "9K",
    "badge": "0C000621A5",
    "sen": "N",
}


def learner(**changes: Any) -> dict[str, Any]:
    return {**LEARNER, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        pytest.param({"surname": "O'Brien"}, "surname", "O'Brien", id="apostrophe"),
        pytest.param({"surname": "Smith-Jones"}, "surname", "Smith-Jones", id="hyphen"),
        pytest.param({"surname": "van der Berg"}, "surname", "van der Berg", id="lower-case-part"),
        pytest.param({"forename": "  Zoë  "}, "forename", "Zoë", id="surrounding-spaces-trimmed"),
        pytest.param(
            {"forename": "Mary  Jane"}, "forename", "Mary  Jane", id="inner-spaces-kept-as-given"
        ),
        pytest.param(
            {"forename": unicodedata.normalize("NFD", "Siobhán")},
            "forename",
            unicodedata.normalize("NFC", "Siobhán"),
            id="decomposed-accent-becomes-nfc",
        ),
        pytest.param({"surname": "李"}, "surname", "李", id="chinese"),
        pytest.param({"forename": "محمد"}, "forename", "محمد", id="arabic"),
        pytest.param({"forename": "Ngọc Ánh"}, "forename", "Ngọc Ánh", id="vietnamese"),
        pytest.param(
            {"surname": "می\u200cخواهم"}, "surname", "می\u200cخواهم", id="zero-width-joiner-kept"
        ),
        pytest.param({"surname": "=Bloggs"}, "surname", "=Bloggs", id="formula-like-name-kept"),
        pytest.param({"forename": "@Sam"}, "forename", "@Sam", id="at-sign-name-kept"),
        pytest.param({"sex": "female"}, "sex", Sex.FEMALE, id="sex-female-word"),
        pytest.param({"sex": " m "}, "sex", Sex.MALE, id="sex-lower-case-with-spaces"),
        pytest.param({"sex": "MALE"}, "sex", Sex.MALE, id="sex-upper-case-word"),
        pytest.param({"sen": "Y"}, "sen", True, id="sen-Y"),
        pytest.param({"sen": "yes"}, "sen", True, id="sen-yes"),
        pytest.param({"sen": "No"}, "sen", False, id="sen-No"),
        pytest.param({"sen": ""}, "sen", False, id="sen-blank-is-no"),
        pytest.param({"upn": "a12345678901b"}, "upn", "A12345678901B", id="temporary-upn"),
        pytest.param({"upn": ""}, "upn", "", id="upn-optional"),
        pytest.param({"badge": "0c:00:06:21:a5"}, "badge", "0C000621A5", id="badge-normalised"),
        pytest.param({"badge": "0000401829"}, "badge", "0000401829", id="badge-printed-decimal"),
        pytest.param({"badge": "de:ad:be:ef"}, "badge", "DEADBEEF", id="badge-uid"),
        pytest.param({"badge": "  "}, "badge", "", id="badge-optional"),
        pytest.param({"preferred_name": " Ash "}, "preferred_name", "Ash", id="preferred-name"),
    ],
)
def test_valid_learner_row_keeps_names_as_given(
    changes: dict[str, str], field: str, expected: object
) -> None:
    row = parse_learner_row(learner(**changes))
    assert getattr(row, field) == expected


def test_learner_row_with_only_the_required_fields() -> None:
    row = parse_learner_row({"mis_id": "7", "surname": "Ng", "forename": "Li", "sex": "M"})
    assert row == LearnerRow("7", "Ng", "Li", Sex.MALE, "", "", "", "", "", False)


def test_learner_row_tolerates_the_none_a_short_csv_row_gives() -> None:
    row = parse_learner_row(learner(badge=None, upn=None, sen=None))
    assert (row.badge, row.upn, row.sen) == ("", "", False)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param({"mis_id": ""}, "mis_id is required", id="blank-mis-id"),
        pytest.param({"mis_id": None}, "mis_id is required", id="missing-mis-id"),
        pytest.param({"surname": "   "}, "surname is required", id="blank-surname"),
        pytest.param({"forename": ""}, "forename is required", id="blank-forename"),
        pytest.param({"sex": ""}, "sex is required: F or M", id="blank-sex"),
        pytest.param({"sex": None}, "sex is required: F or M", id="missing-sex"),
        pytest.param(
            {"sex": "X"}, "sex must be F or M (or Female/Male), got 'X'", id="unknown-sex"
        ),
        pytest.param({"sex": "girl"}, "sex must be F or M", id="sex-not-guessed-from-words"),
        pytest.param({"sen": "maybe"}, "sen must be Y or N", id="bad-sen"),
        pytest.param({"sen": "1"}, "sen must be Y or N", id="sen-digit"),
        pytest.param({"badge": "12345"}, "badge '12345' has 5 digits", id="badge-wrong-length"),
        pytest.param({"badge": "ZZZZZZZZZZ"}, "must be hex digits", id="badge-not-hex"),
        pytest.param({"upn": "12345"}, "upn '12345' is not a UPN", id="upn-too-short"),
        pytest.param({"upn": "A1234567890123"}, "is not a UPN", id="upn-too-long"),
        pytest.param({"upn": "1234567890123"}, "is not a UPN", id="upn-no-check-letter"),
        pytest.param({"upn": "A1234567890AB"}, "is not a UPN", id="upn-two-letters-at-end"),
        pytest.param(
            {"forename": "Ann\nMarie"},
            "forename contains a control character",
            id="newline-in-name",
        ),
        pytest.param(
            {"surname": "Smith\x00"}, "surname contains a control character", id="nul-in-name"
        ),
    ],
)
def test_bad_learner_row_is_refused_with_a_plain_reason(
    changes: dict[str, str], reason: str
) -> None:
    with pytest.raises(RowError, match=re.escape(reason)):
        parse_learner_row(learner(**changes))


def test_row_error_is_a_value_error_carrying_its_reason() -> None:
    with pytest.raises(ValueError) as caught:
        parse_learner_row(learner(sex=""))
    assert isinstance(caught.value, RowError)
    assert caught.value.reason == "sex is required: F or M"


STAFF = {
    "staff_id": "T01",
    "surname": "Khan",
    "forename": "Amira",
    "sex": "Female",
    "roles": "screener; Searcher",
    "badge": "DE:AD:BE:EF",
}


def staff(**changes: Any) -> dict[str, Any]:
    return {**STAFF, **changes}


@pytest.mark.parametrize(
    ("changes", "roles"),
    [
        pytest.param({}, {Role.SCREENER, Role.SEARCHER}, id="two-roles-any-case"),
        pytest.param({"roles": ""}, set(), id="no-roles"),
        pytest.param({"roles": "dsl;;office; "}, {Role.DSL, Role.OFFICE}, id="blanks-ignored"),
        pytest.param({"roles": "ADMIN"}, {Role.ADMIN}, id="admin"),
    ],
)
def test_staff_row_reads_roles_sex_and_badge(changes: dict[str, str], roles: set[Role]) -> None:
    row = parse_staff_row(staff(**changes))
    assert row.roles == roles
    assert (row.staff_id, row.sex, row.badge) == ("T01", Sex.FEMALE, "DEADBEEF")
    assert row.full_name == "Amira Khan"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param({"staff_id": ""}, "staff_id is required", id="blank-staff-id"),
        pytest.param({"surname": ""}, "surname is required", id="blank-surname"),
        pytest.param({"forename": None}, "forename is required", id="missing-forename"),
        pytest.param({"sex": ""}, "sex is required: F or M", id="blank-sex"),
        pytest.param({"sex": "?"}, "sex must be F or M", id="unknown-sex"),
        pytest.param({"roles": "searcher;teacher"}, "unknown role 'teacher'", id="unknown-role"),
        pytest.param({"badge": "DE:AD:BE"}, "has 6 digits", id="bad-badge"),
    ],
)
def test_bad_staff_row_is_refused_with_a_plain_reason(changes: dict[str, str], reason: str) -> None:
    with pytest.raises(RowError, match=re.escape(reason)):
        parse_staff_row(staff(**changes))


@pytest.mark.parametrize(
    ("forename", "preferred", "shown"),
    [
        pytest.param("Aisha", "", "Aisha", id="forename-without-preferred"),
        pytest.param("Alexander", "Alex", "Alex", id="preferred-name-wins"),
        pytest.param("Alexander", "   ", "Alexander", id="blank-preferred-ignored"),
        pytest.param(" Zoë ", "", "Zoë", id="trimmed"),
        pytest.param(
            unicodedata.normalize("NFD", "Chloé"),
            "",
            unicodedata.normalize("NFC", "Chloé"),
            id="nfc",
        ),
    ],
)
def test_learner_screen_greets_by_preferred_name_else_forename(
    forename: str, preferred: str, shown: str
) -> None:
    assert display_first_name(forename, preferred) == shown


def test_r33_the_earphones_column_is_a_permission_blank_for_none() -> None:
    """R33: `earphones` Y/N (blank N) is the learner's permission; anything else is refused."""
    assert parse_learner_row(learner(earphones="Yes")).earphones is True
    assert parse_learner_row(learner()).earphones is False
    with pytest.raises(RowError, match="earphones must be Y or N"):
        parse_learner_row(learner(earphones="maybe"))
