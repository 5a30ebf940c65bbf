"""The hub's commands: `kiosk sync` (one round by hand), `kiosk hub upgrade` and `publish`."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import SQLAlchemyError

from kiosk.cli_io import OK, REJECTED, KioskError, add_command, command_config, first_line
from kiosk.cli_io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.config import Config
from kiosk.database import open_school_book
from kiosk.sync import hub_engine, publish_roster, sync_once
from records.hub import upgrade_hub


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `kiosk sync` and `kiosk hub ...` on the `kiosk` parser's subcommands."""
    sync = add_command(
        sub,
        "sync",
        common,
        help="one round of sync with the hub ([hub] url), printing what was sent and received",
        example="kiosk sync --config /etc/kiosk/kiosk.toml",
    )
    sync.add_argument(
        "--batch-size",
        type=_positive,
        metavar="N",
        help="events per hub transaction (default: [hub] batch_size)",
    )
    sync.set_defaults(handler=cmd_sync)

    hub = sub.add_parser("hub", parents=[common], help="the school's hub").add_subparsers(
        metavar="ACTION"
    )
    add_command(
        hub,
        "upgrade",
        common,
        help="create or migrate the hub's tables, view and roles (safe to repeat)",
        example="kiosk hub upgrade --config /etc/kiosk/hub-owner.toml",
    ).set_defaults(handler=cmd_hub_upgrade)
    add_command(
        hub,
        "publish",
        common,
        help="publish this door's learners, staff (with PIN hashes) and badges to the hub",
        example="kiosk roster import learners.csv && kiosk hub publish",
    ).set_defaults(handler=cmd_hub_publish)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more: {text!r}")
    return value


def _hub_config(args: argparse.Namespace, *, require_database: bool = True) -> Config:
    config = command_config(args, require_database=require_database)
    if not config.hub.enabled:
        raise KioskError(
            f"{config.source or 'config'}: [hub] url: not set, so this door works alone; "
            'set e.g. url = "postgresql+psycopg://kiosk_main@hub.school.example/kiosk_hub"'
        )
    return config


def cmd_sync(args: argparse.Namespace) -> int:
    config = _hub_config(args)
    book = open_school_book(config.database)
    hub = hub_engine(config.hub)
    try:
        report = sync_once(
            book.sessions,
            hub,
            config.station.name,
            now=_now(),
            zone=config.school.zone,
            batch_size=args.batch_size or config.hub.batch_size,
            store=config.station.store,
        )
    except SQLAlchemyError as exc:
        raise KioskError(
            f"the hub did not answer: {first_line(exc)}; what was sent before stays sent, "
            "the rest goes at the next round",
            REJECTED,
        ) from None
    finally:
        hub.dispose()
        book.close()
    for line in report.lines():
        _say(line)
    return OK


def cmd_hub_upgrade(args: argparse.Namespace) -> int:
    config = _hub_config(args, require_database=False)
    try:
        upgrade_hub(config.hub.url)
    except SQLAlchemyError as exc:
        raise KioskError(f"cannot upgrade the hub: {first_line(exc)}") from None
    _say("the hub is at the current schema")
    return OK


def cmd_hub_publish(args: argparse.Namespace) -> int:
    config = _hub_config(args)
    book = open_school_book(config.database)
    hub = hub_engine(config.hub)
    try:
        written = publish_roster(book.sessions, hub, _now())
    except SQLAlchemyError as exc:
        raise KioskError(f"cannot publish to the hub: {first_line(exc)}", REJECTED) from None
    finally:
        hub.dispose()
        book.close()
    _say(f"published {written} learner, staff and badge row(s) to the hub")
    return OK
