"""Making exported CSV cells safe to open in a spreadsheet (no formula injection), and undoing it.

A spreadsheet runs a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula: `-B12`, a real MIS id, is "minus cell B12" to it. Such a cell is written with a `'` in
front, which a spreadsheet shows as text. A program reading the file gets the value back by
taking the `'` off a cell that is `'` followed by one of those characters.
"""

from __future__ import annotations

# A spreadsheet runs a cell starting with any of these as a formula; a name may well start so.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """The cell prefixed with `'` if it begins like a formula, so a spreadsheet shows it as text."""
    if cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def spreadsheet_unescape(cell: str) -> str:
    """The value `spreadsheet_safe` was given: `'-B12` is `-B12`; `O'Brien` and `'Neill` stay.

    Only a `'` right before a formula character goes, so a file saved by a spreadsheet (which
    drops the `'`) and a file as the kiosk wrote it read the same.
    """
    if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS):
        return cell[1:]
    return cell
