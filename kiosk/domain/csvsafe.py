"""Making exported CSV cells safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

# A spreadsheet runs a cell starting with any of these as a formula; a name may well start so.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """The cell prefixed with `'` if it begins like a formula, so a spreadsheet shows it as text."""
    if cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell
