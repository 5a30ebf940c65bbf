"""The `kiosk` command line of CONTRACT.md: exit 0 done, 1 something rejected, 2 usage or config."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from kiosk.cli_io import error as _error
from kiosk.cli_io import parse_date as _date
from kiosk.cli_io import say as _say
from kiosk.cli_io import utc_now as _now
from kiosk.cli_office import add_commands as add_office_commands
from kiosk.cli_pi import add_commands as add_pi_commands
from kiosk.config import Config, ConfigError, config_path, load_config
from kiosk.database import DatabaseError, open_book
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.csvsafe import spreadsheet_safe
from kiosk.exports import (
    ATTENDANCE_HEADER,
    SEARCH_HEADER,
    ExportError,
    ExportWriteError,
    attendance_rows,
    search_rows,
    write_export_file,
)
from kiosk.phones import outstanding_phones
from kiosk.roster_import import ImportFileError, ImportReport, import_learners, import_staff
from kiosk.staff import PinError, set_pin
from records.csvfiles import write_csv
from records.database import upgrade

OK, REJECTED, USAGE = 0, 1, 2

log = logging.getLogger("kiosk")


class Failure(Exception):
    """Stop the command with a one-line message and an exit status."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.status = status


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return USAGE
    try:
        status: int = args.handler(args)
        return status
    except Failure as exc:
        _error(str(exc))
        return exc.status
    except (ConfigError, DatabaseError, ImportFileError, ExportError) as exc:
        _error(str(exc))
        return USAGE
    except SQLAlchemyError as exc:
        _error(f"database error: {str(getattr(exc, 'orig', exc)).splitlines()[0]}")
        return REJECTED
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)",
    )
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Entry screening kiosk for schools.", parents=[common]
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    demo = sub.add_parser(
        "demo", parents=[common], help="the full app with simulated hardware and a demo roster"
    )
    demo.add_argument("--db", metavar="PATH", help="keep the demo database in this file")
    demo.set_defaults(handler=cmd_demo)

    run = sub.add_parser("run", parents=[common], help="the production kiosk")
    run.set_defaults(handler=cmd_run)

    db = sub.add_parser("db", parents=[common], help="the database").add_subparsers(
        metavar="ACTION"
    )
    db.add_parser(
        "upgrade", parents=[common], help="create or migrate the database (safe to repeat)"
    ).set_defaults(handler=cmd_db_upgrade)

    roster = sub.add_parser("roster", parents=[common], help="learners").add_subparsers(
        metavar="ACTION"
    )
    roster_import = roster.add_parser(
        "import", parents=[common], help="import or update learners from a CSV"
    )
    roster_import.add_argument("file", type=Path)
    roster_import.add_argument("--dry-run", action="store_true", help="check, save nothing")
    roster_import.set_defaults(handler=cmd_roster_import)

    staff = sub.add_parser("staff", parents=[common], help="staff").add_subparsers(metavar="ACTION")
    staff_import = staff.add_parser(
        "import", parents=[common], help="import or update staff from a CSV"
    )
    staff_import.add_argument("file", type=Path)
    staff_import.add_argument("--dry-run", action="store_true", help="check, save nothing")
    staff_import.set_defaults(handler=cmd_staff_import)
    set_pin_cmd = staff.add_parser(
        "set-pin", parents=[common], help="set a staff PIN (4 to 8 digits)"
    )
    set_pin_cmd.add_argument("staff_id")
    set_pin_cmd.set_defaults(handler=cmd_set_pin)

    export = sub.add_parser("export", parents=[common], help="CSV exports").add_subparsers(
        metavar="WHAT"
    )
    attendance = export.add_parser(
        "attendance", parents=[common], help="attendance marks for the MIS"
    )
    attendance.add_argument("--date", required=True, type=_date, metavar="YYYY-MM-DD")
    attendance.add_argument("--session", choices=["AM", "PM"], default="AM")
    attendance.add_argument("--out", type=Path, metavar="FILE")
    attendance.set_defaults(handler=cmd_export_attendance)
    searches = export.add_parser("searches", parents=[common], help="the search log")
    searches.add_argument("--from", dest="first", required=True, type=_date, metavar="YYYY-MM-DD")
    searches.add_argument("--to", dest="last", required=True, type=_date, metavar="YYYY-MM-DD")
    searches.add_argument("--out", type=Path, metavar="FILE")
    searches.set_defaults(handler=cmd_export_searches)

    phones = sub.add_parser(
        "phones", parents=[common], help="phones handed in and not yet returned"
    )
    phones.add_argument("--date", type=_date, metavar="YYYY-MM-DD")
    phones.set_defaults(handler=cmd_phones)

    check = sub.add_parser(
        "check", parents=[common], help="validate the config and probe each device"
    )
    check.set_defaults(handler=cmd_check)

    add_office_commands(sub, common)
    add_pi_commands(sub, common)
    return parser


def _config(args: argparse.Namespace, *, require_database: bool = True) -> Config:
    return load_config(config_path(args.config), require_database=require_database)


@contextmanager
def _book(config: Config) -> Any:
    book = open_book(config.database.url)
    try:
        yield book
    finally:
        book.close()


# --- commands ---------------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    config = _config(args)
    try:
        upgrade(config.database.url)
    except SQLAlchemyError as exc:
        raise Failure(
            f"cannot upgrade the database: {str(getattr(exc, 'orig', exc)).splitlines()[0]}"
        ) from None
    _say("database is at the current schema")
    return OK


def cmd_roster_import(args: argparse.Namespace) -> int:
    config = _config(args)
    return _run_import(
        config,
        args.dry_run,
        lambda session, now: import_learners(
            session,
            args.file,
            today=now.astimezone(config.school.zone).date(),
            now=now,
            dry_run=args.dry_run,
        ),
        args.file,
    )


def cmd_staff_import(args: argparse.Namespace) -> int:
    config = _config(args)
    return _run_import(
        config,
        args.dry_run,
        lambda session, now: import_staff(
            session,
            args.file,
            today=now.astimezone(config.school.zone).date(),
            now=now,
            dry_run=args.dry_run,
        ),
        args.file,
    )


def _run_import(
    config: Config, dry_run: bool, work: Callable[[Any, datetime], ImportReport], path: Path
) -> int:
    with _book(config) as book, book.sessions() as session:
        report = work(session, _now())
        if dry_run:
            session.rollback()
        else:
            session.commit()
    for line, reason in report.rejected:
        _error(f"{path}:{line}: {reason}")
    for note in report.notes:
        _error(f"{path}: {note}")
    _say(report.summary())
    return REJECTED if report.rejected else OK


def cmd_set_pin(args: argparse.Namespace) -> int:
    config = _config(args)
    pin = _read_pin()
    with _book(config) as book, book.sessions() as session:
        try:
            set_pin(session, args.staff_id, pin, now=_now())
        except PinError as exc:
            raise Failure(str(exc), REJECTED) from None
        session.commit()
    _say(f"PIN set for {args.staff_id}")
    return OK


def _read_pin() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    first = getpass.getpass("New PIN (4 to 8 digits): ")
    if getpass.getpass("Same PIN again: ") != first:
        raise Failure("the two PINs differ; nothing was changed", REJECTED)
    return first


def cmd_export_attendance(args: argparse.Namespace) -> int:
    config = _config(args)
    with _book(config) as book, book.sessions() as session:
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
    config = _config(args)
    with _book(config) as book, book.sessions() as session:
        rows = list(search_rows(session, first=args.first, last=args.last, zone=config.school.zone))
    _write(args.out, SEARCH_HEADER, rows)
    return OK


def _write(out: Path | None, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """To standard output, or to a file that appears whole or not at all."""
    if out is None:
        stream: IO[str] = sys.stdout
        write_csv(stream, header, rows, escape=spreadsheet_safe)
        stream.flush()
        return
    try:
        write_export_file(out, header, rows)
    except ExportWriteError as exc:
        raise Failure(str(exc), REJECTED) from None


def cmd_phones(args: argparse.Namespace) -> int:
    config = _config(args)
    zone = config.school.zone
    day = args.date or _now().astimezone(zone).date()
    with _book(config) as book, book.sessions() as session:
        phones = outstanding_phones(session, day)
    if not phones:
        _say(f"{day}: no phones outstanding")
        return OK
    _say(f"{day}: {len(phones)} phone(s) not yet returned")
    for phone in phones:
        held = "  CONFISCATED" if phone.confiscated else ""
        _say(
            f"{phone.slot or '-':>6}  {phone.learner_name}"
            f" ({phone.mis_id}, {phone.reg_group or '-'})"
            f"  in at {phone.handed_in_at.astimezone(zone):%H:%M}"
            f"  received by {phone.received_by or '-'}{held}"
        )
    return OK


def cmd_check(args: argparse.Namespace) -> int:
    from kiosk.check import run_checks

    config = _config(args)
    problems = 0
    for result in run_checks(config):
        _say(result.line())
        problems += not result.ok and not result.warning
    _say("all checks passed" if not problems else f"{problems} problem(s) found")
    return OK if not problems else REJECTED


def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.launch import run_production

    return run_production(_config(args))


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.launch import run_demo

    return run_demo(Path(args.db) if args.db else None)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
