"""Calling user callbacks from device threads without letting their errors stop the device."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

E = TypeVar("E")

_log = logging.getLogger("drivers")


def fire(callback: Callable[[E], object] | None, event: E) -> None:
    """Call `callback(event)` if set; log and swallow what it raises.

    A device thread that died because a screen handler raised would leave the kiosk deaf
    to badges until restarted; a logged traceback is the lesser harm.
    """
    if callback is None:
        return
    try:
        callback(event)
    except Exception:
        _log.exception("callback %r raised on %r", callback, event)
