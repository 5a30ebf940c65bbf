"""The office's exports at the kiosk: the day's attendance or search log to a CSV file (the USB
stick by default), written off the UI thread with its progress on the office screen."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import (
    ATTENDANCE_HEADER,
    SEARCH_HEADER,
    ExportError,
    attendance_rows,
    record_search_log_read,
    search_rows,
    write_export_file,
)
from kiosk.screens.office import ExportRequested, OfficeScreen
from kiosk.station.host import StationHost
from kiosk.station.staff_session import StaffSession

log = logging.getLogger(__name__)

EXPORT_PROGRESS_EVERY = 50


class OfficeExports:
    """An export asked for on the office screen, for staff signed on with the right role."""

    def __init__(self, host: StationHost, staff: StaffSession) -> None:
        self.host = host
        self.staff = staff

    def requested(self, message: ExportRequested) -> None:
        """Write an export off the UI thread, with its progress on the office screen."""
        screen = self.host.screen
        if not isinstance(screen, OfficeScreen) or not self.staff.unlocked:
            return
        if message.kind == "searches" and not self.staff.operator_is_dsl:
            return  # search detail is for the safeguarding lead only
        self.staff.touch()
        self.host.run_worker(
            lambda: self._write(screen, message.kind, Path(message.folder)),
            thread=True,
            exclusive=True,
            group="export",
        )

    def _write(self, screen: OfficeScreen, kind: str, folder: Path) -> None:
        school = self.host.config.school
        now = self.host.clock()
        day = now.astimezone(school.zone).date()
        try:
            header: Sequence[str]
            # R35: a search-log export is read in a write transaction that records the read.
            book = self.host.book.reads if kind == "attendance" else self.host.book.sessions.begin
            with book() as session:
                if kind == "attendance":
                    header = ATTENDANCE_HEADER
                    rows = list(
                        attendance_rows(
                            session,
                            day=day,
                            school_session=SchoolSession.AM,
                            school=school,
                            now=now,
                        )
                    )
                else:
                    header = SEARCH_HEADER
                    rows = list(search_rows(session, first=day, last=day, zone=school.zone))
                    record_search_log_read(
                        session,
                        at=now,
                        by=self.staff.operator,
                        first=day,
                        last=day,
                        where="the kiosk's office screen: export",
                        rows=len(rows),
                    )
            out = folder / f"{kind}-{day.isoformat()}.csv"

            def counted() -> Iterator[tuple[str, ...]]:
                for n, row in enumerate(rows, 1):
                    if n % EXPORT_PROGRESS_EVERY == 0:
                        self.host.call_from_thread(screen.export_progress, n, len(rows))
                    yield row

            written = write_export_file(out, header, counted())
            self.host.call_from_thread(screen.export_progress, written, max(written, 1))
            self.host.call_from_thread(screen.export_finished, f"Saved {written} rows to {out}")
            log.info("export %s: %d rows to %s", kind, written, out)
        except (ExportError, SQLAlchemyError) as exc:
            log.error("export %s failed: %s", kind, exc)
            self.host.call_from_thread(screen.export_finished, f"Not saved: {exc}")


__all__ = ["EXPORT_PROGRESS_EVERY", "OfficeExports"]
