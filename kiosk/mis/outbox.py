"""The MIS outbox as the office screen shows it, and what the office's "Send now" did."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kiosk.config import MisConfig
from kiosk.mis.connect import LABELS
from kiosk.mis.queue import QueuedMark, queue_status
from kiosk.mis.send import SendRound
from kiosk.views.office import MisOutboxLine, MisOutboxState, MisOutboxView, MisSetupView

PROVIDER_NAMES = LABELS
# What needs a look comes first; what went well last.
_ORDER = (
    MisOutboxState.FAILED,
    MisOutboxState.REFUSED,
    MisOutboxState.SKIPPED,
    MisOutboxState.WAITING,
    MisOutboxState.SENT,
)


def outbox_view(
    session: Session, mis: MisConfig, *, today: date, now: datetime, zone: ZoneInfo
) -> MisOutboxView:
    """Today's marks in the queue and every older one not yet sent; nothing without a MIS."""
    if not mis.enabled:
        return MisOutboxView("")
    status = queue_status(session, day=today, unsent_too=True)
    counts = tuple((MisOutboxState(state), n) for state, n in status.shown_counts())
    # sorted() keeps the queue's own order (day, session, name) within each state.
    marks = sorted(status.marks, key=lambda mark: _ORDER.index(MisOutboxState(mark.shown_state)))
    lines = tuple(_line(mark, today=today, now=now, zone=zone) for mark in marks)
    name = PROVIDER_NAMES.get(mis.provider, mis.provider)
    return MisSetupView(name, counts, lines, setup=setup_lines(mis))


def setup_lines(mis: MisConfig) -> tuple[str, ...]:
    """What the config says about the connection, read without asking the MIS anything."""
    if mis.provider in {"wonde", "sims"}:
        where = f"Wonde school {mis.school_id}"
    else:
        where = f"Arbor at {mis.base_url}"
    overwrite = "on: the kiosk writes over the MIS's marks" if mis.overwrite else "off"
    lines = [f"{where} · overwrite {overwrite}"]
    if mis.provider == "arbor" and not mis.overwrite:
        lines.append(
            "Arbor cannot be read back, so no mark is written while [mis] overwrite = false: "
            "a teacher's mark cannot be ruled out. Send now shows what a check finds."
        )
    return tuple(lines)


def round_message(done: SendRound) -> str:
    """One line for the office on what a round of sending did."""
    report = done.report
    if report is None:
        return "The MIS is not connected: nothing was sent."
    parts = []
    if report.written or report.confirmed:
        parts.append(f"sent {report.written + report.confirmed}")
    if report.failed:
        parts.append(f"failed {report.failed} (tried again later)")
    if report.rejected:
        parts.append(f"refused {report.rejected}")
    if report.kept:
        parts.append(f"skipped {report.kept} (the MIS holds a mark)")
    if report.held:
        parts.append(f"not written {report.held} (no read-back, overwrite off)")
    if report.not_due:
        parts.append(f"waiting {report.not_due}")
    text = ("Sent now: " + ", ".join(parts)) if parts else "Nothing to send."
    if report.stopped:
        text += f" Stopped: {report.stopped}"
    if done.check is not None:
        if done.check.works:
            text += "\nCheck: a write would work."
        else:
            text += "\nCheck: " + "; ".join(
                f"{line.what}: {line.found}" for line in done.check.lines if not line.ok
            )
    return text


def _line(mark: QueuedMark, *, today: date, now: datetime, zone: ZoneInfo) -> MisOutboxLine:
    state = MisOutboxState(mark.shown_state)
    when = _when(mark.next_attempt_at, today, zone)
    if state is MisOutboxState.FAILED:
        tries = f"{mark.attempts} tr{'y' if mark.attempts == 1 else 'ies'}"
        note = f"{mark.last_error} · next try {when} ({tries})"
    elif state is MisOutboxState.WAITING:
        note = f"next try {when}" if mark.next_attempt_at > now else "not sent yet"
    elif state is MisOutboxState.SENT:
        note = f"sent {_when(mark.sent_at, today, zone)}" if mark.sent_at else ""
    elif state is MisOutboxState.REFUSED:
        note = f"{mark.last_error} · fix the roster or the MIS, then Send now"
    else:
        note = mark.last_error
    session = f"{mark.date.day} {mark.date:%b} {mark.session}"
    return MisOutboxLine(state, f"{mark.learner} ({mark.mis_id})", session, mark.code, note)


def _when(at: datetime, today: date, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local.day} {local:%b} {local:%H:%M}"
