"""The write-back queue: marks are queued with the transaction that writes them, sent later.

Sending never runs on the door's path: `kiosk mis send` (a systemd timer) reads what is due,
and each mark is claimed, sent and recorded in transactions of its own, so the lane never
waits on the MIS and a crash mid-send costs at most one early retry. A retry reads the MIS
back first, so a mark the MIS already took is recorded as sent, not written twice.

This module queues marks and reads the queue; sending them is kiosk.mis.send.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from records.models import LearnerRecord, MisWriteRecord, SessionMarkRecord

# --- queueing: in the caller's transaction, never committed here --------------------------------


def _field(mark: Any, name: str) -> Any:
    return mark[name] if isinstance(mark, Mapping) else getattr(mark, name)


def _payload(learner: LearnerRecord, mark: Any) -> dict[str, Any]:
    day = _field(mark, "date")
    return {
        "mis_id": learner.mis_id,
        "upn": learner.upn or "",
        "date": day.isoformat() if isinstance(day, date) else str(day),
        "session": str(_field(mark, "session")),
        "code": str(_field(mark, "code")),
        "minutes_late": int(_field(mark, "minutes_late") or 0),
        "comment": str(_field(mark, "comment") or ""),
    }


def _canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _enqueue(session: Session, mark: Any, at: datetime) -> bool:
    learner_id = int(_field(mark, "learner_id"))
    learner = session.get_one(LearnerRecord, learner_id)
    text = _canonical(_payload(learner, mark))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    day = _field(mark, "date")
    school_session = str(_field(mark, "session"))
    row = session.scalars(
        select(MisWriteRecord).where(
            MisWriteRecord.learner_id == learner_id,
            MisWriteRecord.date == day,
            MisWriteRecord.session == school_session,
        )
    ).first()
    if row is None:
        session.add(
            MisWriteRecord(
                learner_id=learner_id,
                date=day,
                session=school_session,
                payload=text,
                payload_hash=digest,
                next_attempt_at=at,
                queued_at=at,
                updated_at=at,
            )
        )
    elif row.payload_hash == digest:
        return False
    else:
        # Changed since it was queued or sent (an amendment): send the new one from scratch.
        row.payload = text
        row.payload_hash = digest
        row.state = "pending"
        row.attempts = 0
        row.next_attempt_at = at
        row.last_error = ""
        row.updated_at = at
    session.flush()
    return True


def enqueue_mark(
    session: Session, mark: SessionMarkRecord | Mapping[str, Any], *, at: datetime
) -> bool:
    """Queue a session mark for the MIS, in the caller's transaction; True if queued anew.

    `mark` is the `SessionMarkRecord` just written, or a mapping with its `learner_id`, `date`,
    `session`, `code`, `minutes_late` and `comment`. Queuing the same mark again does nothing;
    a changed one (an amendment) is queued again, even after it was sent.
    """
    return _enqueue(session, mark, at)


# An earlier day's mark changed within this long before a sweep is queued again: the timer
# sweeps every few minutes, so an amendment is never missed, and old marks are not re-read.
AMENDED_LOOKBACK = timedelta(days=2)


def queue_unsent_marks(session: Session, day: date, *, at: datetime | None = None) -> int:
    """Queue every mark of `day` not yet queued or changed since, and every earlier day's mark
    changed lately (an amendment made in the office); how many were queued.

    The sweep that makes the queue right whatever the call sites do; run before each send.
    """
    when = at or datetime.now(UTC)
    marks = session.scalars(
        select(SessionMarkRecord).where(
            or_(
                SessionMarkRecord.date == day,
                and_(
                    SessionMarkRecord.date < day,
                    SessionMarkRecord.updated_at >= when - AMENDED_LOOKBACK,
                ),
            )
        )
    )
    return sum(_enqueue(session, mark, when) for mark in list(marks))


def bring_forward(session: Session, *, at: datetime) -> int:
    """Make every waiting mark due at `at`, failed ones too: staff asked to send now."""
    rows = session.scalars(
        select(MisWriteRecord).where(
            MisWriteRecord.state.in_(DUE_STATES), MisWriteRecord.next_attempt_at > at
        )
    )
    count = 0
    for row in rows:
        row.next_attempt_at = at
        row.updated_at = at
        count += 1
    session.flush()
    return count


def retry_rejected(session: Session, *, at: datetime) -> int:
    """Put every rejected mark back in the queue (after the roster or the MIS was fixed)."""
    rows = session.scalars(select(MisWriteRecord).where(MisWriteRecord.state == "rejected"))
    count = 0
    for row in rows:
        row.state = "pending"
        row.attempts = 0
        row.next_attempt_at = at
        row.updated_at = at
        count += 1
    session.flush()
    return count


# --- what is in the queue --------------------------------------------------------------------


# A row's state as staff read it. A waiting mark whose last try failed is "failed": it is
# retried by itself, and the reason is worth seeing meanwhile. A held mark (the MIS cannot be
# read back, and the school has not chosen to overwrite) is "skipped", as a teacher's is.
SHOWN_STATES = ("waiting", "failed", "sent", "skipped", "refused")
_SHOWN = {
    "pending": "waiting",
    "sent": "sent",
    "kept": "skipped",
    "held": "skipped",
    "rejected": "refused",
}
# Rows a round looks at: waiting ones, and held ones (they go once the school chooses overwrite).
DUE_STATES = ("pending", "held")


@dataclass(frozen=True)
class QueuedMark:
    """One row of the queue as plain values, for `kiosk mis status` and the office screen."""

    learner: str
    mis_id: str
    date: date
    session: str
    code: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    sent_at: datetime | None
    # The MIS's receipt for the last write (Wonde's writeback_id); "" where it gives none.
    writeback_id: str = ""

    @property
    def shown_state(self) -> str:
        """One of SHOWN_STATES."""
        if self.state == "pending" and self.last_error:
            return "failed"
        return _SHOWN[self.state]


def queued_marks(
    session: Session, *, day: date | None = None, unsent_too: bool = False
) -> list[QueuedMark]:
    """The queue's rows, oldest day first; `day` alone, or with `unsent_too` also every row of
    another day that is not sent (what the office must still see)."""
    query = select(MisWriteRecord, LearnerRecord).join(
        LearnerRecord, LearnerRecord.id == MisWriteRecord.learner_id
    )
    if day is not None and unsent_too:
        query = query.where(or_(MisWriteRecord.date == day, MisWriteRecord.state != "sent"))
    elif day is not None:
        query = query.where(MisWriteRecord.date == day)
    query = query.order_by(
        MisWriteRecord.date, MisWriteRecord.session, LearnerRecord.surname, LearnerRecord.forename
    )
    found = []
    for row, learner in session.execute(query).tuples():
        payload = json.loads(row.payload)
        found.append(
            QueuedMark(
                learner=f"{learner.forename} {learner.surname}",
                mis_id=learner.mis_id,
                date=row.date,
                session=row.session,
                code=payload["code"],
                state=row.state,
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at,
                last_error=row.last_error,
                sent_at=row.sent_at,
                writeback_id=row.writeback_id,
            )
        )
    return found


@dataclass(frozen=True)
class QueueStatus:
    """The queue's rows and how many are in each state, as `kiosk mis status` counts them."""

    marks: tuple[QueuedMark, ...]

    def count(self, state: str) -> int:
        """Rows in a stored state ("pending", "sent", "kept", "rejected")."""
        return sum(mark.state == state for mark in self.marks)

    def shown_counts(self) -> tuple[tuple[str, int], ...]:
        """(shown state, rows) for each of SHOWN_STATES, in that order."""
        return tuple(
            (shown, sum(mark.shown_state == shown for mark in self.marks)) for shown in SHOWN_STATES
        )


def queue_status(
    session: Session, *, day: date | None = None, unsent_too: bool = False
) -> QueueStatus:
    return QueueStatus(tuple(queued_marks(session, day=day, unsent_too=unsent_too)))
