"""The morning (or afternoon) of any day: who is in, not in, late, refused; searches (DSL)."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import ExportError
from kiosk.office.overview import school_office_view
from kiosk.office_web.auth import EVERYONE, Signed
from kiosk.office_web.render import render, staff_page
from kiosk.office_web.reports import year_groups
from kiosk.office_web.searchlog import read_search_log
from kiosk.office_web.state import Office, office_of
from kiosk.office_web.tables import Column, Row, table
from kiosk.office_web.views.params import day_of, session_of
from kiosk.views.office import OfficeLearnerRow, OfficeView

LEARNER_COLUMNS = (
    Column("name", "Name"),
    Column("group", "Group"),
    Column("year", "Year"),
    Column("code", "Code"),
    Column("minutes", "Minutes late", numeric=True),
    Column("comment", "Comment"),
)
SEARCH_COLUMNS = (
    Column("time", "Time"),
    Column("name", "Learner"),
    Column("searcher", "Searcher"),
    Column("witness", "Witness"),
    Column("level", "Level"),
    Column("outcome", "Outcome"),
    Column("exception", "Exception used because"),
)
TABS = {
    "arrived": "In",
    "not_in": "Not in yet",
    "lates": "Late",
    "refusals": "Refused",
    "searches": "Searches",
}


def _read(office: Office, day: date, school_session: SchoolSession, who: Signed, show: str) -> Any:
    def job(session: Any) -> Any:
        view = school_office_view(
            session,
            config=office.config,
            now=office.clock(),
            is_dsl=who.is_dsl,
            day=day,
            school_session=school_session,
        )
        return view, year_groups(session)

    if not (who.is_dsl and show == "searches"):
        with office.book.reads() as session:
            return job(session)
    # R35: the DSL opening the day's searches is a read of the search log, and recorded.
    return read_search_log(
        office, who.by, job, first=day, last=day,
        where=f"office web: the day's searches ({school_session.value})",
        count=lambda found: len(found[0].searches),
    )  # fmt: skip


def learner_rows(rows: tuple[OfficeLearnerRow, ...], years: dict[int, str]) -> list[Row]:
    return [
        {
            "name": r.name,
            "group": r.reg_group,
            "year": years.get(r.learner_id, ""),
            "code": r.code,
            "minutes": r.minutes_late,
            "comment": r.comment,
        }
        for r in rows
    ]


def search_rows(view: OfficeView) -> list[Row]:
    return [
        {
            "time": s.time,
            "name": s.learner,
            "searcher": s.searcher,
            "witness": s.witness,
            "level": s.level,
            "outcome": s.outcome,
            "exception": s.exception_reason,
        }
        for s in view.searches
    ]


@staff_page(EVERYONE)
async def morning(request: Request, who: Signed) -> Response:
    office = office_of(request)
    day = day_of(request, "day", office.today())
    school_session = session_of(request)
    try:
        view, years = await run_in_threadpool(
            _read, office, day, school_session, who, request.query_params.get("show", "")
        )
    except ExportError as exc:  # the afternoon asked for where none is configured
        context = {"problem": str(exc), "day": day, "session": school_session.value, "tabs": {}}
        return render(request, "morning.html", who, context)
    lists: dict[str, list[Row]] = {
        "arrived": learner_rows(view.arrived, years),
        "not_in": learner_rows(view.not_in, years),
        "lates": learner_rows(view.lates, years),
        "refusals": learner_rows(view.refusals, years),
    }
    if who.is_dsl:
        lists["searches"] = search_rows(view)
    show = request.query_params.get("show", "arrived")
    show = show if show in lists else "arrived"
    columns = SEARCH_COLUMNS if show == "searches" else LEARNER_COLUMNS
    shown = table(
        f"{TABS[show]}: {day:%A %d %B %Y}, {school_session.value}",
        columns,
        lists[show],
        {**request.query_params, "show": show},
    )
    return render(
        request,
        "morning.html",
        who,
        {
            "view": view,
            "day": day,
            "session": school_session.value,
            "tabs": {k: (TABS[k], len(v)) for k, v in lists.items()},
            "show": show,
            "table": shown,
        },
    )


ROUTES = [Route("/", morning, methods=["GET"])]
