"""The `kiosk` command line of CONTRACT.md: exit 0 done, 1 something rejected, 2 usage or config.

Each group of commands lives in its own module with `add_commands(sub, common)`; this module
builds the parser from them (`COMMAND_GROUPS`) and runs the chosen command through
`kiosk.cli_io.run_command`, the one place errors become a line and an exit status.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any, NoReturn, TypeAlias, cast

from sqlalchemy.exc import SQLAlchemyError

from kiosk.cli_hub import add_commands as add_hub_commands
from kiosk.cli_io import (
    OK,
    REJECTED,
    USAGE,
    KioskError,
    add_command,
    command_config,
    first_line,
    run_command,
)
from kiosk.cli_io import error as _error
from kiosk.cli_io import parse_date as _date
from kiosk.cli_io import say as _say
from kiosk.cli_marks import add_commands as add_mark_commands
from kiosk.cli_mis import add_commands as add_mis_commands
from kiosk.cli_office import add_commands as add_office_commands
from kiosk.cli_office_web import add_commands as add_office_web_commands
from kiosk.cli_pi import add_commands as add_pi_commands
from kiosk.clock import utc_now as _now
from kiosk.config import Config
from kiosk.database import open_school_book
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.csvsafe import spreadsheet_safe
from kiosk.exports import (
    ATTENDANCE_HEADER,
    SEARCH_HEADER,
    attendance_rows,
    record_search_log_read,
    search_rows,
    write_export_file,
)
from kiosk.phones import outstanding_phones
from kiosk.roster_import import ImportReport, import_learners, import_staff
from kiosk.staff import set_pin
from records.csvfiles import write_csv
from records.database import upgrade

__all__ = ["OK", "REJECTED", "USAGE", "Failure", "KioskError", "build_parser", "main"]

DISTRIBUTION = "school-entry-kiosk"

# The name this module's error had before every command shared kiosk.cli_io's; kept for callers.
Failure = KioskError

log = logging.getLogger("kiosk")

# A group's `add_commands(sub, common)` (a string: argparse's classes are not generic at run time).
Registrar: TypeAlias = (
    "Callable[[argparse._SubParsersAction[argparse.ArgumentParser], argparse.ArgumentParser], None]"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return USAGE
    return run_command(args.handler, args)


class _Parser(argparse.ArgumentParser):
    """argparse with CONTRACT.md's one-line errors (plain argparse prints its usage first)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("kiosk").strip()
        _error(f"{command + ': ' if command else ''}{message} (see `{self.prog} --help`)")
        sys.exit(USAGE)


def installed_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "(not installed: run from a source tree)"


_CONFIG_HELP = (
    "config file (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml); "
    "before or after the command's name; it wins over $KIOSK_CONFIG"
)


def build_parser() -> argparse.ArgumentParser:
    # Every subcommand takes --config too. Its default is SUPPRESS: argparse copies a
    # subcommand's defaults over what was parsed before the command's name, so a default of
    # None there would throw away `kiosk --config A.toml db upgrade`'s A.toml.
    common = _Parser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=_CONFIG_HELP)
    parser = _Parser(
        prog="kiosk",
        description="Entry screening kiosk for schools.",
        epilog="example:\n  kiosk --config /etc/kiosk/kiosk.toml db upgrade\n"
        "  kiosk COMMAND --help   what a command does, its options and an example",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Its own action (not `common`'s), so `args.config` is None when no --config is given.
    parser.add_argument("--config", metavar="PATH", default=None, help=_CONFIG_HELP)
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    # Every level is a _Parser (argparse makes subparsers of the parent's class); the groups
    # take any ArgumentParser's subparsers.
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(metavar="COMMAND"),
    )
    for add_commands in COMMAND_GROUPS:
        add_commands(sub, common)
    return parser


def add_station_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """The station's own commands: running it, its database, people, exports, checks."""
    demo = add_command(
        sub,
        "demo",
        common,
        help="the full app with simulated hardware and a demo roster",
        example="kiosk demo --db /tmp/demo.db",
    )
    demo.add_argument(
        "--db",
        metavar="PATH",
        help="keep the demo database in this file (default: a throwaway one)",
    )
    demo.set_defaults(handler=cmd_demo)

    add_command(
        sub,
        "run",
        common,
        help="the production kiosk",
        example="kiosk run --config /etc/kiosk/kiosk.toml",
    ).set_defaults(handler=cmd_run)

    db = sub.add_parser("db", parents=[common], help="the database").add_subparsers(
        metavar="ACTION"
    )
    upgrade_db = add_command(
        db,
        "upgrade",
        common,
        help="create or migrate the database (safe to repeat)",
        example="kiosk db upgrade --config /etc/kiosk/kiosk.toml\nkiosk db upgrade --hub",
    )
    upgrade_db.add_argument(
        "--hub", action="store_true", help="migrate the hub ([hub] url) instead of this door's"
    )
    upgrade_db.set_defaults(handler=cmd_db_upgrade)

    roster = sub.add_parser("roster", parents=[common], help="learners").add_subparsers(
        metavar="ACTION"
    )
    roster_import = add_command(
        roster,
        "import",
        common,
        help="import or update learners from a CSV",
        example="kiosk roster import learners.csv --dry-run\nkiosk roster import learners.csv",
    )
    roster_import.add_argument("file", type=Path, help="the learners' CSV (UTF-8, header row)")
    roster_import.add_argument("--dry-run", action="store_true", help="check, save nothing")
    roster_import.add_argument(
        "--allow-mass-leave",
        action="store_true",
        help="import even if more than half of the learners on roll would be marked as left",
    )
    roster_import.set_defaults(handler=cmd_roster_import)

    staff = sub.add_parser("staff", parents=[common], help="staff").add_subparsers(metavar="ACTION")
    staff_import = add_command(
        staff,
        "import",
        common,
        help="import or update staff from a CSV",
        example="kiosk staff import staff.csv --dry-run",
    )
    staff_import.add_argument("file", type=Path, help="the staff CSV (UTF-8, header row)")
    staff_import.add_argument("--dry-run", action="store_true", help="check, save nothing")
    staff_import.set_defaults(handler=cmd_staff_import)
    set_pin_cmd = add_command(
        staff,
        "set-pin",
        common,
        help="set a staff PIN (4 to 8 digits)",
        example="kiosk staff set-pin T042\necho 482913 | kiosk staff set-pin T042",
    )
    set_pin_cmd.add_argument(
        "staff_id", help="whose PIN; read from standard input when that is not a terminal"
    )
    set_pin_cmd.set_defaults(handler=cmd_set_pin)

    export = sub.add_parser("export", parents=[common], help="CSV exports").add_subparsers(
        metavar="WHAT"
    )
    attendance = add_command(
        export,
        "attendance",
        common,
        help="attendance marks for the MIS",
        example="kiosk export attendance --date 2026-11-23 --session AM --out am.csv",
    )
    attendance.add_argument(
        "--date", required=True, type=_date, metavar="YYYY-MM-DD", help="the school day"
    )
    attendance.add_argument(
        "--session", choices=["AM", "PM"], default="AM", help="the session (default: AM)"
    )
    attendance.add_argument(
        "--out", type=Path, metavar="FILE", help="write here (default: standard output)"
    )
    attendance.set_defaults(handler=cmd_export_attendance)
    searches = add_command(
        export,
        "searches",
        common,
        help="the search log",
        example=(
            "kiosk export searches --from 2026-09-01 --to 2026-12-19 --by DS1 --out searches.csv"
        ),
    )
    searches.add_argument(
        "--from",
        dest="first",
        required=True,
        type=_date,
        metavar="YYYY-MM-DD",
        help="the first day, included",
    )
    searches.add_argument(
        "--to",
        dest="last",
        required=True,
        type=_date,
        metavar="YYYY-MM-DD",
        help="the last day, included",
    )
    searches.add_argument(
        "--out", type=Path, metavar="FILE", help="write here (default: standard output)"
    )
    searches.add_argument(
        "--by",
        metavar="STAFF_ID",
        help="who is exporting it, recorded in the audit log with the days (without it, the "
        "system account running the command is recorded)",
    )
    searches.set_defaults(handler=cmd_export_searches)

    phones = add_command(
        sub,
        "phones",
        common,
        help="phones handed in and not yet returned",
        example="kiosk phones --date 2026-11-23",
    )
    phones.add_argument(
        "--date", type=_date, metavar="YYYY-MM-DD", help="the school day (default: today)"
    )
    phones.set_defaults(handler=cmd_phones)

    add_command(
        sub,
        "check",
        common,
        help="validate the config and probe each device",
        example="kiosk check --config /etc/kiosk/kiosk.toml",
    ).set_defaults(handler=cmd_check)


# Each group registers its commands on `kiosk`'s subparsers; a new group is one line here.
COMMAND_GROUPS: tuple[Registrar, ...] = (
    add_station_commands,
    add_office_commands,
    add_pi_commands,
    add_mark_commands,
    add_mis_commands,  # after the station's: `roster pull` joins `roster import`
    add_hub_commands,
    add_office_web_commands,
)


@contextmanager
def _book(config: Config) -> Any:
    book = open_school_book(config.database)
    try:
        yield book
    finally:
        book.close()


# --- commands ---------------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    if args.hub:
        from kiosk.cli_hub import cmd_hub_upgrade

        return cmd_hub_upgrade(args)
    config = command_config(args, creating=True)
    try:
        upgrade(config.database.url, key_file=config.database.key_path)
    except SQLAlchemyError as exc:
        raise KioskError(f"cannot upgrade the database: {first_line(exc)}") from None
    except OSError as exc:  # its folder could not be made
        raise KioskError(
            f"{config.source}: [database] url: cannot create the folder {exc.filename}: "
            f"{exc.strerror}"
        ) from None
    _say("database is at the current schema")
    return OK


def cmd_roster_import(args: argparse.Namespace) -> int:
    config = command_config(args)
    return _run_import(
        config,
        args.dry_run,
        lambda session, now: import_learners(
            session,
            args.file,
            today=now.astimezone(config.school.zone).date(),
            now=now,
            dry_run=args.dry_run,
            allow_mass_leave=args.allow_mass_leave,
        ),
        args.file,
    )


def cmd_staff_import(args: argparse.Namespace) -> int:
    config = command_config(args)
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
    # An error leaves the block before commit: the session's close rolls everything back.
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
    config = command_config(args)
    pin = _read_pin()
    with _book(config) as book, book.sessions() as session:
        set_pin(
            session,
            args.staff_id,
            pin,
            now=_now(),
            min_length_search_roles=config.policy.min_pin_length_search_roles,
        )
        session.commit()
    _say(f"PIN set for {args.staff_id}")
    return OK


def _read_pin() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    first = getpass.getpass("New PIN (4 to 8 digits): ")
    if getpass.getpass("Same PIN again: ") != first:
        raise KioskError("the two PINs differ; nothing was changed", REJECTED)
    return first


def cmd_export_attendance(args: argparse.Namespace) -> int:
    config = command_config(args)
    if config.hub.enabled:  # the whole school's morning, every door's: the hub's one answer
        from kiosk.hub_export import hub_attendance_rows
        from kiosk.sync import hub_engine

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
    with _book(config) as book, book.reads() as session:
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
    with _book(config) as book, book.sessions.begin() as session:
        rows = list(search_rows(session, first=args.first, last=args.last, zone=config.school.zone))
        record_search_log_read(
            session, at=_now(), by_staff_id=args.by, first=args.first, last=args.last,
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
    with _book(config) as book, book.reads() as session:
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

    config = command_config(args)
    problems = 0
    for result in run_checks(config):
        _say(result.line())
        problems += not result.ok and not result.warning
    _say("all checks passed" if not problems else f"{problems} problem(s) found")
    return OK if not problems else REJECTED


def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.launch import run_production, start_logging

    # Logging first: a config that cannot be used must reach the journal too, not only the
    # screen that goes dark when the kiosk stops.
    start_logging()
    try:
        config = command_config(args)
    except Exception as exc:
        log.error("stopped before starting: %s", exc)
        raise
    return run_production(config)


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.launch import run_demo

    return run_demo(Path(args.db) if args.db else None)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
