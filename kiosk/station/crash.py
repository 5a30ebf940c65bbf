"""When the app stops on an error: its traceback in the log, and an exit status that says so.

Textual catches an exception raised inside the app, draws its traceback on the terminal (which
the kiosk's own window takes away with it) and lets `App.run()` return None, so `kiosk run`
would exit 0 with nothing in the log. `run_app` turns that into a logged traceback and the
app's non-zero return code; `LogsCrashes` writes the traceback at the moment of the error,
before the app shuts down (a shutdown that then hangs is killed by the watchdog).
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from textual.app import App

log = logging.getLogger(__name__)

ReturnType = TypeVar("ReturnType")

CRASHED = "the app stopped on an unhandled error"


class LogsCrashes(App[ReturnType]):
    """An App that logs the traceback of an unhandled error as soon as Textual catches it."""

    def _handle_exception(self, error: Exception) -> None:
        # Textual's one place for an error raised in a handler, a timer or a worker that exits
        # the app on error; it then shuts the app down with return code 1.
        log.critical(CRASHED, exc_info=error)
        super()._handle_exception(error)


def run_app(app: App[Any]) -> int:
    """Run `app` to its end; 0 when it closed normally, its non-zero return code if it crashed."""
    try:
        result = app.run()
    except Exception:
        log.critical(CRASHED, exc_info=True)
        raise
    return exit_status(app, result)


def exit_status(app: App[Any], result: object = None) -> int:
    """The exit status of a finished app, logging the error that stopped it if not yet logged."""
    code = app.return_code or 0
    if code == 0:
        return result if isinstance(result, int) and not isinstance(result, bool) else 0
    if not isinstance(app, LogsCrashes):
        # Textual keeps the first unhandled error (to re-raise it under a test pilot).
        error = getattr(app, "_exception", None)
        if isinstance(error, BaseException):
            log.critical(CRASHED, exc_info=error)
        else:
            log.critical("the app stopped with return code %d", code)
    return code
