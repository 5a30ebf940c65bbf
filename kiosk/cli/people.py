"""The school's people: `kiosk roster import` (learners), `kiosk staff import` and
`kiosk staff set-pin`."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.cli.io import OK, REJECTED, KioskError, add_command, command_config, school_book
from kiosk.cli.io import error as _error
from kiosk.cli.io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.config import Config
from kiosk.people.pins import set_pin
from kiosk.people.roster_import import ImportReport, import_learners, import_staff


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `kiosk roster import` and `kiosk staff ...` on the `kiosk` parser."""
    _add_roster_commands(sub, common)
    _add_staff_commands(sub, common)


def _add_roster_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
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


def _add_staff_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
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
    with school_book(config) as book, book.sessions() as session:
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
    with school_book(config) as book, book.sessions() as session:
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
