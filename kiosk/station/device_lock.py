"""One kiosk at a time owns the devices: a lock taken before any reader or pin is opened.

On the Pi the panel is a browser page served by textual-serve, which starts a new kiosk process
for each connection; after a reload the old process may still be closing. The new one waits
here for it, a short while, instead of opening the same serial ports and pins twice.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from pathlib import Path
from typing import IO

WAIT_SECONDS = 15.0


class DevicesBusy(Exception):
    """Another kiosk process still holds the devices."""


def lock_path() -> Path:
    """systemd's RuntimeDirectory (/run/kiosk) when there is one, else a private temp folder."""
    runtime = os.environ.get("RUNTIME_DIRECTORY")
    folder = Path(runtime) if runtime else Path(tempfile.gettempdir()) / f"kiosk-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / "devices.lock"


def hold_devices(path: Path | None = None, *, wait: float = WAIT_SECONDS) -> IO[str]:
    """The lock, held for as long as the returned file stays open (the process's life)."""
    where = path or lock_path()
    handle = open(where, "w")  # noqa: SIM115 - held open on purpose: closing releases the lock
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                raise DevicesBusy(
                    f"another kiosk process still holds the readers and pins ({where}); "
                    "stop it first (systemctl stop kiosk-panel) or wait for it to close"
                ) from None
            time.sleep(0.1)
