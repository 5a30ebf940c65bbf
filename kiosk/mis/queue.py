"""The write-back queue: marks are queued with the transaction that writes them, sent later.

Sending never runs on the door's path: `kiosk mis send` (a systemd timer) reads what is due,
and each mark is claimed, sent and recorded in transactions of its own, so the lane never
waits on the MIS and a crash mid-send costs at most one early retry. A retry reads the MIS
back first, so a mark the MIS already took is recorded as sent, not written twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.config import MisConfig
from kiosk.mis.check import MisCheck, check_mis
from kiosk.mis.connect import open_provider
from kiosk.mis.provider import (
    MarkToSend,
    MisBadReply,
    MisConfigError,
    MisError,
    MisUnavailable,
    MisUnknownStudent,
    NoReadBack,
    Provider,
    ReadBackDoubt,
)
from records.models import LearnerRecord, MisWriteRecord, SessionMarkRecord

log = logging.getLogger("kiosk.mis")

MAX_BACKOFF_MINUTES = 60


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts, 1), MAX_BACKOFF_MINUTES))


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
            MisWriteRecord.state.in_(_DUE_STATES), MisWriteRecord.next_attempt_at > at
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
_DUE_STATES = ("pending", "held")


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


# --- sending ------------------------------------------------------------------------------------


@dataclass
class SendReport:
    """What one `send_due` run did."""

    written: int = 0
    # Already in the MIS as queued (a retry after the MIS took it): recorded, not sent again.
    confirmed: int = 0
    # The MIS held another mark for the session: kept, not overwritten.
    kept: int = 0
    # Not written: the MIS cannot be read back and the school has not chosen to overwrite.
    held: int = 0
    rejected: int = 0
    failed: int = 0
    not_due: int = 0
    stopped: str = ""
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = (self.written, self.confirmed, self.kept, self.held, self.rejected, self.failed)
        if not any((*counts, self.not_due)):
            return "nothing to send" + (f"; stopped: {self.stopped}" if self.stopped else "")
        text = (
            f"written {self.written}, already in the MIS {self.confirmed}, "
            f"kept the MIS's own mark {self.kept}, rejected {self.rejected}, "
            f"failed (will retry) {self.failed}, waiting to retry {self.not_due}"
        )
        if self.held:
            text += f", not written (no read-back, [mis] overwrite = false) {self.held}"
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")

    @property
    def ok(self) -> bool:
        """Nothing failed, was refused, held back or stopped the round."""
        return not (self.rejected or self.failed or self.held or self.stopped)


@dataclass(frozen=True)
class _Due:
    id: int
    payload: str
    payload_hash: str
    sent_payload: str
    who: str


def send_due(
    sessions: sessionmaker[Session], provider: Provider, *, overwrite: bool, now: datetime
) -> SendReport:
    """Send every queued mark that is due, oldest day first; each in its own transactions.

    A setting that is wrong (MisConfigError) or a reply that is not the vendor's shape
    (MisBadReply) stops the round: it says nothing about a learner, so no mark is refused on
    it; the marks wait for the next round.
    """
    report = SendReport()
    with sessions() as session:
        rows = session.execute(
            select(MisWriteRecord, LearnerRecord.mis_id)
            .join(LearnerRecord, LearnerRecord.id == MisWriteRecord.learner_id)
            .where(MisWriteRecord.state.in_(_DUE_STATES))
            .order_by(MisWriteRecord.date, MisWriteRecord.session, MisWriteRecord.id)
        ).tuples()
        due: list[_Due] = []
        for row, mis_id in rows:
            if row.next_attempt_at > now:
                report.not_due += 1
                continue
            who = f"{mis_id} {row.date} {row.session}"
            due.append(_Due(row.id, row.payload, row.payload_hash, row.sent_payload, who))
    if not due:
        return report
    if not provider.can_read_back and not overwrite:
        # Without a read-back a teacher's mark cannot be ruled out: nothing is written, and
        # nothing is asked of the MIS, until the school chooses `overwrite`.
        note = (
            f"not written: {provider.label} publishes no way to read the session back, so a "
            "teacher's mark cannot be ruled out; the office may set [mis] overwrite = true "
            "to write the kiosk's marks over whatever the MIS holds"
        )
        for item in due:
            _hold(sessions, item, now, note)
            report.held += 1
        report.problems.append(note)
        return report
    try:
        provider.prepare()
    except MisError as exc:
        report.stopped = _stop_reason(exc)
        log.error("MIS write-back stopped before the first mark: %s", report.stopped)
        return report
    except Exception as exc:  # a vendor's odd reply must not end a session
        report.stopped = _unexpected(exc)
        log.error("MIS write-back stopped: %s", report.stopped, exc_info=True)
        return report
    for item in due:
        if not _claim(sessions, item, now):
            continue
        mark = _mark(item.payload)
        try:
            outcome, note = _deliver(provider, mark, item.sent_payload, overwrite=overwrite)
        except (MisConfigError, MisBadReply) as exc:
            _record(sessions, item, now, error=str(exc))
            report.failed += 1
            report.stopped = _stop_reason(exc)
            log.error("MIS write-back stopped: %s", report.stopped)
            break
        except MisUnavailable as exc:
            wait = timedelta(seconds=exc.retry_after or 0)
            _record(sessions, item, now, error=str(exc), at_least=wait)
            report.failed += 1
            report.problems.append(f"{item.who}: {exc}")
            log.warning("MIS write-back of %s failed, will retry: %s", item.who, exc)
        except MisError as exc:
            reason = str(exc)
            if isinstance(exc, MisUnknownStudent):
                reason = f"unknown student: {reason}"
            _record(sessions, item, now, error=reason, state="rejected")
            report.rejected += 1
            report.problems.append(f"{item.who}: {reason}")
            log.warning("MIS write-back of %s rejected: %s", item.who, reason)
        except Exception as exc:  # as above
            reason = _unexpected(exc)
            _record(sessions, item, now, error=reason)
            report.failed += 1
            report.stopped = reason
            log.error("MIS write-back stopped: %s", reason, exc_info=True)
            break
        else:
            if outcome == "kept":
                _record(sessions, item, now, error=note, state="kept")
                report.kept += 1
            else:
                receipt = note if outcome == "written" else None
                _record(sessions, item, now, state="sent", sent=True, receipt=receipt)
                if outcome == "written":
                    report.written += 1
                else:
                    report.confirmed += 1
            log.info("MIS write-back of %s: %s", item.who, outcome)
    return report


def _stop_reason(exc: MisError) -> str:
    if isinstance(exc, MisConfigError):
        return f"{exc} (a setting to fix: {exc.setting}; no mark was refused)"
    return f"{exc} (tried again next round)"


def _unexpected(exc: Exception) -> str:
    return (
        f"the MIS's reply could not be read ({type(exc).__name__}); tried again next round, "
        "no mark was refused"
    )


@dataclass(frozen=True)
class SendRound:
    """One round of queueing and sending; `report` is None when no MIS is configured."""

    day: date
    queued: int = 0
    retried: int = 0
    report: SendReport | None = None
    # What `kiosk mis check` would say, when the round was asked to check first.
    check: MisCheck | None = None


def send_round(
    sessions: sessionmaker[Session],
    config: MisConfig,
    *,
    day: date,
    now: datetime,
    retry_refused: bool = False,
    send_waiting_now: bool = False,
    check: bool | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendRound:
    """Queue `day`'s marks not yet queued and send every due one: what the timer runs and the
    office's "Send now" does (with `send_waiting_now`, failed marks need not wait their turn;
    with `retry_refused`, refused ones are tried again after a person fixed the cause).

    With `check` (by default when staff asked to send now) the round first reads what
    `kiosk mis check` reads, and says so. With no MIS configured the database is not touched
    and no request leaves. Raises CredentialsError when the credentials file cannot be used.
    """
    provider = open_provider(config, sleep=sleep)
    if provider is None:
        return SendRound(day)
    with sessions.begin() as session:
        queued = queue_unsent_marks(session, day, at=now)
        retried = retry_rejected(session, at=now) if retry_refused else 0
        if send_waiting_now:
            bring_forward(session, at=now)
    checked = None
    if send_waiting_now if check is None else check:
        checked = check_mis(sessions, provider, today=day, overwrite=config.overwrite)
    report = send_due(sessions, provider, overwrite=config.overwrite, now=now)
    return SendRound(day, queued, retried, report, checked)


def _mark(payload: str) -> MarkToSend:
    values = json.loads(payload)
    return MarkToSend(
        mis_id=values["mis_id"],
        upn=values["upn"],
        date=date.fromisoformat(values["date"]),
        session=values["session"],
        code=values["code"],
        minutes_late=values["minutes_late"],
        comment=values["comment"],
    )


def _deliver(
    provider: Provider, mark: MarkToSend, sent_payload: str, *, overwrite: bool
) -> tuple[str, str]:
    """Read back, then write only where that is right: ("written", receipt) | ("confirmed", "")
    | ("kept", why)."""
    try:
        held = provider.held(mark)
    except NoReadBack:
        if not overwrite:
            raise
        held = None  # the school chose to write over whatever the MIS holds
    except ReadBackDoubt:
        if not overwrite:
            raise
        held = None
    if held is not None:
        if held.same_as(mark):
            return "confirmed", ""
        ours = bool(sent_payload) and json.loads(sent_payload).get("code") == held.code
        if not ours and not overwrite:
            return "kept", (
                f"the MIS already holds {held.code!r} for this session (not from the kiosk); "
                f"{mark.code!r} was not written over it ([mis] overwrite = false)"
            )
    return "written", provider.write(mark)


def _claim(sessions: sessionmaker[Session], item: _Due, now: datetime) -> bool:
    """Count the attempt and push the next one back before the request leaves.

    Committed first, so a crash between the request and recording its reply leaves the mark
    due again after the back-off, never lost and never retried in a tight loop.
    """
    with sessions.begin() as session:
        row = session.get(MisWriteRecord, item.id)
        if row is None or row.state not in _DUE_STATES or row.payload_hash != item.payload_hash:
            return False
        if row.next_attempt_at > now:
            return False  # another run (the timer, the office's Send now) claimed it first
        row.state = "pending"
        row.attempts += 1
        row.next_attempt_at = now + backoff(row.attempts)
        row.updated_at = now
    return True


def _record(
    sessions: sessionmaker[Session],
    item: _Due,
    now: datetime,
    *,
    error: str = "",
    state: str | None = None,
    sent: bool = False,
    receipt: str | None = None,
    at_least: timedelta = timedelta(0),
) -> None:
    with sessions.begin() as session:
        row = session.get_one(MisWriteRecord, item.id)
        if sent:
            # What the MIS holds from the kiosk now, even if the mark changed meanwhile.
            row.sent_payload = item.payload
            row.sent_at = now
        if receipt is not None:
            row.writeback_id = receipt[:100]
        row.last_error = error[:500]
        row.updated_at = now
        if row.payload_hash != item.payload_hash:
            return  # amended while this one was in flight: the new one is still pending
        if state is not None:
            row.state = state
        if at_least and row.next_attempt_at < now + at_least:
            row.next_attempt_at = now + at_least


def _hold(sessions: sessionmaker[Session], item: _Due, now: datetime, note: str) -> None:
    """Not written and not tried: held until the school chooses `overwrite` (no attempt spent)."""
    with sessions.begin() as session:
        row = session.get(MisWriteRecord, item.id)
        if row is None or row.state not in _DUE_STATES or row.payload_hash != item.payload_hash:
            return
        row.state = "held"
        row.last_error = note[:500]
        row.updated_at = now
