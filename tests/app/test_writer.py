"""The station's writer: jobs in order on their own thread, and a failure named in the log."""

from __future__ import annotations

import logging

import pytest
from textual.message import Message

from kiosk.station.writer import JobDone, JobFailed, Writer


def collecting() -> tuple[list[Message], Writer]:
    """A writer whose messages back to the UI are kept, in the order posted."""
    posted: list[Message] = []
    return posted, Writer(posted.append)


def test_a_job_that_fails_is_named_in_the_log_and_the_next_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    posted, writer = collecting()

    def record_the_search() -> None:
        raise ValueError("the searcher is not authorised")

    with caplog.at_level(logging.ERROR, logger="kiosk.station.writer"):
        writer.submit(record_the_search, lambda _: None)
        writer.submit(lambda: "saved", lambda _: None, name="sign-in B00007")
        assert writer.stop(timeout=5) == 0
    assert isinstance(posted[0], JobFailed) and isinstance(posted[1], JobDone)
    assert posted[1].result == "saved"
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert failure.getMessage().endswith("record_the_search")


def test_every_job_submitted_before_the_stop_is_done_in_order() -> None:
    posted, writer = collecting()
    for n in range(50):
        writer.submit(lambda n=n: n, lambda _: None, name=f"tap {n}")
    assert writer.stop(timeout=5) == 0
    assert [m.result for m in posted if isinstance(m, JobDone)] == list(range(50))
