"""Reading a day, a session and a range from the query string, with today as the default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from starlette.requests import Request

from kiosk.domain.attendance import Session as SchoolSession

LONGEST_RANGE = timedelta(days=400)
TERM = timedelta(weeks=13)


@dataclass(frozen=True)
class Range:
    first: date
    last: date
    problem: str = ""


def day_of(request: Request, name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.query_params.get(name, ""))
    except ValueError:
        return default


def session_of(request: Request) -> SchoolSession:
    wanted = request.query_params.get("session", "AM").upper()
    return SchoolSession.PM if wanted == SchoolSession.PM.value else SchoolSession.AM


def range_of(request: Request, today: date, default_length: timedelta = TERM) -> Range:
    """`from` and `to` (inclusive); a range backwards or over LONGEST_RANGE is refused."""
    last = day_of(request, "to", today)
    first = day_of(request, "from", last - default_length + timedelta(days=1))
    if last < first:
        return Range(last, last, f"{last} is before {first}: showing {last} alone.")
    if last - first > LONGEST_RANGE:
        first = last - LONGEST_RANGE
        return Range(first, last, f"At most {LONGEST_RANGE.days} days at once: from {first}.")
    return Range(first, last)
