"""Downloads: the attendance marks for a day or a range, a session's late detentions, the
search log for a range (DSL), as CSV (as `kiosk export` writes it) or as an Excel workbook."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import (
    ATTENDANCE_HEADER,
    SEARCH_HEADER,
    ExportError,
    attendance_rows,
    search_rows,
)
from kiosk.office_web.auth import DSL_ONLY, EVERYONE, Signed
from kiosk.office_web.downloads import download
from kiosk.office_web.render import back, render, staff_page
from kiosk.office_web.reports import DETENTION_HEADER, detention_rows, marked_days
from kiosk.office_web.searchlog import read_search_log
from kiosk.office_web.state import Office, office_of
from kiosk.office_web.views.params import Range, day_of, range_of, session_of

log = logging.getLogger(__name__)
ONE_DAY = timedelta(days=1)
SESSIONS = {"AM": (SchoolSession.AM,), "PM": (SchoolSession.PM,), "both": tuple(SchoolSession)}


@staff_page(EVERYONE)
async def downloads_page(request: Request, who: Signed) -> Response:
    today = office_of(request).today()
    return render(request, "downloads.html", who, {"today": today})


def _attendance(
    office: Office, span: Range, sessions: tuple[SchoolSession, ...]
) -> list[tuple[str, ...]]:
    """A single day as `kiosk export attendance` gives it; over a range, each day on which
    the register was taken in the session."""
    school, now = office.config.school, office.clock()
    rows: list[tuple[str, ...]] = []
    with office.book.reads() as session:
        for school_session in sessions:
            if school.times_for(school_session) is None and len(sessions) > 1:
                continue  # "both" where the school has no afternoon: the morning alone
            days = (
                [span.first]
                if span.first == span.last
                else marked_days(session, span.first, span.last, school_session)
            )
            for day in days:
                rows += attendance_rows(
                    session, day=day, school_session=school_session, school=school, now=now
                )
    rows.sort(key=lambda row: (row[4], row[5]))  # by day, then session
    return rows


@staff_page(EVERYONE)
async def attendance(request: Request, who: Signed) -> Response:
    office = office_of(request)
    span = range_of(request, office.today(), default_length=ONE_DAY)
    sessions = SESSIONS.get(request.query_params.get("session", "AM"), SESSIONS["AM"])
    return await _download(
        request, lambda: _attendance(office, span, sessions), (ExportError, SQLAlchemyError),
        f"attendance-{_span_name(span)}", ATTENDANCE_HEADER,
        "office web: attendance %s..%s by %s: %d rows", span.first, span.last, who.staff_id,
    )  # fmt: skip


@staff_page(EVERYONE)
async def detentions(request: Request, who: Signed) -> Response:
    """R26: the day's late detentions, for whoever runs them."""
    office = office_of(request)
    day, school_session = day_of(request, "day", office.today()), session_of(request)

    def read() -> list[tuple[str, ...]]:
        with office.book.reads() as session:
            return detention_rows(session, day, school_session)

    return await _download(
        request, read, (SQLAlchemyError,),
        f"detentions-{day.isoformat()}-{school_session.value}", DETENTION_HEADER,
        "office web: detentions %s %s by %s: %d rows", day, school_session.value, who.staff_id,
    )  # fmt: skip


@staff_page(DSL_ONLY)
async def searches(request: Request, who: Signed) -> Response:
    office = office_of(request)
    span = range_of(request, office.today(), default_length=ONE_DAY)
    zone = office.config.school.zone

    def rows_of(session: Any) -> list[tuple[str, ...]]:
        return list(search_rows(session, first=span.first, last=span.last, zone=zone))

    def read() -> list[tuple[str, ...]]:
        return read_search_log(office, who.by, rows_of, first=span.first, last=span.last,
                               where="office web: search log download")  # fmt: skip

    return await _download(
        request, read, (ExportError, SQLAlchemyError), f"searches-{_span_name(span)}",
        SEARCH_HEADER, "office web: search log %s..%s by %s: %d rows", span.first, span.last,
        who.staff_id,
    )  # fmt: skip


async def _download(
    request: Request,
    read: Callable[[], list[tuple[str, ...]]],
    errors: tuple[type[Exception], ...],
    name: str,
    header: Sequence[str],
    logged: str,
    *log_args: object,
) -> Response:
    """The rows `read` gives (in the thread pool) as a file called `name`, in the format asked
    for, logged as `logged % (*log_args, rows)`; back to Downloads when one of `errors` stops
    it."""
    try:
        rows = await run_in_threadpool(read)
    except errors as exc:
        return back(request, "/downloads", f"Not downloaded: {exc}")
    log.info(logged, *log_args, len(rows))
    return download(name, request.query_params.get("format", "csv"), header, rows)


def _span_name(span: Range) -> str:
    if span.first == span.last:
        return span.first.isoformat()
    return f"{span.first.isoformat()}-to-{span.last.isoformat()}"


ROUTES = [
    Route("/downloads", downloads_page, methods=["GET"]),
    Route("/downloads/attendance", attendance, methods=["GET"]),
    Route("/downloads/detentions", detentions, methods=["GET"]),
    Route("/downloads/searches", searches, methods=["GET"]),
]
