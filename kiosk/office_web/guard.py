"""What every request must show before a view sees it: the right Host, and for anything that
changes something, an Origin (or Referer) of the office's own address and the form's token.

Host is checked so that a page on another site cannot reach the office through a name it
controls (DNS rebinding); Origin so that another site's form cannot act for a signed-in
browser; the token as well, since a proxy or an old browser may not pass Origin on.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import FormData, Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]  # fmt: skip


@dataclass(frozen=True)
class Allowed:
    """The office's own origins ("http://127.0.0.1:8000") and the Host headers they give."""

    origins: frozenset[str]

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset(urlsplit(origin).netloc for origin in self.origins)


def allowed_for(host: str, port: int, public_url: str) -> Allowed:
    """Through a proxy, the public address alone; on loopback, this machine's names too."""
    if public_url:
        return Allowed(frozenset({public_url}))
    names: Iterable[str] = LOOPBACK_NAMES if host in ("127.0.0.1", "::1", "localhost") else (host,)
    named = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
    return Allowed(frozenset(f"http://{name}:{port}" for name in named))


class GuardMiddleware:
    """Refuses a foreign Host (400) or a state-changing request from a foreign origin (403);
    adds the security headers to every answer."""

    def __init__(self, app: ASGIApp, allowed: Allowed) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        problem = self._problem(scope["method"], Headers(scope=scope))
        if problem is not None:
            status, text = problem
            await PlainTextResponse(text, status_code=status)(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)

    def _problem(self, method: str, headers: Headers) -> tuple[int, str] | None:
        if headers.get("host", "") not in self.allowed.hosts:
            return 400, "This is not the address the office is served at."
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is None or origin == "null":
            referer = urlsplit(headers.get("referer", ""))
            origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else None
        if origin not in self.allowed.origins:
            return 403, "Refused: this form did not come from the office's own page."
        return None


def check_token(form: FormData, expected: str) -> None:
    """The form's CSRF token must be the session's (compared in constant time)."""
    given = form.get("csrf")
    if not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise HTTPException(403, "Refused: the form has expired. Load the page again.")


async def checked_form(request: Request, expected: str) -> FormData:
    form = await request.form()
    check_token(form, expected)
    return form
