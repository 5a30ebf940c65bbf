"""Reads for the staff screens that may wait on the network (the hub): on a thread of their
own, so neither the screen nor the writer waits for them."""

from __future__ import annotations

import logging
from typing import Any

from textual.app import App

from kiosk.station.host import Failed, Job, Then

log = logging.getLogger(__name__)


def read_off_thread(
    app: App[Any],
    job: Job,
    then: Then[Any],
    failed: Failed | None = None,
) -> None:
    """Run `job` on a worker thread; `then(result)` runs back on the UI thread. A read that
    fails is logged, staff are asked to try again, and `failed(error)` runs instead."""

    def work() -> None:
        try:
            result = job()
        except Exception as error:
            log.exception("a read for the staff screen failed")
            app.call_from_thread(
                app.notify, "The record could not be read. Try again.", severity="error"
            )
            if failed is not None:
                app.call_from_thread(failed, error)
            return
        app.call_from_thread(then, result)

    app.run_worker(work, thread=True, group="reads")


__all__ = ["read_off_thread"]
