"""Recorded sex, staff roles and who may search, as tables."""

from __future__ import annotations

import pytest

from kiosk.domain.people import Role, Sex, StaffMember, parse_roles, parse_sex


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        pytest.param("F", Sex.FEMALE, id="F"),
        pytest.param("f", Sex.FEMALE, id="f"),
        pytest.param("Female", Sex.FEMALE, id="Female"),
        pytest.param(" FEMALE ", Sex.FEMALE, id="FEMALE-with-spaces"),
        pytest.param("M", Sex.MALE, id="M"),
        pytest.param("male", Sex.MALE, id="male"),
        pytest.param("", None, id="blank-is-unrecorded"),
        pytest.param("   ", None, id="spaces-are-unrecorded"),
    ],
)
def test_sex_is_read_from_F_M_Female_Male_in_any_case(text: str, sex: Sex | None) -> None:
    assert parse_sex(text) is sex


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("X", id="X"),
        pytest.param("girl", id="girl-is-not-guessed"),
        pytest.param("Fe", id="abbreviation"),
        pytest.param("F/M", id="both"),
        pytest.param("U", id="unknown-code"),
    ],
)
def test_parse_sex_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match=r"sex must be F or M \(or Female/Male\), got "):
        parse_sex(text)


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        pytest.param("searcher", {Role.SEARCHER}, id="one"),
        pytest.param("Screener;SEARCHER", {Role.SCREENER, Role.SEARCHER}, id="any-case"),
        pytest.param(" dsl ; office ;", {Role.DSL, Role.OFFICE}, id="spaces-and-trailing"),
        pytest.param("admin;admin", {Role.ADMIN}, id="repeated"),
        pytest.param("", set(), id="blank"),
    ],
)
def test_roles_are_read_from_a_semicolon_list_in_any_case(text: str, roles: set[Role]) -> None:
    assert parse_roles(text) == roles


def test_parse_roles_names_the_unknown_role() -> None:
    with pytest.raises(ValueError, match="unknown role 'Teacher': use screener, searcher"):
        parse_roles("screener; Teacher")


@pytest.mark.parametrize(
    ("roles", "may_search"),
    [
        pytest.param({Role.SEARCHER}, True, id="searcher"),
        pytest.param({Role.SEARCHER, Role.ADMIN}, True, id="searcher-and-admin"),
        pytest.param({Role.ADMIN}, False, id="admin-is-not-authorised-to-search"),
        pytest.param({Role.DSL}, False, id="dsl-is-not-authorised-to-search"),
        pytest.param({Role.SCREENER, Role.OFFICE}, False, id="screener-and-office"),
        pytest.param(set(), False, id="no-roles"),
    ],
)
def test_only_the_searcher_role_authorises_a_search(roles: set[Role], may_search: bool) -> None:
    member = StaffMember("T1", "Ms A Khan", Sex.FEMALE, frozenset(roles))
    assert member.may_search is may_search
