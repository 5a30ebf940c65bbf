"""Importing learners and staff from MIS exports: good rows land, bad rows are named."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, TextIO, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kiosk.domain.badges import badge_keys
from kiosk.domain.csvsafe import spreadsheet_unescape
from kiosk.domain.roster import (
    LearnerRow,
    RowError,
    StaffRow,
    parse_learner_row,
    parse_staff_row,
)
from records.audit import append_audit
from records.csvfiles import read_csv
from records.keys import session_key
from records.models import BadgeRecord, LearnerRecord, StaffRecord
from records.staff_seals import seal_holds, seal_staff

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
    "earphones": "earphones",
    "earphones permitted": "earphones",
}
LEARNER_REQUIRED = ("mis_id", "surname", "forename", "sex")

STAFF_ALIASES: dict[str, str] = {
    name: name
    for name in ("staff_id", "surname", "forename", "sex", "roles", "badge", "search_trained")
} | {
    "gender": "sex",
    "card": "badge",
    "card number": "badge",
    # R7: the day of the searcher's last screening and searching training.
    "search trained": "search_trained",
    "search training": "search_trained",
    "search training date": "search_trained",
}
STAFF_REQUIRED = ("staff_id", "surname", "forename", "sex", "roles")


class ImportFileError(Exception):
    """The whole file cannot be imported (not found, not UTF-8, a required column missing)."""


class MassLeaveRefused(Exception):
    """The file would mark most of the school as left: more likely the wrong file than the truth."""


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
    # Refuse a file that would mark more than half of those still here as gone.
    guard_mass_leave: bool = False


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
        "earphones_permitted": row.earphones,
        "left_on": None,
    }


def _staff_values(row: StaffRow) -> dict[str, Any]:
    values: dict[str, Any] = {
        "surname": row.surname,
        "forename": row.forename,
        "sex": row.sex.value if row.sex else None,
        "roles": ";".join(sorted(role.value for role in row.roles)),
        "active": True,
    }
    if row.search_trained_given:  # a file without the column leaves the dates recorded
        values["search_trained_on"] = row.search_trained
    return values


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
    guard_mass_leave=True,
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
    session: Session,
    path: Path,
    *,
    today: date,
    now: datetime,
    dry_run: bool = False,
    allow_mass_leave: bool = False,
) -> ImportReport:
    """Add or update learners by mis_id; learners missing from the file are marked as left.

    MassLeaveRefused, with nothing changed in `session`'s transaction worth keeping (the caller
    rolls it back), when the file would mark more than half of the learners on roll as left
    and `allow_mass_leave` is not given: one year group's file, or last year's, imported by
    mistake.
    """
    return _import(
        session,
        path,
        LEARNERS,
        today=today,
        now=now,
        dry_run=dry_run,
        allow_mass_leave=allow_mass_leave,
    )


def import_staff(
    session: Session, path: Path, *, today: date, now: datetime, dry_run: bool = False
) -> ImportReport:
    """Add or update staff by staff_id; staff missing from the file are marked inactive.

    With the school's key, each row is sealed (`records.staff_seals`) when what it holds can
    be vouched for: roles from the file (or already sealed), and a PIN hash that was sealed,
    or none. A row whose PIN hash was not sealed stays unsealed until `kiosk staff set-pin`.
    """
    key = session_key(session)
    sealed_before = (
        {s.staff_id for s in session.scalars(select(StaffRecord)) if seal_holds(s, key)}
        if key is not None
        else set()
    )
    report = _import(session, path, STAFF, today=today, now=now, dry_run=dry_run)
    if key is not None:
        for staff in session.scalars(select(StaffRecord)):
            trusted = staff.staff_id in sealed_before
            # Active after the import: the row was in the file, so its roles are the file's.
            if (trusted or staff.active) and (trusted or staff.pin_hash is None):
                seal_staff(staff, key)
    return report


def _import(
    session: Session,
    path: Path,
    kind: _Kind[Row],
    *,
    today: date,
    now: datetime,
    dry_run: bool,
    allow_mass_leave: bool = False,
) -> ImportReport:
    report = ImportReport(kind.name, dry_run=dry_run)
    rows, seen = _parse_rows(path, kind, report)
    people: list[LearnerRecord | StaffRecord] = list(session.scalars(select(kind.model)))
    existing = {getattr(person, kind.id_column): person for person in people}
    if rows and kind.guard_mass_leave and not allow_mass_leave:
        _refuse_mass_leave(kind, existing, seen)
    cards = _Cards(session, kind.model, people)
    progress = _Progress(kind.name, len(rows))
    for line, row in rows:
        key = getattr(row, kind.id_column)
        record: LearnerRecord | StaffRecord | None = existing.get(key)
        values = kind.values(row)
        if record is None:
            record = kind.model(created_at=now, updated_at=now, **{kind.id_column: key}, **values)
            session.add(record)
            existing[key] = record
            report.added += 1
        elif _apply(record, values, now):
            report.updated += 1
        else:
            report.unchanged += 1
        if row.badge and not cards.enrol(record, row.badge):
            report.rejected.append(
                (line, f"badge {row.badge} already belongs to someone else: imported without it")
            )
        progress.advance()
    progress.saving()
    session.flush()  # the people added get their ids, which their cards are saved under
    cards.save(session, now)
    progress.close()
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


def _refuse_mass_leave(kind: _Kind[Any], existing: Mapping[str, Any], seen: set[str]) -> None:
    here = [key for key, record in existing.items() if not kind.is_gone(record)]
    going = sum(1 for key in here if key not in seen)
    if here and going * 2 > len(here):
        raise MassLeaveRefused(
            f"this file would mark {going} of the {len(here)} {kind.name} on roll as left; "
            "nothing was saved. Check it is the whole school's current list; if so many "
            "really have left, import it again with --allow-mass-leave"
        )


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
        table = read_csv(path, kind.aliases, unescape=spreadsheet_unescape)
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


Person = LearnerRecord | StaffRecord
# Ids to a statement at most: under SQLite's oldest limit of 999 bound values.
_CHUNK = 900


class _Cards:
    """Every card's keys and owner, held while a roster is imported.

    Each row's card is checked against the book as the rows before it left it, without a query
    a row, and what changed is written once at the end. As `enrol_badge` does for one card: a
    card is refused when any of its keys belongs to someone else, and an accepted card replaces
    the person's own. A person whose card is as enrolled before keeps it as it is.
    """

    def __init__(self, session: Session, model: type[Person], people: Iterable[Person]) -> None:
        self._column = BadgeRecord.learner_id if model is LearnerRecord else BadgeRecord.staff_id
        by_id = {person.id: person for person in people}
        # Each key's owner among the people imported; None is someone of the other kind.
        self._owner: dict[str, Person | None] = {}
        self._held: dict[Person, tuple[set[str], set[str]]] = {}  # enrolled as, keys
        self._enrolled: set[Person] = set()  # people with cards in the book before the import
        self._changed: dict[Person, str] = {}  # the card each person is now enrolled with
        found = session.execute(select(BadgeRecord.key, BadgeRecord.enrolled_as, self._column))
        for key, enrolled_as, owner_id in found:
            owner = by_id.get(owner_id) if owner_id is not None else None
            self._owner[key] = owner
            if owner is not None:
                forms, keys = self._held.setdefault(owner, (set(), set()))
                forms.add(enrolled_as)
                keys.add(key)
                self._enrolled.add(owner)

    def enrol(self, person: Person, badge: str) -> bool:
        """Give the card to this person, replacing theirs; False if it is someone else's."""
        keys = set(badge_keys(badge))
        if any(self._owner.get(key, person) is not person for key in keys):
            return False
        if self._held.get(person) == ({badge}, keys):
            return True
        for key in self._held.get(person, (set(), set()))[1]:
            del self._owner[key]
        for key in keys:
            self._owner[key] = person
        self._held[person] = ({badge}, keys)
        self._changed[person] = badge
        return True

    def save(self, session: Session, now: datetime) -> None:
        """Write the changed cards: the replaced ones out first, since keys are unique."""
        replaced = [person.id for person in self._changed if person in self._enrolled]
        for start in range(0, len(replaced), _CHUNK):
            session.execute(
                delete(BadgeRecord).where(self._column.in_(replaced[start : start + _CHUNK])),
                execution_options={"synchronize_session": "fetch"},
            )
        enrolled = [
            {"key": key, "enrolled_as": badge, "enrolled_at": now, self._column.key: person.id}
            for person, badge in self._changed.items()
            for key in sorted(self._held[person][1])
        ]
        if enrolled:
            session.execute(insert(BadgeRecord), enrolled)


class _Progress:
    """A bar on standard error while a big file is imported, drawn only on a terminal."""

    _WIDTH = 30

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._shown = self._stream.isatty() and total > 0
        self._label, self._total = label, total
        self._done = self._drawn = 0
        self._length = 0

    def advance(self) -> None:
        self._done += 1
        # Drawn once a percent: a terminal write a row would cost more than the row.
        if self._shown and self._done * 100 // self._total > self._drawn * 100 // self._total:
            self._draw("")

    def saving(self) -> None:
        if self._shown:
            self._draw(" saving")

    def close(self) -> None:
        """Clear the bar: the summary that follows says how the import went."""
        if self._shown:
            self._stream.write("\r" + " " * self._length + "\r")
            self._stream.flush()

    def _draw(self, note: str) -> None:
        self._drawn = self._done
        filled = self._WIDTH * self._done // self._total
        text = (
            f"{self._label}: [{'#' * filled}{'.' * (self._WIDTH - filled)}] "
            f"{self._done:,}/{self._total:,}{note}"
        )
        self._stream.write("\r" + text.ljust(self._length))
        self._stream.flush()
        self._length = max(self._length, len(text))
