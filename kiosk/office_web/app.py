"""The office web application: routes, the signed session cookie and the guard, built once."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from kiosk.config import Config
from kiosk.database import Book
from kiosk.office_web.guard import GuardMiddleware, allowed_for
from kiosk.office_web.lockout import WebLockout
from kiosk.office_web.secret import session_secret
from kiosk.office_web.state import Office
from kiosk.office_web.views import (
    charts,
    downloads,
    lists,
    mis,
    morning,
    phones,
    roll,
    search_followups,
    signin,
)

COOKIE = "kiosk_office"
STATIC = Path(__file__).with_name("static")


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)


def make_office_web(
    config: Config,
    book: Book,
    *,
    clock: Callable[[], datetime] = _utc_now,
    close_book: bool = False,
) -> Starlette:
    """The office page on `book`; `close_book` closes it when the server stops."""
    host, port = config.office.host_port
    public = config.office.public_url

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if close_book:
                book.close()

    app = Starlette(
        routes=[
            *signin.ROUTES,
            *morning.ROUTES,
            *lists.ROUTES,
            *phones.ROUTES,
            *search_followups.ROUTES,
            *mis.ROUTES,
            *roll.ROUTES,
            *charts.ROUTES,
            *downloads.ROUTES,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[
            Middleware(GuardMiddleware, allowed=allowed_for(host, port, public)),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(config.database.key_path),
                session_cookie=COOKIE,
                max_age=None,  # the browser's session; idle sign-off is kept in the cookie
                same_site="strict",
                https_only=public.startswith("https://"),
            ),
        ],
        exception_handlers={HTTPException: _refused},
        lifespan=lifespan,
    )
    app.state.office = Office(config, book, clock, WebLockout(clock))
    return app
