"""The station itself: `kiosk demo`, `kiosk run`, `kiosk db upgrade` and `kiosk check`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from kiosk.cli.io import (
    OK,
    REJECTED,
    KioskError,
    SubParsers,
    add_command,
    add_group,
    command_config,
    first_line,
)
from kiosk.cli.io import say as _say
from records.database import upgrade

log = logging.getLogger("kiosk")


def add_running_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register `kiosk demo` and `kiosk run` on the `kiosk` parser's subcommands."""
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


def add_database_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register `kiosk db upgrade` on the `kiosk` parser's subcommands."""
    db = add_group(sub, "db", common, help="the database")
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


def add_check_command(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register `kiosk check` on the `kiosk` parser's subcommands."""
    add_command(
        sub,
        "check",
        common,
        help="validate the config and probe each device",
        example="kiosk check --config /etc/kiosk/kiosk.toml",
    ).set_defaults(handler=cmd_check)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    if args.hub:
        from kiosk.cli.hub import cmd_hub_upgrade

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


def cmd_check(args: argparse.Namespace) -> int:
    from kiosk.upkeep.check import run_checks

    config = command_config(args)
    problems = 0
    for result in run_checks(config):
        _say(result.line())
        problems += not result.ok and not result.warning
    _say("all checks passed" if not problems else f"{problems} problem(s) found")
    return OK if not problems else REJECTED


def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.station.launch import run_production, start_logging

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
    from kiosk.station.launch import run_demo

    return run_demo(Path(args.db) if args.db else None)
