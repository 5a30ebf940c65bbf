"""`kiosk roster pull`: learners read from the MIS go through the CSV import's own path."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from kiosk.mis.provider import Provider
from kiosk.people.roster_import import LEARNER_REQUIRED, ImportReport, import_learners
from records.csvfiles import write_csv

COLUMNS = (
    *LEARNER_REQUIRED,
    "upn",
    "preferred_name",
    "year_group",
    "reg_group",
    "badge",
    "sen",
)


@dataclass(frozen=True)
class PullReport:
    """The import's report, with each rejected row named by its MIS record."""

    report: ImportReport
    rejected: list[tuple[str, str]]


def pull_roster(
    session: Session,
    provider: Provider,
    *,
    today: date,
    now: datetime,
    dry_run: bool = False,
) -> PullReport:
    """Read every learner from the MIS and import them as `kiosk roster import` would.

    The same rules hold because it is the same code: learners not in the MIS are marked as
    left (never deleted), a bad record is named and skipped, the good ones land. The rows go
    through a private temporary CSV file, read back by the import.
    """
    entries = list(provider.roster())
    sources = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-roster-") as folder:
        path = Path(folder) / f"{provider.name}-students.csv"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            write_csv(
                stream,
                COLUMNS,
                ([entry.row.get(column, "") for column in COLUMNS] for entry in entries),
                escape=_as_is,
            )
        # Line 1 is the header; no cell holds a line break after the import's own check,
        # but a name from the MIS might, so line numbers are counted from the file itself.
        sources = _line_sources(path, [entry.source for entry in entries])
        report = import_learners(session, path, today=today, now=now, dry_run=dry_run)
    rejected = [(sources.get(line, f"record on line {line}"), why) for line, why in report.rejected]
    return PullReport(report, rejected)


def _as_is(cell: str) -> str:
    # The import reads what is written; spreadsheet escaping is for files people open.
    return cell


def _line_sources(path: Path, sources: list[str]) -> dict[int, str]:
    """The physical line each data row starts on, as the CSV reader counts it, to its source."""
    import csv

    starts: dict[int, str] = {}
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader, None)
        line = reader.line_num + 1
        for index, _row in enumerate(reader):
            if index < len(sources):
                starts[line] = sources[index]
            line = reader.line_num + 1
    return starts
