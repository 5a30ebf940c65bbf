"""Signing in (staff id and PIN), signing out, and the page's sign of life while in use."""

from __future__ import annotations

import logging
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk.office_web.auth import NOT_RECOGNISED, check_credentials, sign_in, signed
from kiosk.office_web.guard import checked_form
from kiosk.office_web.render import back, render
from kiosk.office_web.state import office_of

log = logging.getLogger(__name__)


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


async def sign_in_page(request: Request) -> Response:
    office = office_of(request)
    if signed(request, office.clock(), office.idle_seconds) is not None:
        return RedirectResponse("/", status_code=303)
    request.session.setdefault("csrf", secrets.token_urlsafe(32))
    return render(request, "sign_in.html", None)


async def sign_in_sent(request: Request) -> Response:
    office = office_of(request)
    form = await checked_form(request, str(request.session.get("csrf", "")))
    staff_id, pin = str(form.get("staff_id", "")).strip(), str(form.get("pin", ""))
    address = _address(request)
    wait = office.lockout.locked_for(address, staff_id)
    if wait is not None:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        log.warning("office web: sign-in refused while locked (%s, %r)", address, staff_id)
        return render(
            request,
            "sign_in.html",
            None,
            {"refused": f"Too many tries. Try again in {minutes} minute(s)."},
            status=429,
        )
    member = await run_in_threadpool(
        check_credentials, office.book.sessions, staff_id, pin, office.decoy
    )
    if member is None:
        office.lockout.failed(address, staff_id)
        log.warning("office web: sign-in refused (%s, %r)", address, staff_id)
        return render(request, "sign_in.html", None, {"refused": NOT_RECOGNISED}, status=401)
    office.lockout.succeeded(address, staff_id)
    sign_in(request, member, office.clock())
    log.info("office web: %s signed in from %s", member.staff_id, address)
    return RedirectResponse("/", status_code=303)


async def sign_out(request: Request) -> Response:
    office = office_of(request)
    who = signed(request, office.clock(), office.idle_seconds)
    if who is not None:
        await checked_form(request, who.csrf)
        log.info("office web: %s signed out", who.staff_id)
    request.session.clear()
    return back(request, "/sign-in", "Signed off.")


async def alive(request: Request) -> Response:
    """The page's script says someone is using it (a key, a click, a scroll)."""
    office = office_of(request)
    who = signed(request, office.clock(), office.idle_seconds)
    if who is None:
        return Response(status_code=401)
    await checked_form(request, who.csrf)
    return Response(status_code=204)


ROUTES = [
    Route("/sign-in", sign_in_page, methods=["GET"]),
    Route("/sign-in", sign_in_sent, methods=["POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
    Route("/alive", alive, methods=["POST"]),
]
