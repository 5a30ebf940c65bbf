"""The fire roll: who is on site now, laid out for A4 paper and for a phone; as CSV too."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.office.roll import ROLL_HEADER, roll_rows, school_roll
from kiosk.office_web.auth import EVERYONE, Signed
from kiosk.office_web.downloads import download
from kiosk.office_web.render import render, staff_page
from kiosk.office_web.state import Office, office_of
from kiosk.views.on_site import Roll


def _roll(office: Office) -> Roll:
    with office.book.reads() as session:
        return school_roll(session, config=office.config, now=office.clock())


@staff_page(EVERYONE)
async def roll_page(request: Request, who: Signed) -> Response:
    roll = await run_in_threadpool(_roll, office_of(request))
    return render(request, "roll.html", who, {"roll": roll})


@staff_page(EVERYONE)
async def roll_file(request: Request, who: Signed) -> Response:
    office = office_of(request)
    roll = await run_in_threadpool(_roll, office)
    kind = request.query_params.get("format", "csv")
    return download(
        f"roll-{office.clock():%Y-%m-%d-%H%M}", kind, ROLL_HEADER, list(roll_rows(roll))
    )


ROUTES = [
    Route("/roll", roll_page, methods=["GET"]),
    Route("/roll/download", roll_file, methods=["GET"]),
]
