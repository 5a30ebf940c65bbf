"""Exported cells that a spreadsheet would run as a formula are shown as text instead."""

from __future__ import annotations

import pytest

from kiosk.domain.csvsafe import spreadsheet_safe


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        pytest.param('=HYPERLINK("x")', '\'=HYPERLINK("x")', id="equals"),
        pytest.param("+44 1234", "'+44 1234", id="plus"),
        pytest.param("-Bloggs", "'-Bloggs", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\tcmd", "'\tcmd", id="tab"),
        pytest.param("\rcmd", "'\rcmd", id="carriage-return"),
        pytest.param("O'Brien", "O'Brien", id="ordinary-name-unchanged"),
        pytest.param("Smith-Jones", "Smith-Jones", id="inner-hyphen-unchanged"),
        pytest.param(" =x", " =x", id="leading-space-unchanged"),
        pytest.param("/", "/", id="attendance-code-unchanged"),
        pytest.param("", "", id="empty-unchanged"),
        pytest.param("'=already", "'=already", id="quote-first-unchanged"),
    ],
)
def test_cell_starting_like_a_formula_is_prefixed_with_a_quote(cell: str, safe: str) -> None:
    assert spreadsheet_safe(cell) == safe
