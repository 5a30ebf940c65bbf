"""JSON over HTTPS with the standard library: timeouts, Retry-After, bounded replies, errors
that say whether a person or a retry is needed, and never a secret in a message."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from kiosk.mis.provider import (
    MisAuthError,
    MisBadReply,
    MisConfigError,
    MisError,
    MisNotFound,
    MisRateLimited,
    MisRejected,
    MisUnavailable,
)

log = logging.getLogger("kiosk.mis")

# A 429 asking for at most this long is waited out in the run; longer, the mark waits its turn.
MAX_RETRY_AFTER_SECONDS = 60.0
# How many 429s in a row one request waits out before it is left for the next run.
MAX_RATE_LIMIT_WAITS = 3
# The largest reply read: a page of 200 students with their details is well under 1 MB; more
# than this is not a reply the kiosk asked for, and reading it could exhaust a Pi's memory.
MAX_REPLY_BYTES = 4 * 1024 * 1024
# Of an error reply only the start is read: it is quoted in a message, never parsed for data.
MAX_ERROR_BYTES = 64 * 1024


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib copies the Authorization header onto a redirect, to whatever host it names: a
    # redirect is refused instead, and reported as an address to fix.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class JsonHttp:
    """Requests to one MIS origin with one Authorization header.

    The header is never logged and never sent anywhere but `base_url`'s origin: a pagination
    link to another host is refused rather than followed with the school's token, and so is a
    redirect. With `status_in_body` (Arbor), a `response.code` in a JSON reply is the status.
    """

    def __init__(
        self,
        base_url: str,
        *,
        authorization: str,
        timeout: float,
        vendor: str,
        status_in_body: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.vendor = vendor
        self._authorization = authorization
        self._timeout = timeout
        self._status_in_body = status_in_body
        self._sleep = sleep
        self._now = now
        parts = urllib.parse.urlsplit(self.base_url)
        self._origin = (parts.scheme, parts.netloc)
        self._opener = urllib.request.build_opener(_NoRedirects)

    @property
    def base_path(self) -> str:
        return urllib.parse.urlsplit(self.base_url).path.rstrip("/")

    def url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        url = f"{self.base_url}/{path.lstrip('/')}"
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def get(self, path_or_url: str, query: Mapping[str, str] | None = None) -> Reply:
        return self.request("GET", path_or_url, query=query)

    def post(self, path: str, body: Any) -> Reply:
        return self.request("POST", path, body=body)

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Reply:
        url = path_or_url if "://" in path_or_url else self.url(path_or_url, query)
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:
            raise MisBadReply(
                f"{self.vendor}: refusing to follow a link to another host: {parts.netloc}"
            )
        data = None if body is None else json.dumps(body).encode("utf-8")
        waits = 0
        while True:
            try:
                return self._once(method, url, data)
            except MisRateLimited as exc:
                wait = exc.retry_after
                if wait is None or wait > MAX_RETRY_AFTER_SECONDS or waits >= MAX_RATE_LIMIT_WAITS:
                    raise
                waits += 1
                log.info("%s %s: rate limited, waiting %.0f s as asked", method, parts.path, wait)
                self._sleep(wait)

    def _once(self, method: str, url: str, data: bytes | None) -> Reply:
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("Authorization", self._authorization)
        request.add_header("User-Agent", "school-entry-kiosk")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        path = urllib.parse.urlsplit(url).path
        where = f"{method} {path}"
        log.debug("%s", where)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                status = response.status
                raw = response.read(MAX_REPLY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            try:
                raw = exc.read(MAX_ERROR_BYTES)
            except OSError:
                raw = b""
            if 300 <= exc.code < 400:
                raise MisConfigError(
                    f"{where}: HTTP {exc.code}: {self.vendor} sent the kiosk elsewhere "
                    f"({exc.headers.get('Location', 'no address')}); the kiosk does not follow "
                    "redirects: check [mis] base_url",
                    "[mis] base_url",
                ) from None
            body = _json(raw)
            status = self._status(exc.code, body)
            raise self._error(where, status, body, exc.headers.get("Retry-After")) from None
        except TimeoutError:
            raise MisUnavailable(f"{where}: no reply within {self._timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise MisUnavailable(f"{where}: no reply within {self._timeout:g} s") from None
            raise MisUnavailable(f"{where}: cannot connect: {reason}") from None
        except OSError as exc:
            raise MisUnavailable(f"{where}: connection failed: {exc}") from None
        if len(raw) > MAX_REPLY_BYTES:
            raise MisBadReply(
                f"{where}: the reply is larger than {MAX_REPLY_BYTES // (1024 * 1024)} MB; "
                "not read (not a reply the vendor publishes)"
            )
        if not raw.strip():
            return Reply(status, None)
        body = _json(raw)
        if isinstance(body, _NotJson):
            # A captive portal or a proxy's login page answers 200 with HTML: it says nothing
            # about any learner, so the round is tried again later.
            raise MisBadReply(
                f"{where}: HTTP {status} but the reply is not JSON ({body.start!r}…): "
                f"something between the kiosk and {self.vendor} answered; tried again later"
            )
        inner = self._status(status, body)
        if inner >= 400:
            raise self._error(where, inner, body, None)
        return Reply(status, body)

    def _status(self, status: int, body: Any) -> int:
        """Arbor's SDK takes `response.code` in the body over the HTTP status."""
        if not self._status_in_body or not isinstance(body, dict):
            return status
        response = body.get("response")
        code = response.get("code") if isinstance(response, dict) else None
        return code if isinstance(code, int) and not isinstance(code, bool) else status

    def _error(self, where: str, status: int, body: Any, retry_after: str | None) -> MisError:
        said = _said(body)
        where = f"{where}: HTTP {status}"
        tail = f" ({said})" if said else ""
        if status == 401:
            return MisAuthError(
                f"{where}: {self.vendor} refused the credentials; check [mis] credentials_file"
                + tail
            )
        if status == 403:
            return MisAuthError(
                f"{where}: {self.vendor} refused access: check [mis] credentials_file, and that "
                "the school has approved the kiosk's access in its MIS or Wonde dashboard" + tail
            )
        if status == 404:
            return MisNotFound(
                f"{where}: no such address at {self.vendor}: check [mis] base_url "
                f"({self.base_url}) and [mis] school_id" + tail
            )
        if status == 429:
            return MisRateLimited(
                f"{where}: rate limited" + tail, retry_after=self._retry_after(retry_after)
            )
        if status >= 500:
            return MisUnavailable(f"{where}: {self.vendor} failed" + tail)
        return MisRejected(f"{where}: refused" + tail)

    def _retry_after(self, value: str | None) -> float | None:
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - self._now()).total_seconds())


@dataclass(frozen=True)
class _NotJson:
    start: str


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _NotJson(" ".join(raw[:80].decode("utf-8", "replace").split()))


def _said(body: Any) -> str:
    """What an error reply says, briefly: Wonde's and Arbor's error shapes, or plain text."""
    if isinstance(body, _NotJson):
        return body.start
    if isinstance(body, str):
        return body.strip()[:200]
    if not isinstance(body, dict):
        return ""
    response = body.get("response")
    if isinstance(response, dict):
        errors = response.get("errors")
        if isinstance(errors, list):
            said = "; ".join(
                str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message")
            )
            if said:
                return said[:300]
        if isinstance(response.get("reason"), str):
            return str(response["reason"])[:300]
    for key in ("message", "error", "errors"):
        if key in body:
            value = body[key]
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            return str(value)[:300]
    return json.dumps(body, ensure_ascii=False)[:300]
