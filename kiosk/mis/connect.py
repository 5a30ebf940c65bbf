"""The configured MIS adapter, with its credentials; nothing for provider "none".

A school on SIMS reaches the kiosk through Wonde (SIMS 7 has no HTTP interface, and SIMS 8's
is open only to its approved partners): `provider = "sims"` is Wonde with the SIMS school's
Wonde id, named as SIMS to staff.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import time as clock
from pathlib import Path

from kiosk.config import MisConfig
from kiosk.mis.arbor import Arbor
from kiosk.mis.credentials import CredentialsError, read_credentials
from kiosk.mis.http import JsonHttp
from kiosk.mis.provider import Provider
from kiosk.mis.wonde import DEFAULT_BASE_URL, Wonde

LABELS = {"wonde": "Wonde", "sims": "SIMS (through Wonde)", "arbor": "Arbor"}


def open_provider(
    config: MisConfig, *, sleep: Callable[[float], None] = time.sleep
) -> Provider | None:
    """The adapter for `[mis] provider`, or None when it is "none" (no request ever leaves)."""
    if not config.enabled:
        return None
    credentials = read_credentials(Path(config.credentials_file))
    label = LABELS.get(config.provider, config.provider)
    marks = dict(config.marks)
    if config.provider in {"wonde", "sims"}:
        if not credentials.token:
            raise CredentialsError(
                f'[mis] credentials_file {config.credentials_file}: Wonde needs token = "..."'
            )
        http = JsonHttp(
            config.base_url or DEFAULT_BASE_URL,
            authorization=f"Bearer {credentials.token}",
            timeout=config.timeout_seconds,
            vendor="Wonde",
            sleep=sleep,
        )
        return Wonde(http, config.school_id, label=label, marks=marks)
    if not (credentials.username and credentials.password):
        raise CredentialsError(
            f"[mis] credentials_file {config.credentials_file}: Arbor needs "
            'username = "..." and password = "..." (the application user)'
        )
    pair = f"{credentials.username}:{credentials.password}".encode()
    http = JsonHttp(
        config.base_url,
        authorization="Basic " + base64.b64encode(pair).decode("ascii"),
        timeout=config.timeout_seconds,
        vendor="Arbor",
        status_in_body=True,
        sleep=sleep,
    )
    return Arbor(
        http,
        marks=marks,
        roll_call_am=config.roll_call_am or clock(8, 40),
        roll_call_pm=config.roll_call_pm or clock(13, 20),
        notes=config.arbor_notes,
    )
