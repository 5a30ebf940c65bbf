"""The sd_notify protocol by hand: READY, WATCHDOG, STATUS and STOPPING datagrams to systemd.

systemd passes `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace) and, when the
unit has `WatchdogSec=`, `$WATCHDOG_USEC` (and `$WATCHDOG_PID`, the process meant to ping).
Outside systemd every call is a no-op that returns False, so the demo and tests need nothing.
Written out rather than taken from a package: it is one datagram, and the Pi image stays as is.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def _address(raw: str) -> str | None:
    if raw.startswith("@"):
        # Abstract namespace: a leading NUL instead of a file (systemd spells it with '@').
        return "\0" + raw[1:]
    if raw.startswith("/"):
        return raw
    # Unset, or a form this module does not speak (vsock: a VM's guest talking to its host).
    return None


def notify(state: str) -> bool:
    """Send one notification (`READY=1`, `WATCHDOG=1`, ...); whether it was sent."""
    address = _address(os.environ.get("NOTIFY_SOCKET", ""))
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(state.encode("utf-8"), address)
    except OSError as exc:
        # A missed ping must never take the kiosk down; systemd's watchdog judges the silence.
        log.warning("sd_notify %r not sent: %s", state.split("=", 1)[0], exc)
        return False
    return True


def watchdog_interval() -> float | None:
    """The watchdog interval in seconds if systemd expects this process to ping; else None."""
    raw = os.environ.get("WATCHDOG_USEC", "")
    try:
        usec = int(raw)
    except ValueError:
        return None
    if usec <= 0:
        return None
    pid = os.environ.get("WATCHDOG_PID", "")
    # WATCHDOG_PID names the process systemd started; a child that inherited it must stay quiet
    # (as sd_watchdog_enabled does). kiosk.service unsets it so the kiosk under cage and foot pings.
    if pid and pid != str(os.getpid()):
        return None
    return usec / 1_000_000


class Notifier:
    """What the app tells systemd: ready, alive, a status line, and that it is stopping."""

    def ready(self) -> bool:
        return notify("READY=1")

    def watchdog(self) -> bool:
        return notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        # One line: systemd reads the datagram as newline-separated assignments.
        return notify("STATUS=" + " ".join(text.split()))

    def stopping(self) -> bool:
        return notify("STOPPING=1")

    @property
    def watchdog_interval(self) -> float | None:
        return watchdog_interval()


__all__ = ["Notifier", "notify", "watchdog_interval"]
