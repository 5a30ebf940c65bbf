"""Checking learner and staff rows from an MIS export, field by field, with plain reasons."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kiosk.domain.badges import normalise_badge
from kiosk.domain.people import Role, Sex, parse_roles, parse_sex

# A permanent UPN is a check letter and 12 digits; a temporary one ends in a letter instead.
_UPN = re.compile(r"[A-Z][0-9]{12}|[A-Z][0-9]{11}[A-Z]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YES = frozenset({"y", "yes"})
_NO = frozenset({"n", "no", ""})


class RowError(ValueError):
    """A roster row that cannot be imported; the message is the reason, for the import report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LearnerRow:
    mis_id: str
    surname: str
    forename: str
    sex: Sex | None
    upn: str
    preferred_name: str
    year_group: str
    reg_group: str
    badge: str
    sen: bool
    earphones: bool = False  # R33: permitted to have earphones


@dataclass(frozen=True)
class StaffRow:
    staff_id: str
    surname: str
    forename: str
    sex: Sex | None
    roles: frozenset[Role]
    badge: str
    # R7: the day they last completed screening and searching training. `search_trained_given`:
    # the file has the column, so a blank cell clears the date; a file without it leaves it.
    search_trained: date | None = None
    search_trained_given: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"


def _text(row: Mapping[str, str], key: str) -> str:
    """A field as given, trimmed and in NFC; names are otherwise never changed."""
    # csv.DictReader fills short rows with None, whatever the annotation says.
    raw = row.get(key) or ""
    value = unicodedata.normalize("NFC", raw).strip()
    # Apostrophes, accents, joiners and any script are normal; only control characters
    # (a stray newline or NUL from a broken export) are not part of anyone's name.
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise RowError(f"{key} contains a control character: {value!r}")
    return value


def _required(row: Mapping[str, str], key: str) -> str:
    value = _text(row, key)
    if not value:
        raise RowError(f"{key} is required")
    return value


def _sex(row: Mapping[str, str]) -> Sex:
    # Required on import: the search rules need it, and an unrecorded sex is never guessed later.
    try:
        sex = parse_sex(_text(row, "sex"))
    except ValueError as exc:
        raise RowError(str(exc)) from None
    if sex is None:
        raise RowError("sex is required: F or M")
    return sex


def _badge(row: Mapping[str, str]) -> str:
    value = _text(row, "badge")
    if not value:
        return ""
    try:
        return normalise_badge(value)
    except ValueError as exc:
        raise RowError(str(exc)) from None


def _upn(row: Mapping[str, str]) -> str:
    value = _text(row, "upn").upper()
    if value and not _UPN.fullmatch(value):
        raise RowError(
            f"upn {value!r} is not a UPN: 13 characters, a letter then 12 digits "
            "(a temporary UPN ends in a letter instead of the last digit)"
        )
    return value


def _yes_no(row: Mapping[str, str], key: str) -> bool:
    value = _text(row, key)
    if value.casefold() in _YES:
        return True
    if value.casefold() in _NO:
        return False
    raise RowError(f"{key} must be Y or N (or Yes/No, or blank for N), got {value!r}")


def _sen(row: Mapping[str, str]) -> bool:
    return _yes_no(row, "sen")


def parse_learner_row(row: Mapping[str, str]) -> LearnerRow:
    """A learner row keyed by canonical header names; RowError saying what is wrong."""
    return LearnerRow(
        mis_id=_required(row, "mis_id"),
        surname=_required(row, "surname"),
        forename=_required(row, "forename"),
        sex=_sex(row),
        upn=_upn(row),
        preferred_name=_text(row, "preferred_name"),
        year_group=_text(row, "year_group"),
        reg_group=_text(row, "reg_group"),
        badge=_badge(row),
        sen=_sen(row),
        earphones=_yes_no(row, "earphones"),
    )


def parse_staff_row(row: Mapping[str, str]) -> StaffRow:
    """A staff row keyed by canonical header names; RowError saying what is wrong."""
    staff_id = _required(row, "staff_id")
    surname = _required(row, "surname")
    forename = _required(row, "forename")
    sex = _sex(row)
    try:
        roles = parse_roles(_text(row, "roles"))
    except ValueError as exc:
        raise RowError(str(exc)) from None
    given = "search_trained" in row
    return StaffRow(
        staff_id,
        surname,
        forename,
        sex,
        roles,
        _badge(row),
        search_trained=_date(row, "search_trained") if given else None,
        search_trained_given=given,
    )


def _date(row: Mapping[str, str], key: str) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when blank."""
    value = _text(row, key)
    if not value:
        return None
    problem = f"{key} must be a date written YYYY-MM-DD (or blank), got {value!r}"
    if not _ISO_DATE.fullmatch(value):
        raise RowError(problem)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RowError(problem) from None
    if not 1900 <= day.year <= 2999:
        raise RowError(f"{key} {value} is not a date from 1900 to 2999")
    return day


def display_first_name(forename: str, preferred_name: str) -> str:
    """The name the learner-facing screen greets them by: the preferred name when there is one."""
    preferred = unicodedata.normalize("NFC", preferred_name).strip()
    return preferred or unicodedata.normalize("NFC", forename).strip()
