"""Pictures: arrivals per five minutes for a session; lates by year group, searches by
outcome (DSL) and refusals, per week over a range (a term by default)."""

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
from kiosk.office_web.charts import Chart
from kiosk.office_web.render import render, staff_page
from kiosk.office_web.state import Office, office_of
from kiosk.office_web.trends import (
    arrivals_per_five,
    lates_by_year,
    refusals_per_week,
    searches_by_outcome,
)
from kiosk.office_web.views.params import Range, day_of, range_of, session_of


def _charts(
    office: Office, day: date, school_session: SchoolSession, span: Range, is_dsl: bool
) -> list[Chart]:
    zone = office.config.school.zone
    charts = []
    with office.book.reads() as session:
        try:
            view = school_office_view(
                session,
                config=office.config,
                now=office.clock(),
                is_dsl=False,
                day=day,
                school_session=school_session,
            )
            charts.append(arrivals_per_five(view))
        except ExportError:
            pass  # no afternoon configured: the other pictures still stand
        charts.append(lates_by_year(session, span.first, span.last))
        if is_dsl:
            charts.append(searches_by_outcome(session, span.first, span.last, zone))
        charts.append(refusals_per_week(session, span.first, span.last))
    return charts


@staff_page(EVERYONE)
async def charts_page(request: Request, who: Signed) -> Response:
    office = office_of(request)
    day, school_session = day_of(request, "day", office.today()), session_of(request)
    span = range_of(request, office.today())
    charts = await run_in_threadpool(_charts, office, day, school_session, span, who.is_dsl)
    context: dict[str, Any] = {
        "charts": charts,
        "day": day,
        "session": school_session.value,
        "first": span.first,
        "last": span.last,
        "problem": span.problem,
    }
    return render(request, "charts.html", who, context)


ROUTES = [Route("/charts", charts_page, methods=["GET"])]
