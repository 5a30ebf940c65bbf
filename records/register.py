"""The register as evidence: every session mark's content sits in the audit chain, and is checked.

A mark's content (learner, date, session, code, minutes late, comment, arrival and admission
times) goes into the audit entry written with it (`audit_mark`), and into a new entry on each
amendment. `verify_register` re-reads every session_marks row and compares it with the newest
entry for it, so a mark changed, added or deleted behind the kiosk's back is named even though
the chain itself is intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from records.audit import AuditRecord, append_audit
from records.canonical import canonical_json
from records.morning import SessionMarkRecord
from records.people import LearnerRecord

# The entity of every audit entry about a mark; its entity_id is the mark's id.
MARK_ENTITY = "session_marks"
MARK_FIELDS = (
    "learner",
    "date",
    "session",
    "code",
    "minutes_late",
    "comment",
    "arrived_at",
    "admitted_at",
)
# Refusals written by releases before `audit_mark`: entity "learners", entity_id the MIS id.
_LEGACY_REFUSAL_ENTITY = "learners"
_LEGACY_REFUSAL_ACTIONS = "learner.refused_%"


@dataclass(frozen=True)
class MarkProblem:
    """A mark that does not match the audit log, and why."""

    mark_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"session mark {self.mark_id}: {self.reason}"


@dataclass(frozen=True)
class RegisterCheck:
    """What `verify_register` found: how many marks it read, and the first problems."""

    marks: int
    problems: tuple[MarkProblem, ...]
    problem_count: int

    @property
    def intact(self) -> bool:
        return self.problem_count == 0


def mark_content(
    *,
    learner: str,
    day: date,
    session: str,
    code: str,
    minutes_late: int,
    comment: str,
    arrived_at: datetime | None,
    admitted_at: datetime | None,
) -> dict[str, Any]:
    """A mark's content as the audit log holds it (JSON values: times as UTC ISO text)."""
    value = {
        "learner": learner,
        "date": day,
        "session": session,
        "code": code,
        "minutes_late": minutes_late,
        "comment": comment,
        "arrived_at": arrived_at,
        "admitted_at": admitted_at,
    }
    loaded: dict[str, Any] = json.loads(canonical_json(value))
    return loaded


def content_of(session: Session, mark: SessionMarkRecord) -> dict[str, Any]:
    """The content of a mark record (its learner named by MIS id)."""
    return _content(mark, session.get_one(LearnerRecord, mark.learner_id).mis_id)


def audit_mark(
    session: Session,
    mark: SessionMarkRecord,
    *,
    at: datetime,
    actor_staff_id: str | None,
    action: str,
    extra: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append the audit entry for a mark just written or changed, carrying its full content.

    Call it after every write to a session_marks row, in the same transaction. Every entry
    with entity "session_marks" must come from here: verify compares the row with the newest
    one. `extra` adds context (a reason, the amendment's id) but cannot change the content.
    """
    session.flush()
    content = content_of(session, mark)
    clash = set(MARK_FIELDS).intersection(extra or {})
    if clash:
        raise ValueError(f"extra detail may not replace the mark's own fields: {sorted(clash)}")
    return append_audit(
        session,
        at=at,
        actor_staff_id=actor_staff_id,
        action=action,
        entity=MARK_ENTITY,
        entity_id=str(mark.id),
        detail={**content, **(extra or {})},
    )


def verify_register(session: Session, *, limit: int = 50) -> RegisterCheck:
    """Compare every session mark with the newest audit entry for it.

    Reported: a mark with no entry, a mark that differs from its entry (only the fields the
    entry carries are compared, so the short entries of older releases, learner, code and
    minutes late, still catch a changed code), and an entry whose mark is gone. Marks of
    older releases' refusals, which were audited against the learner, are matched by learner
    and arrival time; a deleted one of those cannot be told from a refusal followed by an
    admission, so only marks audited through `audit_mark` are missed when deleted.
    """
    refusals = _legacy_refusals(session)
    problems: list[MarkProblem] = []
    count = 0
    marks = 0

    def report(problem: MarkProblem) -> None:
        nonlocal count
        count += 1
        if len(problems) < limit:
            problems.append(problem)

    entries = _latest_entries(session, report)
    entry = next(entries, None)
    for row in _marks(session):
        marks += 1
        while entry is not None and entry[0] < row.id:
            report(_gone(*entry))
            entry = next(entries, None)
        content = _content(row, row.mis_id)
        if entry is not None and entry[0] == row.id:
            _, entry_id, detail = entry
            entry = next(entries, None)
            differences = _differences(content, detail)
            if differences:
                report(MarkProblem(row.id, f"differs from audit entry {entry_id}: {differences}"))
        elif not _matches_legacy_refusal(content, refusals):
            report(
                MarkProblem(
                    row.id,
                    f"has no audit entry ({_describe(content)}): it was written behind the "
                    "kiosk's back",
                )
            )
    while entry is not None:
        report(_gone(*entry))
        entry = next(entries, None)
    return RegisterCheck(marks, tuple(problems), count)


def _mark_rows() -> Select[Any]:
    """Each mark's columns with its learner's MIS id: what `_content` reads, for the whole
    register (`verify_register`) and for one mark (`mark_problem`) alike."""
    return select(
        SessionMarkRecord.id,
        LearnerRecord.mis_id,
        SessionMarkRecord.date,
        SessionMarkRecord.session,
        SessionMarkRecord.code,
        SessionMarkRecord.minutes_late,
        SessionMarkRecord.comment,
        SessionMarkRecord.arrived_at,
        SessionMarkRecord.admitted_at,
    ).join(LearnerRecord, LearnerRecord.id == SessionMarkRecord.learner_id)


def _content(mark: Any, learner: str) -> dict[str, Any]:
    """The content of a mark (a record, or a row of `_mark_rows`), its learner's MIS id given."""
    return mark_content(
        learner=learner,
        day=mark.date,
        session=mark.session,
        code=mark.code,
        minutes_late=mark.minutes_late,
        comment=mark.comment,
        arrived_at=mark.arrived_at,
        admitted_at=mark.admitted_at,
    )


def _marks(session: Session) -> Iterator[Any]:
    rows = session.execute(
        _mark_rows().order_by(SessionMarkRecord.id).execution_options(yield_per=1000)
    )
    try:
        yield from rows
    finally:
        rows.close()


def _latest_entries(session: Session, report: Any) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(mark id, entry id, detail) of the newest entry per mark, in mark id order."""
    newest = (
        select(func.max(AuditRecord.id))
        .where(AuditRecord.entity == MARK_ENTITY)
        .group_by(AuditRecord.entity_id)
    )
    # Length, then text: numeric order for the ids `audit_mark` writes, on both databases,
    # without a CAST that a forged non-numeric entity_id could make fail.
    rows = session.execute(
        select(AuditRecord.id, AuditRecord.entity_id, AuditRecord.detail)
        .where(AuditRecord.id.in_(newest))
        .order_by(func.length(AuditRecord.entity_id), AuditRecord.entity_id)
        .execution_options(yield_per=1000)
    )
    try:
        for row in rows:
            mark_id = (
                int(row.entity_id) if row.entity_id.isascii() and row.entity_id.isdigit() else None
            )
            if mark_id is None or str(mark_id) != row.entity_id:
                report(MarkProblem(None, f"audit entry {row.id} names no mark ({row.entity_id!r})"))
                continue
            try:
                detail = json.loads(row.detail)
            except ValueError:
                detail = None
            if not isinstance(detail, dict) or not set(MARK_FIELDS).intersection(detail):
                report(MarkProblem(mark_id, f"audit entry {row.id} does not say what it holds"))
                continue
            yield mark_id, row.id, detail
    finally:
        rows.close()


def _legacy_refusals(
    session: Session, *, learner: str | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    query = select(AuditRecord.entity_id, AuditRecord.at, AuditRecord.detail).where(
        AuditRecord.entity == _LEGACY_REFUSAL_ENTITY,
        AuditRecord.action.like(_LEGACY_REFUSAL_ACTIONS),
    )
    if learner is not None:
        query = query.where(AuditRecord.entity_id == learner)
    rows = session.execute(query)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        try:
            detail = json.loads(row.detail)
        except ValueError:
            continue
        if isinstance(detail, dict):
            at = json.loads(canonical_json(row.at))
            found[(row.entity_id, at)] = detail
    return found


def _matches_legacy_refusal(
    content: Mapping[str, Any], refusals: Mapping[tuple[str, str], Mapping[str, Any]]
) -> bool:
    if content["arrived_at"] is None or content["admitted_at"] is not None:
        return False
    detail = refusals.get((content["learner"], content["arrived_at"]))
    return (
        detail is not None
        and detail.get("code") == content["code"]
        and detail.get("comment") == content["comment"]
        and content["minutes_late"] == 0
    )


def _differences(content: Mapping[str, Any], detail: Mapping[str, Any]) -> str:
    changed = [
        f"{name} {content[name]!r} in the register, {detail[name]!r} in the log"
        for name in MARK_FIELDS
        if name in detail and detail[name] != content[name]
    ]
    return "; ".join(changed)


def _gone(mark_id: int, entry_id: int, detail: Mapping[str, Any]) -> MarkProblem:
    return MarkProblem(
        mark_id, f"is gone from the register; audit entry {entry_id} recorded {_describe(detail)}"
    )


def _describe(content: Mapping[str, Any]) -> str:
    parts = [str(content.get(name)) for name in ("learner", "date", "session") if name in content]
    code = content.get("code")
    return " ".join([*parts, f"code {code!r}"]) if code is not None else " ".join(parts)


def mark_problem(session: Session, mark_id: int) -> MarkProblem | None:
    """What is wrong with one mark against the audit log (as `verify_register`), or None."""
    row = session.execute(_mark_rows().where(SessionMarkRecord.id == mark_id)).one_or_none()
    if row is None:
        return MarkProblem(mark_id, "is not in the register")
    content = _content(row, row.mis_id)
    newest = session.execute(
        select(AuditRecord.id, AuditRecord.detail)
        .where(AuditRecord.entity == MARK_ENTITY, AuditRecord.entity_id == str(mark_id))
        .order_by(AuditRecord.id.desc())
        .limit(1)
    ).one_or_none()
    if newest is None:
        if _matches_legacy_refusal(content, _legacy_refusals(session, learner=row.mis_id)):
            return None
        return MarkProblem(mark_id, f"has no audit entry ({_describe(content)})")
    try:
        detail = json.loads(newest.detail)
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        return MarkProblem(mark_id, f"audit entry {newest.id} does not say what it holds")
    differences = _differences(content, detail)
    if differences:
        return MarkProblem(mark_id, f"differs from audit entry {newest.id}: {differences}")
    return None
