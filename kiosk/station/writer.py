"""The station's one writer: database work in order on its own thread, never on the UI thread.

Jobs run one at a time in the order they were submitted, so a badge, then the arch's alarm a
moment later, reach the lane in that order. The one exception is a learner's tap at the door
(`urgent`): it may go ahead of steps already queued for the learners in front, which it cannot
change (it only adds a learner at the back), so the learner is answered at once. A database
another program has locked is waited out (the job is tried again), never dropped; the result
goes back to the UI through `post_message`, the one thread-safe way into a Textual app.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from textual.message import Message

from kiosk.door.checkin import is_locked

log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 0.05
_URGENT, _IN_TURN, _LAST = 0, 1, 2


@dataclass
class JobDone(Message):
    """A writer job finished: `then(result)` runs on the UI thread."""

    then: Callable[[Any], None]
    result: Any


@dataclass
class JobFailed(Message):
    """A writer job failed for good: nothing it would have written was written."""

    error: BaseException
    # What the job's submitter does instead of `then`, besides the app's own notice.
    failed: Callable[[BaseException], None] | None = None


class Writer:
    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        # (rank, order, job, (then, failed), name): urgent first, else first come first served.
        self._jobs: queue.PriorityQueue[tuple[int, int, Any, Any, str]] = queue.PriorityQueue()
        self._order = itertools.count()
        # Set by stop(): after it a locked database is waited out only until then.
        self._deadline: float | None = None
        self._thread: threading.Thread | None = None
        # Jobs submitted and not yet reported back: counted on the UI thread only (submit, and
        # the app's handlers of JobDone and JobFailed), so it needs no lock.
        self.waiting = 0
        self.locked = False  # the last attempt found the database locked

    def submit(
        self,
        job: Callable[[], Any],
        then: Callable[[Any], None],
        *,
        urgent: bool = False,
        name: str = "",
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `job` in turn; `name` says in the log what failed (else the job's own name),
        and `failed(error)` runs on the UI thread instead of `then` if it fails for good."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kiosk-writer", daemon=True)
            self._thread.start()
        self.waiting += 1
        name = name or getattr(job, "__qualname__", type(job).__name__)
        answers = (then, failed)
        self._jobs.put((_URGENT if urgent else _IN_TURN, next(self._order), job, answers, name))

    def _run(self) -> None:
        while True:
            _, _, job, answers, name = self._jobs.get()
            if job is None:
                return
            then, failed = answers
            try:
                result = self._until_done(job)
            except Exception as exc:  # a job's failure must not stop the writer
                log.exception("a database job failed: %s", name)
                self._post(JobFailed(exc, failed))
                continue
            self._post(JobDone(then, result))

    def _until_done(self, job: Callable[[], Any]) -> Any:
        while True:
            try:
                result = job()
            except SQLAlchemyError as exc:
                if not is_locked(exc) or self._past_deadline():
                    raise
                if not self.locked:
                    log.warning("database locked by another program: waiting to write")
                self.locked = True
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            self.locked = False
            return result

    def _past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() > self._deadline

    def stop(self, timeout: float = 2.0) -> int:
        """Finish every job already submitted (taps read before the stop are saved), waiting at
        most `timeout` seconds; returns how many jobs were left undone."""
        self._deadline = time.monotonic() + timeout
        if self._thread is None:
            return 0
        self._jobs.put((_LAST, next(self._order), None, None, "stop"))
        self._thread.join(timeout=timeout)
        if not self._thread.is_alive():
            return 0
        return self._jobs.qsize()  # the job under way and those behind it, less the stop
