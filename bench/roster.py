"""A big school's roster import: 50,000 learners from a CSV into a fresh SQLite file.

The real use case in one transaction, as `kiosk roster import` runs it, with a badge on every
row in each of the three forms a card is enrolled in (reader hex, printed decimal, a UID).
`python -m bench.roster` prints this figure alone.
"""

from __future__ import annotations

import csv
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from kiosk.database import open_book
from kiosk.people.roster_import import import_learners
from records.database import upgrade

LEARNERS = 50_000  # target: imported in at most 30 s
HEADER = "mis_id,upn,surname,forename,preferred_name,sex,year_group,reg_group,badge,sen"


def _badge(n: int) -> str:
    """Every third card in each form: 125 kHz reader hex, its printed decimal, a 4-byte UID."""
    if n % 3 == 0:
        return f"0C{n:08X}"
    if n % 3 == 1:
        return f"{0x10000000 + n:010d}"
    return f"DE{n:06X}"


def write_roster(path: Path, count: int = LEARNERS) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(HEADER.split(","))
        for n in range(count):
            writer.writerow(
                (
                    f"M{n:06d}",
                    f"X{n:012d}",
                    f"Surname{n}",
                    f"Forename{n}",
                    "",
                    "FM"[n % 2],
                    str(7 + n % 7),
                    f"{7 + n % 7}{'ABCDEFGH'[n % 8]}",
                    _badge(n),
                    "YN"[n % 5 != 0],
                )
            )


def import_seconds(folder: Path, count: int = LEARNERS) -> float:
    """Seconds to import `count` learners into an empty book, committed."""
    roster = folder / "roster.csv"
    write_roster(roster, count)
    url = f"sqlite:///{folder / 'roster.db'}"
    upgrade(url)
    book = open_book(url)
    now = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
    try:
        started = time.perf_counter()
        with book.sessions() as session:
            report = import_learners(session, roster, today=now.date(), now=now)
            session.commit()
        seconds = time.perf_counter() - started
    finally:
        book.close()
    if report.added != count or report.rejected:
        raise RuntimeError(f"the bench roster did not import cleanly: {report.summary()}")
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        seconds = import_seconds(Path(folder))
    print(f"roster_import_50k_s: {seconds:.2f}")


if __name__ == "__main__":
    main()
