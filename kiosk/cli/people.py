"""The school's people: `kiosk roster import` (learners), `kiosk staff import` and
`kiosk staff set-pin`."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from kiosk.cli.io import (
    OK,
    REJECTED,
    KioskError,
    SubParsers,
    add_command,
    add_group,
    command_config,
    said_import,
    school_book,
    settle,
)
from kiosk.cli.io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.people.pins import set_pin
from kiosk.people.roster_import import ImportReport, import_learners, import_staff


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register `kiosk roster import` and `kiosk staff ...` on the `kiosk` parser."""
    _add_roster_commands(sub, common)
    _add_staff_commands(sub, common)


def _add_roster_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    roster_import = _add_import(
        add_group(sub, "roster", common, help="learners"),
        common,
        who="learners",
        file_help="the learners' CSV (UTF-8, header row)",
        example="kiosk roster import learners.csv --dry-run\nkiosk roster import learners.csv",
    )
    roster_import.add_argument(
        "--allow-mass-leave",
        action="store_true",
        help="import even if more than half of the learners on roll would be marked as left",
    )
    roster_import.set_defaults(handler=cmd_roster_import)


def _add_import(
    group: SubParsers, common: argparse.ArgumentParser, *, who: str, file_help: str, example: str
) -> argparse.ArgumentParser:
    """`import FILE [--dry-run]` in `group`: `who` added or updated from a CSV."""
    command = add_command(
        group, "import", common, help=f"import or update {who} from a CSV", example=example
    )
    command.add_argument("file", type=Path, help=file_help)
    command.add_argument("--dry-run", action="store_true", help="check, save nothing")
    return command


def _add_staff_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    staff = add_group(sub, "staff", common, help="staff")
    _add_import(
        staff,
        common,
        who="staff",
        file_help="the staff CSV (UTF-8, header row)",
        example="kiosk staff import staff.csv --dry-run",
    ).set_defaults(handler=cmd_staff_import)
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
    return _run_import(args, import_learners, allow_mass_leave=args.allow_mass_leave)


def cmd_staff_import(args: argparse.Namespace) -> int:
    return _run_import(args, import_staff)


def _run_import(
    args: argparse.Namespace, importer: Callable[..., ImportReport], **options: bool
) -> int:
    """`importer` (learners or staff) on `args.file` as of the school's today; `options` are
    the importer's own."""
    config = command_config(args)
    path: Path = args.file
    # An error leaves the block before commit: the session's close rolls everything back.
    with school_book(config) as book, book.sessions() as session:
        now = _now()
        today = now.astimezone(config.school.zone).date()
        report = importer(session, path, today=today, now=now, dry_run=args.dry_run, **options)
        settle(session, args.dry_run)
    refused = [f"{path}:{line}: {reason}" for line, reason in report.rejected]
    return said_import(report, refused, str(path))


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
