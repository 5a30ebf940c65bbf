"""The `kiosk` command line of CONTRACT.md: exit 0 done, 1 something rejected, 2 usage or config.

Each group of commands lives in its own module of this package with `add_commands(sub, common)`;
this module builds the parser from them (`COMMAND_GROUPS`) and runs the chosen command through
`kiosk.cli.io.run_command`, the one place errors become a line and an exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn, TypeAlias, cast

from kiosk.cli import people, reports, station
from kiosk.cli.hub import add_commands as add_hub_commands
from kiosk.cli.io import OK, REJECTED, USAGE, KioskError, SubParsers, run_command
from kiosk.cli.io import error as _error
from kiosk.cli.marks import add_commands as add_mark_commands
from kiosk.cli.mis import add_commands as add_mis_commands
from kiosk.cli.office import add_commands as add_office_commands
from kiosk.cli.office_web import add_commands as add_office_web_commands
from kiosk.cli.pi import add_commands as add_pi_commands

__all__ = ["OK", "REJECTED", "USAGE", "Failure", "KioskError", "build_parser", "main"]

DISTRIBUTION = "school-entry-kiosk"

# The name this module's error had before every command shared kiosk.cli.io's; kept for callers.
Failure = KioskError

# A group's `add_commands(sub, common)` (a string, as SubParsers is).
Registrar: TypeAlias = "Callable[[SubParsers, argparse.ArgumentParser], None]"


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
    sub = cast("SubParsers", parser.add_subparsers(metavar="COMMAND"))
    for add_commands in COMMAND_GROUPS:
        add_commands(sub, common)
    return parser


def add_station_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """The station's own commands: running it, its database, people, exports, checks."""
    station.add_running_commands(sub, common)  # demo, run
    station.add_database_commands(sub, common)  # db upgrade
    people.add_commands(sub, common)  # roster import, staff import|set-pin
    reports.add_commands(sub, common)  # export attendance|searches, phones
    station.add_check_command(sub, common)  # check


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
