"""The MIS outbox: marks on their way to the school's MIS, and "Send now"."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.mis.credentials import CredentialsError
from kiosk.mis.outbox import PROVIDER_NAMES, outbox_view, round_message
from kiosk.mis.provider import MisError
from kiosk.mis.send import send_round
from kiosk.office_web.auth import EVERYONE, Signed
from kiosk.office_web.guard import checked_form
from kiosk.office_web.render import back, render, staff_page
from kiosk.office_web.state import Office, office_of
from kiosk.office_web.tables import Column, Row, table
from kiosk.views.office import MisOutboxView

log = logging.getLogger(__name__)
COLUMNS = (
    Column("state", "State"),
    Column("name", "Learner"),
    Column("session", "Session"),
    Column("code", "Code"),
    Column("note", "Note"),
)


def _view(office: Office) -> MisOutboxView:
    now = office.clock()
    zone = office.config.school.zone
    try:
        with office.book.reads() as session:
            return outbox_view(
                session, office.config.mis, today=now.astimezone(zone).date(), now=now, zone=zone
            )
    except SQLAlchemyError as exc:
        log.error("office web: the MIS outbox cannot be read: %s", exc)
        name = PROVIDER_NAMES.get(office.config.mis.provider, office.config.mis.provider)
        return MisOutboxView(name, problem="The outbox cannot be read.")


@staff_page(EVERYONE)
async def outbox(request: Request, who: Signed) -> Response:
    view = await run_in_threadpool(_view, office_of(request))
    rows: list[Row] = [
        {"state": line.state, "name": line.learner, "session": line.session, "code": line.code,
         "note": line.note}
        for line in view.lines
    ]  # fmt: skip
    shown = table("Marks for the MIS", COLUMNS, rows, request.query_params, default_sort="")
    return render(request, "mis.html", who, {"view": view, "table": shown})


@staff_page(EVERYONE)
async def send_now(request: Request, who: Signed) -> Response:
    office = office_of(request)
    await checked_form(request, who.csrf)
    now = office.clock()
    day = now.astimezone(office.config.school.zone).date()

    def job() -> str:
        try:
            done = send_round(
                office.book.sessions,
                office.config.mis,
                day=day,
                now=now,
                retry_refused=True,
                send_waiting_now=True,
            )
        except (CredentialsError, MisError, SQLAlchemyError) as exc:
            log.error("office web: MIS send by %s failed: %s", who.staff_id, exc)
            return f"Not sent: {exc}"
        said = round_message(done)
        log.info("office web: MIS send by %s: %s", who.staff_id, said)
        return said

    return back(request, "/mis", await run_in_threadpool(job))


ROUTES = [
    Route("/mis", outbox, methods=["GET"]),
    Route("/mis/send", send_now, methods=["POST"]),
]
