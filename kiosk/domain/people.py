"""People as the rules see them: recorded sex, staff roles and the staff member on duty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Sex(StrEnum):
    """Sex as recorded in the MIS; the search rules turn on it."""

    FEMALE = "F"
    MALE = "M"

    @property
    def word(self) -> str:
        """The adjective for messages: "female" or "male"."""
        return "female" if self is Sex.FEMALE else "male"


_SEX_WORDS = {"f": Sex.FEMALE, "female": Sex.FEMALE, "m": Sex.MALE, "male": Sex.MALE}


def parse_sex(text: str) -> Sex | None:
    """Read F, M, Female or Male in any case; blank is None (unrecorded, never guessed)."""
    word = text.strip().casefold()
    if not word:
        return None
    try:
        return _SEX_WORDS[word]
    except KeyError:
        raise ValueError(f"sex must be F or M (or Female/Male), got {text.strip()!r}") from None


class Role(StrEnum):
    """What a member of staff may do at the kiosk."""

    SCREENER = "screener"
    SEARCHER = "searcher"
    OFFICE = "office"
    DSL = "dsl"
    ADMIN = "admin"


def parse_roles(text: str) -> frozenset[Role]:
    """Read roles separated by ';' in any case, ignoring blanks: "screener; Searcher"."""
    roles: set[Role] = set()
    for part in text.split(";"):
        word = part.strip().casefold()
        if not word:
            continue
        try:
            roles.add(Role(word))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise ValueError(f"unknown role {part.strip()!r}: use {known}") from None
    return frozenset(roles)


@dataclass(frozen=True)
class StaffRef:
    """Who acted, as every use case is told (`by=`): the school's staff id, the one reference
    the staff CSV, the MIS, the logs and every door share (a database key differs from door
    to door, and a bare string says nothing of what it is)."""

    staff_id: str

    def __str__(self) -> str:
        return self.staff_id


@dataclass(frozen=True)
class StaffMember:
    """A member of staff as the rules need them: who they are, their sex and their roles.

    `search_trained_on`: the day they last completed screening and searching training (R7);
    None when the school has not recorded it.
    """

    staff_id: str
    name: str
    sex: Sex | None
    roles: frozenset[Role]
    search_trained_on: date | None = None

    @property
    def may_search(self) -> bool:
        """Authorised by the headteacher to search; being an admin of the kiosk is not that."""
        return Role.SEARCHER in self.roles
