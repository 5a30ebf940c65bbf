"""Notifications for the attendance officer and the DSL: queued in the outbox, sent by email.

What each notification says, queued in the use case's own transaction, is in kiosk.notify.queue;
this module reads the outbox, sends it and writes on the record that the DSL was told.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.config import NotifyConfig
from records.models import NotificationRecord, RefusalRecord, SearchRecord

# Who reads what. Safeguarding detail (search exceptions, police matters) goes only to the DSL;
# the attendance officer hears about absences and parents who must come in.
ATTENDANCE = "attendance"
DSL = "dsl"

# A slow or silent mail server must not hold the timer's run for long.
SMTP_TIMEOUT_SECONDS = 20.0

# Longest wait between two attempts at the same notification.
MAX_BACKOFF_MINUTES = 60


class NotifyError(Exception):
    """Email is configured but cannot be used (e.g. the password file is missing)."""


@dataclass(frozen=True)
class PendingNotification:
    """A notification not yet sent, as plain values for the office screen."""

    id: int
    created_at: datetime
    role: str
    subject: str
    body: str
    attempts: int
    last_error: str


@dataclass(frozen=True)
class SendReport:
    """What one `send_pending` run did."""

    sent: int = 0
    failed: int = 0
    # Failed before and not yet due again (backing off).
    deferred: int = 0
    # Their role has no address configured: they wait for the office screen.
    no_address: int = 0

    def summary(self) -> str:
        return (
            f"sent {self.sent}, failed {self.failed}, waiting to retry {self.deferred}, "
            f"no address for the role {self.no_address}"
        )


def pending(session: Session) -> list[PendingNotification]:
    """Every notification not yet sent, oldest first."""
    rows = session.scalars(
        select(NotificationRecord)
        .where(NotificationRecord.sent_at.is_(None))
        .order_by(NotificationRecord.created_at, NotificationRecord.id)
    )
    return [
        PendingNotification(
            row.id, row.created_at, row.role, row.subject, row.body, row.attempts, row.last_error
        )
        for row in rows
    ]


# --- sending ------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 2, 4, 8 ... up to 60 minutes."""
    return timedelta(minutes=min(2**attempts, MAX_BACKOFF_MINUTES))


def next_attempt_at(created_at: datetime, attempts: int) -> datetime:
    """When a notification that has failed `attempts` times is due again.

    Without a stored time of the last attempt, this assumes each attempt happened as soon as
    it was due. Real attempts come later (the timer's period), so this is never later than
    the true schedule: at worst a retry comes early, never a notification held back too long.
    """
    waited = sum((backoff(n) for n in range(1, attempts + 1)), timedelta())
    return created_at + waited


def recipients(config: NotifyConfig, role: str) -> str:
    """The configured address(es) for a role; empty when none."""
    return {ATTENDANCE: config.attendance, DSL: config.dsl}.get(role, "").strip()


def read_password(config: NotifyConfig) -> str | None:
    if not config.password_file:
        return None
    path = Path(config.password_file)
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise NotifyError(
            f"[notify] password_file {path}: cannot read it ({exc.strerror}); "
            "it must hold only the SMTP password"
        ) from None


def build_message(
    config: NotifyConfig,
    *,
    notification_id: int,
    created_at: datetime,
    to: str,
    subject: str,
    body: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(created_at)
    # The same id on every attempt, so a mail client can fold a rare duplicate (sent, then the
    # commit of sent_at failed) into one message.
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or "kiosk.invalid"
    stamp = int(created_at.timestamp())
    message["Message-ID"] = f"<kiosk-notification-{notification_id}-{stamp}@{domain}>"
    message.set_content(body)
    return message


@dataclass(frozen=True)
class _Due:
    id: int
    created_at: datetime
    role: str
    subject: str
    body: str


class _Mailer:
    """One SMTP connection for the run, opened when first needed and reopened after a failure."""

    def __init__(self, config: NotifyConfig, password: str | None) -> None:
        self._config = config
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
        try:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username and self._password is not None:
                smtp.login(config.username, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def send_now(
    sessions: sessionmaker[Session], config: NotifyConfig, ids: Sequence[int], *, now: datetime
) -> SendReport:
    """Send these notifications at once, whatever their backoff: a serious incident for the
    DSL does not wait for the timer's next round. Those that fail stay for the timer."""
    if not ids:
        return SendReport()
    return send_pending(sessions, config, now=now, only=frozenset(ids))


def send_dsl_now(
    sessions: sessionmaker[Session], config: NotifyConfig, *, now: datetime
) -> SendReport:
    """Every undelivered DSL notification about a search or a learner not admitted under the
    influence (a serious incident), sent at once."""
    with sessions() as session:
        ids = session.scalars(
            select(NotificationRecord.id).where(
                NotificationRecord.sent_at.is_(None),
                NotificationRecord.role == DSL,
                or_(
                    NotificationRecord.search_id.is_not(None),
                    NotificationRecord.refusal_id.is_not(None),
                ),
            )
        ).all()
    if not ids:
        return SendReport()
    if not config.enabled:
        return SendReport(no_address=len(ids))
    return send_now(sessions, config, ids, now=now)


def send_pending(
    sessions: sessionmaker[Session],
    config: NotifyConfig,
    *,
    now: datetime,
    only: frozenset[int] | None = None,
) -> SendReport:
    """Email every unsent notification that is due; each one is marked in its own transaction.

    Nothing is held open while talking to the mail server: on SQLite a transaction holds the
    database's write lock, and the door must not wait for a slow mail server. The price is
    that two senders running at once could both send one notification; the systemd timer
    never overlaps itself, and the stable Message-ID lets mail clients fold a duplicate.
    """
    if not config.enabled:
        return SendReport()
    password = read_password(config)
    with sessions() as session:
        due = [
            _Due(n.id, n.created_at, n.role, n.subject, n.body)
            for n in session.scalars(
                select(NotificationRecord)
                .where(NotificationRecord.sent_at.is_(None))
                .order_by(NotificationRecord.created_at, NotificationRecord.id)
            )
            if recipients(config, n.role)
            and (
                n.id in only
                if only is not None
                else next_attempt_at(n.created_at, n.attempts) <= now
            )
        ]
        waiting = [
            n
            for n in session.scalars(
                select(NotificationRecord).where(NotificationRecord.sent_at.is_(None))
            )
            if only is None or n.id in only
        ]
        no_address = sum(1 for n in waiting if not recipients(config, n.role))
        deferred = len(waiting) - no_address - len(due)
    sent = failed = 0
    mailer = _Mailer(config, password)
    try:
        for item in due:
            message = build_message(
                config,
                notification_id=item.id,
                created_at=item.created_at,
                to=recipients(config, item.role),
                subject=item.subject,
                body=item.body,
            )
            try:
                mailer.send(message)
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                _mark(sessions, item.id, error=_describe(exc))
            else:
                sent += 1
                _mark(sessions, item.id, sent_at=now, to=recipients(config, item.role))
    finally:
        mailer.close()
    return SendReport(sent=sent, failed=failed, deferred=deferred, no_address=no_address)


def _mark(
    sessions: sessionmaker[Session],
    notification_id: int,
    *,
    sent_at: datetime | None = None,
    error: str = "",
    to: str = "",
) -> None:
    with sessions.begin() as session:
        record = session.get_one(NotificationRecord, notification_id)
        record.attempts += 1
        if sent_at is not None:
            record.sent_at = sent_at
            record.last_error = ""
            if record.search_id is not None:
                dsl_told(session, record.search_id, at=sent_at, by=f"email to {to}")
            if record.refusal_id is not None:
                dsl_told_of_refusal(session, record.refusal_id, at=sent_at, by=f"email to {to}")
        else:
            record.last_error = error


def dsl_told(session: Session, search_id: int, *, at: datetime, by: str) -> None:
    """Write on the search that the DSL was told: when, and by what (a delivered email, a
    member of staff confirming). The first act that told them is the one kept."""
    search = session.get(SearchRecord, search_id)
    if search is not None and search.dsl_informed_at is None:
        search.dsl_informed = True
        search.dsl_informed_at = at
        search.dsl_informed_by = by


def dsl_told_of_refusal(session: Session, refusal_id: int, *, at: datetime, by: str) -> None:
    """Write on a learner not admitted (under the influence) that the DSL was told: when, and
    by what. The first act that told them is the one kept."""
    refusal = session.get(RefusalRecord, refusal_id)
    if refusal is not None and refusal.dsl_informed_at is None:
        refusal.dsl_informed_at = at
        refusal.dsl_informed_by = by


def undelivered_dsl(session: Session) -> list[PendingNotification]:
    """Notifications for the DSL not yet delivered (failed, or waiting for an address)."""
    return [n for n in pending(session) if n.role == DSL]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text.splitlines()[0]}"[:500]
