"""Notifications for the attendance officer and the DSL: queued in the outbox, sent by email."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
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


# --- queueing: in the caller's transaction, never committed here ------------------------------


def _local(at: datetime, zone: tzinfo | None) -> str:
    # The zone's abbreviation is printed so that a UTC time is never read as local (or back).
    return f"{(at.astimezone(zone) if zone else at):%H:%M %Z on %Y-%m-%d}"


def _queue(
    session: Session,
    *,
    at: datetime,
    role: str,
    subject: str,
    body: str,
    search_id: int | None = None,
    refusal_id: int | None = None,
) -> int:
    record = NotificationRecord(
        created_at=at,
        role=role,
        subject=subject,
        body=body,
        search_id=search_id,
        refusal_id=refusal_id,
    )
    session.add(record)
    session.flush()
    return record.id


def queue_refusal(
    session: Session,
    *,
    at: datetime,
    day: date,
    learner: str,
    mis_id: str,
    comment: str,
    zone: tzinfo | None = None,
    then: str = "",
) -> int:
    """Tell the attendance officer a learner was not admitted (the O mark); no search detail.

    `learner` names the learner to staff, e.g. "Aoife Ní Bhriain (A1001, 7R)"; `then`, a line
    on what happens next (a parent or carer called to collect them).
    """
    return _queue(
        session,
        at=at,
        role=ATTENDANCE,
        subject=f"Not admitted: {learner}",
        body=(
            f"{learner}: {comment} at {_local(at, zone)} (school day {day}).\n"
            "The absence is recorded as unauthorised (O). This is not an exclusion.\n"
            + (f"{then}\n" if then else "")
            + f"Learner MIS id: {mis_id}\n"
        ),
    )


def queue_influence(
    session: Session,
    *,
    at: datetime,
    learner: str,
    mis_id: str,
    note: str = "",
    recorded_by: str = "",
    zone: tzinfo | None = None,
    refusal_id: int | None = None,
) -> int:
    """Tell the DSL a learner suspected of being under the influence was not admitted (R28: a
    drug and substance incident); its delivery is written on the refusal."""
    lines = [
        f"{learner} was not admitted at {_local(at, zone)}: suspected under the influence.",
        "They are kept apart from other learners until a parent or carer collects them.",
    ]
    if recorded_by:
        lines.append(f"Recorded by: {recorded_by}")
    if note:
        lines.append(f"What staff saw:\n{note}")
    return _queue(
        session,
        at=at,
        role=DSL,
        subject=f"Not admitted, suspected under the influence{_ref(mis_id)}",
        body="\n".join(lines) + "\n",
        refusal_id=refusal_id,
    )


def queue_exception_used(
    session: Session,
    *,
    at: datetime,
    learner: str,
    searcher: str,
    reason: str,
    mis_id: str = "",
    zone: tzinfo | None = None,
    search_id: int | None = None,
) -> int:
    """Flag to the DSL a search made without a same-sex searcher or a witness, with the reason."""
    return _queue(
        session,
        at=at,
        search_id=search_id,
        role=DSL,
        # Subjects show on lock screens and in shared mailbox lists: the kind and the MIS id only.
        subject=f"Search exception used{_ref(mis_id)}",
        body=(
            f"A search of {learner} at {_local(at, zone)} was made by {searcher} using the "
            "exception (risk of serious harm if not searched urgently; a same-sex searcher or "
            "a witness was not reasonably practicable in the time available).\n\n"
            f"Justification recorded:\n{reason}\n"
        ),
    )


def queue_police_item(
    session: Session,
    *,
    at: datetime,
    learner: str,
    category: str,
    description: str,
    searcher: str,
    handed_to: str = "",
    police_reference: str = "",
    mis_id: str = "",
    zone: tzinfo | None = None,
    search_id: int | None = None,
) -> int:
    """Tell the DSL an item found in a search went (or must go) to the police."""
    lines = [
        f"An item found in a search of {learner} at {_local(at, zone)} is for the police.",
        f"Category: {category}",
        f"Description: {description}",
        f"Searcher: {searcher}",
    ]
    if handed_to:
        lines.append(f"Handed to: {handed_to}")
    if police_reference:
        lines.append(f"Police reference: {police_reference}")
    return _queue(
        session,
        at=at,
        role=DSL,
        subject=f"Item for the police{_ref(mis_id)}",
        body="\n".join(lines) + "\n",
        search_id=search_id,
    )


def queue_dsl_item(
    session: Session,
    *,
    at: datetime,
    learner: str,
    category: str,
    description: str,
    disposition: str,
    searcher: str,
    reason: str = "",
    handed_to: str = "",
    mis_id: str = "",
    zone: tzinfo | None = None,
    search_id: int | None = None,
) -> int:
    """Tell the DSL of an item they must know of (a drug or substance, a stolen item), whatever
    became of it."""
    lines = [
        f"An item found in a search of {learner} at {_local(at, zone)} must be known to the "
        "designated safeguarding lead.",
        f"Category: {category}",
        f"Description: {description}",
        f"What became of it: {disposition}",
        f"Searcher: {searcher}",
    ]
    if reason:
        lines.append(f"Reason: {reason}")
    if handed_to:
        lines.append(f"Handed to: {handed_to}")
    return _queue(
        session,
        at=at,
        role=DSL,
        subject=f"Search: {category}{_ref(mis_id)}",
        body="\n".join(lines) + "\n",
        search_id=search_id,
    )


def queue_physical_intervention(
    session: Session,
    *,
    at: datetime,
    learner: str,
    what: str,
    mis_id: str = "",
    zone: tzinfo | None = None,
    search_id: int | None = None,
) -> int:
    """Tell the DSL that physical contact or force was used in a search (what, by whom, why)."""
    return _queue(
        session,
        at=at,
        role=DSL,
        subject=f"Physical intervention in a search{_ref(mis_id)}",
        body=(
            f"Physical intervention was used in a search of {learner} at {_local(at, zone)}.\n"
            f"What, by whom and why:\n{what}\n"
        ),
        search_id=search_id,
    )


def queue_attendance(session: Session, *, at: datetime, subject: str, body: str) -> int:
    """A plain message for the attendance officer (a sign-out sent home, a phone collected)."""
    return _queue(session, at=at, role=ATTENDANCE, subject=subject, body=body)


def queue_third_confiscation(
    session: Session,
    *,
    at: datetime,
    learner: str,
    mis_id: str,
    slot: str = "",
    zone: tzinfo | None = None,
) -> int:
    """Tell the attendance officer of a third confiscation: a parent or carer must collect it."""
    where = f" It is in {slot}." if slot else ""
    return _queue(
        session,
        at=at,
        role=ATTENDANCE,
        subject=f"Phone to be collected by a parent or carer: {learner}",
        body=(
            f"{learner}'s phone was confiscated for the third time at {_local(at, zone)}."
            f"{where}\nUnder the school's policy a parent or carer must collect it; "
            "please contact them.\n"
            f"Learner MIS id: {mis_id}\n"
        ),
    )


def _ref(mis_id: str) -> str:
    return f": {mis_id}" if mis_id else ""


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
