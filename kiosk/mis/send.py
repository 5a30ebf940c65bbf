"""Sending the write-back queue: each due mark claimed, read back, written and recorded.

Split out of kiosk.mis.queue (which queues the marks and reads the queue). Each mark is
claimed, sent and recorded in transactions of its own, so the lane never waits on the MIS and
a crash mid-send costs at most one early retry; a retry reads the MIS back first, so a mark the
MIS already took is recorded as sent, not written twice.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
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
from kiosk.mis.queue import DUE_STATES, bring_forward, queue_unsent_marks, retry_rejected
from records.models import LearnerRecord, MisWriteRecord

log = logging.getLogger("kiosk.mis")

MAX_BACKOFF_MINUTES = 60


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts, 1), MAX_BACKOFF_MINUTES))


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
    due = _due(sessions, now, report)
    if not due:
        return report
    if not provider.can_read_back and not overwrite:
        _hold_all(sessions, provider, due, now, report)
        return report
    if not _prepared(provider, report):
        return report
    for item in due:
        if not _claim(sessions, item, now):
            continue
        if not _send_one(sessions, provider, item, now, overwrite, report):
            break
    return report


def _due(sessions: sessionmaker[Session], now: datetime, report: SendReport) -> list[_Due]:
    """The marks due now, oldest day first; those waiting out their back-off are counted."""
    with sessions() as session:
        rows = session.execute(
            select(MisWriteRecord, LearnerRecord.mis_id)
            .join(LearnerRecord, LearnerRecord.id == MisWriteRecord.learner_id)
            .where(MisWriteRecord.state.in_(DUE_STATES))
            .order_by(MisWriteRecord.date, MisWriteRecord.session, MisWriteRecord.id)
        ).tuples()
        due: list[_Due] = []
        for row, mis_id in rows:
            if row.next_attempt_at > now:
                report.not_due += 1
                continue
            who = f"{mis_id} {row.date} {row.session}"
            due.append(_Due(row.id, row.payload, row.payload_hash, row.sent_payload, who))
    return due


def _hold_all(
    sessions: sessionmaker[Session],
    provider: Provider,
    due: list[_Due],
    now: datetime,
    report: SendReport,
) -> None:
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


def _prepared(provider: Provider, report: SendReport) -> bool:
    """The provider made ready for the round; False (and the round stopped) if it cannot be."""
    try:
        provider.prepare()
    except MisError as exc:
        report.stopped = _stop_reason(exc)
        log.error("MIS write-back stopped before the first mark: %s", report.stopped)
        return False
    except Exception as exc:  # a vendor's odd reply must not end a session
        report.stopped = _unexpected(exc)
        log.error("MIS write-back stopped: %s", report.stopped, exc_info=True)
        return False
    return True


def _send_one(
    sessions: sessionmaker[Session],
    provider: Provider,
    item: _Due,
    now: datetime,
    overwrite: bool,
    report: SendReport,
) -> bool:
    """Send one claimed mark and record what became of it; False when it stops the round."""
    mark = _mark(item.payload)
    try:
        outcome, note = _deliver(provider, mark, item.sent_payload, overwrite=overwrite)
    except (MisConfigError, MisBadReply) as exc:
        _record(sessions, item, now, error=str(exc))
        report.failed += 1
        report.stopped = _stop_reason(exc)
        log.error("MIS write-back stopped: %s", report.stopped)
        return False
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
        return False
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
    return True


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
        if row is None or row.state not in DUE_STATES or row.payload_hash != item.payload_hash:
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
        if row is None or row.state not in DUE_STATES or row.payload_hash != item.payload_hash:
            return
        row.state = "held"
        row.last_error = note[:500]
        row.updated_at = now
