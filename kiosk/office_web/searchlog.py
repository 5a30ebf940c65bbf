"""R35: the search log is read on the office page only with a record of who read it, when and
over which days. The read and its audit entry share one transaction, so a page or a download
is never shown when its record could not be written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.orm import Session

from kiosk.domain.people import StaffRef
from kiosk.exports import record_search_log_read
from kiosk.office_web.state import Office

T = TypeVar("T")


def read_search_log(
    office: Office,
    by: StaffRef,
    job: Callable[[Session], T],
    *,
    first: date | None,
    last: date | None,
    where: str,
    count: Callable[[T], int] = lambda found: len(found),  # type: ignore[arg-type]
) -> T:
    """`job`'s rows, with an audit entry naming `by`, the days, `where` (the page) and how
    many searches were shown (`count`)."""
    with office.book.sessions.begin() as session:
        found = job(session)
        record_search_log_read(
            session, at=office.clock(), by=by, first=first, last=last,
            where=where, rows=count(found),
        )  # fmt: skip
    return found
