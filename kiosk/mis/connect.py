"""The configured MIS adapter, with its credentials; nothing for provider "none"."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.config import MisConfig
from kiosk.mis.arbor import Arbor
from kiosk.mis.credentials import CredentialsError, read_credentials
from kiosk.mis.http import JsonHttp
from kiosk.mis.provider import Provider
from kiosk.mis.sims import Sims
from kiosk.mis.wonde import DEFAULT_BASE_URL, Wonde


def open_provider(
    config: MisConfig, *, sleep: Callable[[float], None] = time.sleep
) -> Provider | None:
    """The adapter for `[mis] provider`, or None when it is "none" (no request ever leaves)."""
    if not config.enabled:
        return None
    credentials = read_credentials(Path(config.credentials_file))
    if config.provider == "wonde":
        if not credentials.token:
            raise CredentialsError(
                f'[mis] credentials_file {config.credentials_file}: Wonde needs token = "..."'
            )
        http = JsonHttp(
            config.base_url or DEFAULT_BASE_URL,
            authorization=f"Bearer {credentials.token}",
            timeout=config.timeout_seconds,
            sleep=sleep,
        )
        return Wonde(http, config.school_id)
    if not (credentials.username and credentials.password):
        raise CredentialsError(
            f"[mis] credentials_file {config.credentials_file}: {config.provider} needs "
            'username = "..." and password = "..."'
        )
    pair = f"{credentials.username}:{credentials.password}".encode()
    http = JsonHttp(
        config.base_url,
        authorization="Basic " + base64.b64encode(pair).decode("ascii"),
        timeout=config.timeout_seconds,
        sleep=sleep,
    )
    return Arbor(http) if config.provider == "arbor" else Sims(http)
