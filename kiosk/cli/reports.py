"""What the book says, taken out of it: `kiosk export attendance|searches` (CSV) and
`kiosk phones` (the day's phones not yet returned)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from kiosk.cli.io import (
    OK,
    SubParsers,
    add_command,
    add_date_option,
    add_group,
    command_config,
    school_book,
)
from kiosk.cli.io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.csvsafe import spreadsheet_safe
from kiosk.domain.people import StaffRef
from kiosk.exports import (
    ATTENDANCE_HEADER,
    SEARCH_HEADER,
    attendance_rows,
    record_search_log_read,
    search_rows,
    write_export_file,
)
from kiosk.phones.held import outstanding_phones
from records.csvfiles import write_csv


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register `kiosk export ...` and `kiosk phones` on the `kiosk` parser's subcommands."""
    export = add_group(sub, "export", common, help="CSV exports", metavar="WHAT")
    _add_attendance_export(export, common)
    _add_searches_export(export, common)

    phones = add_command(
        sub,
        "phones",
        common,
        help="phones handed in and not yet returned",
        example="kiosk phones --date 2026-11-23",
    )
    add_date_option(phones, help="the school day (default: today)")
    phones.set_defaults(handler=cmd_phones)


def _add_attendance_export(export: SubParsers, common: argparse.ArgumentParser) -> None:
    attendance = add_command(
        export,
        "attendance",
        common,
        help="attendance marks for the MIS",
        example="kiosk export attendance --date 2026-11-23 --session AM --out am.csv",
    )
    add_date_option(attendance, required=True, help="the school day")
    attendance.add_argument(
        "--session", choices=["AM", "PM"], default="AM", help="the session (default: AM)"
    )
    _add_out_option(attendance)
    attendance.set_defaults(handler=cmd_export_attendance)


def _add_searches_export(export: SubParsers, common: argparse.ArgumentParser) -> None:
    searches = add_command(
        export,
        "searches",
        common,
        help="the search log",
        example=(
            "kiosk export searches --from 2026-09-01 --to 2026-12-19 --by DS1 --out searches.csv"
        ),
    )
    add_date_option(searches, "--from", dest="first", required=True, help="the first day, included")
    add_date_option(searches, "--to", dest="last", required=True, help="the last day, included")
    _add_out_option(searches)
    searches.add_argument(
        "--by",
        metavar="STAFF_ID",
        help="who is exporting it, recorded in the audit log with the days (without it, the "
        "system account running the command is recorded)",
    )
    searches.set_defaults(handler=cmd_export_searches)


def _add_out_option(export: argparse.ArgumentParser) -> None:
    export.add_argument(
        "--out", type=Path, metavar="FILE", help="write here (default: standard output)"
    )


def cmd_export_attendance(args: argparse.Namespace) -> int:
    config = command_config(args)
    if config.hub.enabled:  # the whole school's morning, every door's: the hub's one answer
        from kiosk.hub import hub_attendance_rows, hub_engine

        engine = hub_engine(config.hub)
        try:
            with engine.connect() as conn:
                rows = list(
                    hub_attendance_rows(
                        conn,
                        day=args.date,
                        school_session=SchoolSession(args.session),
                        school=config.school,
                        now=_now(),
                    )
                )
        finally:
            engine.dispose()
        _write(args.out, ATTENDANCE_HEADER, rows)
        return OK
    with school_book(config) as book, book.reads() as session:
        rows = list(
            attendance_rows(
                session,
                day=args.date,
                school_session=SchoolSession(args.session),
                school=config.school,
                now=_now(),
            )
        )
    _write(args.out, ATTENDANCE_HEADER, rows)
    return OK


def cmd_export_searches(args: argparse.Namespace) -> int:
    config = command_config(args)
    # R35: the export is recorded (who, when, which days) before a row leaves the book.
    with school_book(config) as book, book.sessions.begin() as session:
        rows = list(search_rows(session, first=args.first, last=args.last, zone=config.school.zone))
        by = None if args.by is None else StaffRef(args.by)
        record_search_log_read(
            session, at=_now(), by=by, first=args.first, last=args.last,
            where=f"kiosk export searches to {args.out or 'standard output'}", rows=len(rows),
        )  # fmt: skip
    _write(args.out, SEARCH_HEADER, rows)
    return OK


def _write(out: Path | None, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """To standard output, or to a file that appears whole or not at all."""
    if out is None:
        stream: IO[str] = sys.stdout
        write_csv(stream, header, rows, escape=spreadsheet_safe)
        stream.flush()
        return
    write_export_file(out, header, rows)


def cmd_phones(args: argparse.Namespace) -> int:
    config = command_config(args)
    zone = config.school.zone
    day = args.date or _now().astimezone(zone).date()
    with school_book(config) as book, book.reads() as session:
        phones = outstanding_phones(session, day)
    if not phones:
        _say(f"{day}: no phones outstanding")
        return OK
    _say(f"{day}: {len(phones)} phone(s) not yet returned")
    for phone in phones:
        held = "  CONFISCATED" if phone.confiscated else ""
        if phone.confiscated and phone.item != "phone":
            held += f" {phone.item.upper()}"
        _say(
            f"{phone.slot or '-':>6}  {phone.learner_name}"
            f" ({phone.mis_id}, {phone.reg_group or '-'})"
            f"  in at {phone.handed_in_at.astimezone(zone):%H:%M}"
            f"  received by {phone.received_by or '-'}{held}"
        )
    return OK
