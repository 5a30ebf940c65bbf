"""Pages from the templates, and the door every signed-in page goes through (roles, idle)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from kiosk.domain.people import Role
from kiosk.office_web.auth import Signed, signed
from kiosk.office_web.charts import bar_svg
from kiosk.office_web.state import office_of

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
TEMPLATES.env.filters["svg"] = bar_svg

Endpoint = Callable[[Request, Signed], Awaitable[Response]]


def render(
    request: Request,
    name: str,
    who: Signed | None,
    context: Mapping[str, Any] | None = None,
    status: int = 200,
) -> Response:
    office = office_of(request)
    full = {
        "school": office.config.school.name,
        "who": who,
        "csrf": who.csrf if who else request.session.get("csrf", ""),
        "idle_seconds": office.idle_seconds,
        "flash": request.session.pop("flash", ""),
        "path": request.url.path,
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, name, full, status_code=status)
    response.headers["cache-control"] = "no-store"
    return response


def back(request: Request, url: str, message: str = "") -> Response:
    """After a form: a message for the next page, and a GET of `url` (so reloading does not
    send the form again)."""
    if message:
        request.session["flash"] = message
    return RedirectResponse(url, status_code=303)


def staff_page(
    roles: frozenset[Role],
) -> Callable[[Endpoint], Callable[[Request], Awaitable[Response]]]:
    """Signed in with one of `roles`, or sent to sign in (303), or refused (403)."""

    def wrap(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(endpoint)
        async def run(request: Request) -> Response:
            office = office_of(request)
            who = signed(request, office.clock(), office.idle_seconds)
            if who is None:
                return RedirectResponse("/sign-in", status_code=303)
            if not roles & who.roles:
                return render(request, "refused.html", who, status=403)
            return await endpoint(request, who)

        return run

    return wrap
