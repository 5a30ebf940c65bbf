"""JSON over HTTPS with the standard library: timeouts, Retry-After, errors without secrets."""

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
    MisError,
    MisRateLimited,
    MisRejected,
    MisUnavailable,
    MisUnknownStudent,
)

log = logging.getLogger("kiosk.mis")

# A 429 asking for at most this long is waited out in the run; longer, the mark waits its turn.
MAX_RETRY_AFTER_SECONDS = 60.0
# How many 429s in a row one request waits out before it is left for the next run.
MAX_RATE_LIMIT_WAITS = 3


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


class JsonHttp:
    """Requests to one MIS origin with one Authorization header.

    The header is never logged and never sent anywhere but `base_url`'s origin: a pagination
    link to another host is refused rather than followed with the school's token.
    """

    def __init__(
        self,
        base_url: str,
        *,
        authorization: str,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._authorization = authorization
        self._timeout = timeout
        self._sleep = sleep
        self._now = now
        parts = urllib.parse.urlsplit(self.base_url)
        self._origin = (parts.scheme, parts.netloc)

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
            raise MisRejected(f"refusing to follow a link to another host: {parts.netloc}")
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
        log.debug("%s %s", method, path)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return Reply(response.status, _json(response.read()))
        except urllib.error.HTTPError as exc:
            body = _json(exc.read())
            raise self._error(
                method, path, exc.code, body, exc.headers.get("Retry-After")
            ) from None
        except TimeoutError:
            raise MisUnavailable(f"{method} {path}: no reply within {self._timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise MisUnavailable(
                    f"{method} {path}: no reply within {self._timeout:g} s"
                ) from None
            raise MisUnavailable(f"{method} {path}: cannot connect: {reason}") from None
        except OSError as exc:
            raise MisUnavailable(f"{method} {path}: connection failed: {exc}") from None

    def _error(
        self, method: str, path: str, status: int, body: Any, retry_after: str | None
    ) -> MisError:
        said = _said(body)
        where = f"{method} {path}: HTTP {status}"
        if status in (401, 403):
            return MisAuthError(
                f"{where}: the MIS refused the credentials; check [mis] credentials_file"
                + (f" ({said})" if said else "")
            )
        if status == 404:
            return MisUnknownStudent(f"{where}: not found" + (f" ({said})" if said else ""))
        if status == 429:
            return MisRateLimited(
                f"{where}: rate limited" + (f" ({said})" if said else ""),
                retry_after=self._retry_after(retry_after),
            )
        if status >= 500:
            return MisUnavailable(f"{where}: the MIS failed" + (f" ({said})" if said else ""))
        return MisRejected(f"{where}: refused" + (f" ({said})" if said else ""))

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


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw.decode("utf-8", "replace")[:200]


def _said(body: Any) -> str:
    """What an error reply says, briefly: Wonde's and Arbor's error shapes, or plain text."""
    if isinstance(body, str):
        return body.strip()[:200]
    if not isinstance(body, dict):
        return ""
    for key in ("message", "error", "errors", "response"):
        if key in body:
            value = body[key]
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            return str(value)[:300]
    return json.dumps(body, ensure_ascii=False)[:300]
