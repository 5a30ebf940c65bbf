"""Importing learners and staff from MIS exports: good rows land, bad rows are named."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.domain.badges import badge_keys
from kiosk.domain.roster import (
    LearnerRow,
    RowError,
    StaffRow,
    parse_learner_row,
    parse_staff_row,
)
from records.audit import append_audit
from records.csvfiles import read_csv
from records.models import BadgeRecord, LearnerRecord, StaffRecord

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
    name: str
    aliases: Mapping[str, str]
    required: Sequence[str]
    id_column: str
    parse: Callable[[Mapping[str, str]], Row]


LEARNERS = _Kind("learners", LEARNER_ALIASES, LEARNER_REQUIRED, "mis_id", parse_learner_row)
STAFF = _Kind("staff", STAFF_ALIASES, STAFF_REQUIRED, "staff_id", parse_staff_row)


def import_learners(
    session: Session, path: Path, *, today: date, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Add or update learners by mis_id; learners missing from the file are marked as left."""
    report = ImportReport("learners", dry_run=dry_run)
    rows, seen = _parse_rows(path, LEARNERS, report)
    existing = {r.mis_id: r for r in session.scalars(select(LearnerRecord))}
    for line, row in rows:
        record = existing.get(row.mis_id)
        values = {
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
        if record is None:
            record = LearnerRecord(mis_id=row.mis_id, created_at=now, updated_at=now, **values)
            session.add(record)
            session.flush()
            existing[row.mis_id] = record
            report.added += 1
        elif _apply(record, values, now):
            report.updated += 1
        else:
            report.unchanged += 1
        if row.badge and not _enrol(session, row.badge, now, learner=record):
            report.notes.append(
                f"line {line}: badge {row.badge} belongs to someone else: not enrolled"
            )
    if rows:
        for mis_id, record in existing.items():
            if mis_id not in seen and record.left_on is None:
                record.left_on = today
                record.updated_at = now
                report.marked_left += 1
    elif existing:
        report.notes.append("no learner could be imported, so nobody was marked as left")
    _audit(session, report, path, now)
    return report


def import_staff(
    session: Session, path: Path, *, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Add or update staff by staff_id; staff missing from the file are marked inactive."""
    report = ImportReport("staff", dry_run=dry_run)
    rows, seen = _parse_rows(path, STAFF, report)
    existing = {r.staff_id: r for r in session.scalars(select(StaffRecord))}
    for line, row in rows:
        record = existing.get(row.staff_id)
        values = {
            "surname": row.surname,
            "forename": row.forename,
            "sex": row.sex.value if row.sex else None,
            "roles": ";".join(sorted(role.value for role in row.roles)),
            "active": True,
        }
        if record is None:
            record = StaffRecord(staff_id=row.staff_id, created_at=now, updated_at=now, **values)
            session.add(record)
            session.flush()
            existing[row.staff_id] = record
            report.added += 1
        elif _apply(record, values, now):
            report.updated += 1
        else:
            report.unchanged += 1
        if row.badge and not _enrol(session, row.badge, now, staff=record):
            report.notes.append(
                f"line {line}: badge {row.badge} belongs to someone else: not enrolled"
            )
    if rows:
        for staff_id, record in existing.items():
            if staff_id not in seen and record.active:
                record.active = False
                record.updated_at = now
                report.marked_left += 1
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


def _enrol(
    session: Session,
    badge: str,
    now: datetime,
    *,
    learner: LearnerRecord | None = None,
    staff: StaffRecord | None = None,
) -> bool:
    """Give the card to this person, replacing any card they had; False if it is someone else's."""
    keys = badge_keys(badge)
    owners = session.scalars(select(BadgeRecord).where(BadgeRecord.key.in_(keys))).all()
    for owner in owners:
        if (learner is not None and owner.learner_id != learner.id) or (
            staff is not None and owner.staff_id != staff.id
        ):
            return False
    if learner is not None:
        session.execute(delete(BadgeRecord).where(BadgeRecord.learner_id == learner.id))
    else:
        assert staff is not None
        session.execute(delete(BadgeRecord).where(BadgeRecord.staff_id == staff.id))
    for key in sorted(keys):
        session.add(
            BadgeRecord(
                key=key,
                enrolled_as=badge,
                learner_id=learner.id if learner else None,
                staff_id=staff.id if staff else None,
                enrolled_at=now,
            )
        )
    session.flush()
    return True


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
