"""Importing learners and staff from MIS exports: good rows land, bad rows are named."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.roster import (
    LearnerRow,
    RowError,
    StaffRow,
    parse_learner_row,
    parse_staff_row,
)
from kiosk.enrolment import enrol_badge
from records.audit import append_audit
from records.csvfiles import read_csv
from records.models import LearnerRecord, StaffRecord

# MIS export headers accepted for each canonical column (CONTRACT.md "Learners").
LEARNER_ALIASES: dict[str, str] = {
    "mis_id": "mis_id",
    "adno": "mis_id",
    "admission number": "mis_id",
    "surname": "surname",
    "legal surname": "surname",
    "forename": "forename",
    "legal forename": "forename",
    "preferred_name": "preferred_name",
    "preferred forename": "preferred_name",
    "sex": "sex",
    "gender": "sex",
    "upn": "upn",
    "year_group": "year_group",
    "year": "year_group",
    "year group": "year_group",
    "reg_group": "reg_group",
    "reg": "reg_group",
    "reg group": "reg_group",
    "registration group": "reg_group",
    "badge": "badge",
    "card": "badge",
    "card number": "badge",
    "sen": "sen",
}
LEARNER_REQUIRED = ("mis_id", "surname", "forename", "sex")

STAFF_ALIASES: dict[str, str] = {
    name: name for name in ("staff_id", "surname", "forename", "sex", "roles", "badge")
} | {"gender": "sex", "card": "badge", "card number": "badge"}
STAFF_REQUIRED = ("staff_id", "surname", "forename", "sex", "roles")


class ImportFileError(Exception):
    """The whole file cannot be imported (not found, not UTF-8, a required column missing)."""


@dataclass
class ImportReport:
    kind: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_left: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        gone = "marked as left" if self.kind == "learners" else "marked inactive"
        return (
            f"{self.kind}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.marked_left} {gone}, {len(self.rejected)} rejected"
            + (f" (dry run: nothing {verb} saved)" if self.dry_run else "")
        )


Row = TypeVar("Row", LearnerRow, StaffRow)


@dataclass(frozen=True)
class _Kind(Generic[Row]):
    """What differs between the learner and the staff import; the rest is shared."""

    name: str
    aliases: Mapping[str, str]
    required: Sequence[str]
    id_column: str
    parse: Callable[[Mapping[str, str]], Row]
    model: type[LearnerRecord] | type[StaffRecord]
    values: Callable[[Row], dict[str, Any]]
    is_gone: Callable[[Any], bool]
    mark_gone: Callable[[Any, date], None]


def _learner_values(row: LearnerRow) -> dict[str, Any]:
    return {
        "upn": row.upn,
        "surname": row.surname,
        "forename": row.forename,
        "preferred_name": row.preferred_name,
        "sex": row.sex.value if row.sex else None,
        "year_group": row.year_group,
        "reg_group": row.reg_group,
        "sen": row.sen,
        "left_on": None,
    }


def _staff_values(row: StaffRow) -> dict[str, Any]:
    return {
        "surname": row.surname,
        "forename": row.forename,
        "sex": row.sex.value if row.sex else None,
        "roles": ";".join(sorted(role.value for role in row.roles)),
        "active": True,
    }


def _mark_left(record: LearnerRecord, today: date) -> None:
    record.left_on = today


def _mark_inactive(record: StaffRecord, _: date) -> None:
    record.active = False


LEARNERS = _Kind(
    "learners",
    LEARNER_ALIASES,
    LEARNER_REQUIRED,
    "mis_id",
    parse_learner_row,
    LearnerRecord,
    _learner_values,
    lambda record: record.left_on is not None,
    _mark_left,
)
STAFF = _Kind(
    "staff",
    STAFF_ALIASES,
    STAFF_REQUIRED,
    "staff_id",
    parse_staff_row,
    StaffRecord,
    _staff_values,
    lambda record: not record.active,
    _mark_inactive,
)


def import_learners(
    session: Session, path: Path, *, today: date, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Add or update learners by mis_id; learners missing from the file are marked as left."""
    return _import(session, path, LEARNERS, today=today, now=now, dry_run=dry_run)


def import_staff(
    session: Session, path: Path, *, today: date, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Add or update staff by staff_id; staff missing from the file are marked inactive."""
    return _import(session, path, STAFF, today=today, now=now, dry_run=dry_run)


def _import(
    session: Session,
    path: Path,
    kind: _Kind[Row],
    *,
    today: date,
    now: datetime,
    dry_run: bool,
) -> ImportReport:
    report = ImportReport(kind.name, dry_run=dry_run)
    rows, seen = _parse_rows(path, kind, report)
    people: list[LearnerRecord | StaffRecord] = list(session.scalars(select(kind.model)))
    existing = {getattr(person, kind.id_column): person for person in people}
    for line, row in rows:
        key = getattr(row, kind.id_column)
        record: LearnerRecord | StaffRecord | None = existing.get(key)
        values = kind.values(row)
        if record is None:
            record = kind.model(created_at=now, updated_at=now, **{kind.id_column: key}, **values)
            session.add(record)
            session.flush()
            existing[key] = record
            report.added += 1
        elif _apply(record, values, now):
            report.updated += 1
        else:
            report.unchanged += 1
        if row.badge and not enrol_badge(session, row.badge, now, record):
            report.rejected.append(
                (line, f"badge {row.badge} already belongs to someone else: imported without it")
            )
    if rows:
        for key, record in existing.items():
            if key not in seen and not kind.is_gone(record):
                kind.mark_gone(record, today)
                record.updated_at = now
                report.marked_left += 1
    elif existing:
        report.notes.append(f"no {kind.name} row could be imported, so nobody was marked as gone")
    _audit(session, report, path, now)
    return report


def _parse_rows(
    path: Path, kind: _Kind[Row], report: ImportReport
) -> tuple[list[tuple[int, Row]], set[str]]:
    """The good rows, and every id written in the file: rejected rows included, because a
    learner whose row is broken has not left."""
    table = _read(path, kind)
    good: list[tuple[int, Row]] = []
    first_line: dict[str, int] = {}
    seen: set[str] = set()
    for line, raw in table.rows:
        if raw.get(kind.id_column, "").strip():
            seen.add(raw[kind.id_column].strip())
        try:
            row = kind.parse(raw)
        except RowError as exc:
            report.rejected.append((line, str(exc)))
            continue
        key = getattr(row, kind.id_column)
        if key in first_line:
            report.rejected.append(
                (line, f"{kind.id_column} {key} appears again (first on line {first_line[key]})")
            )
            continue
        first_line[key] = line
        good.append((line, row))
    return good, seen


def _read(path: Path, kind: _Kind[Any]) -> Any:
    try:
        table = read_csv(path, kind.aliases)
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except ValueError as exc:  # records' CsvError names the file already
        raise ImportFileError(str(exc)) from None
    missing = [name for name in kind.required if name not in table.header]
    if missing:
        raise ImportFileError(
            f"{path}: no {', '.join(missing)} column; the header row must name "
            f"{', '.join(kind.required)} (MIS export names such as Adno or Gender are accepted too)"
        )
    return table


def _apply(record: Any, values: Mapping[str, Any], now: datetime) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    if changed:
        record.updated_at = now
    return changed


def _audit(session: Session, report: ImportReport, path: Path, now: datetime) -> None:
    if report.dry_run:
        return
    append_audit(
        session,
        at=now,
        actor_staff_id=None,
        action=f"{report.kind}.import",
        entity=report.kind,
        entity_id=path.name,
        detail={
            "added": report.added,
            "updated": report.updated,
            "marked_left": report.marked_left,
            "rejected": len(report.rejected),
        },
    )
