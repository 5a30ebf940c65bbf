"""The hub's commands: `kiosk sync` (one round by hand), `kiosk hub upgrade`, `publish`, and
`add-door` / `add-office` (a login of its own for each door, and for the office)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine, make_url
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
    school_book,
    whole_number,
)
from kiosk.cli.io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.config import Config
from kiosk.database import Book
from kiosk.hub import hub_engine, publish_roster, sync_once
from records.hub import HubLogin, HubLoginError, add_hub_login, login_name_for, upgrade_hub


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
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
        type=whole_number(1),
        metavar="N",
        help="events per hub transaction (default: [hub] batch_size)",
    )
    sync.set_defaults(handler=cmd_sync)

    hub = add_group(sub, "hub", common, help="the school's hub")
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
    for name, office, help_text, example in (
        (
            "add-door",
            False,
            "make a door's own hub login, which may add rows only as that door",
            "kiosk hub add-door side-gate --pgpass side-gate.pgpass "
            "--config /etc/kiosk/hub-owner.toml",
        ),
        (
            "add-office",
            True,
            "make the office's hub login: it syncs as the office's door, publishes the roster "
            "and alone may add mark amendments",
            "kiosk hub add-office office --pgpass office.pgpass --config /etc/kiosk/hub-owner.toml",
        ),
    ):
        login = add_command(hub, name, common, help=help_text, example=example)
        login.add_argument(
            "station", metavar="STATION", help="the door's [station] name, as in its config"
        )
        login.add_argument(
            "--login",
            metavar="NAME",
            help=f"the login's name (default: {login_name_for('STATION', office=office)}); "
            "an existing login keeps its password and is given this door",
        )
        login.add_argument(
            "--pgpass",
            required=True,
            type=Path,
            metavar="FILE",
            help="a new file (0600) for the new login's password line: copy it to the door's "
            "~kiosk/.pgpass",
        )
        login.set_defaults(handler=cmd_hub_add_login, office=office)


def _hub_config(args: argparse.Namespace, *, require_database: bool = True) -> Config:
    config = command_config(args, require_database=require_database)
    if not config.hub.enabled:
        raise KioskError(
            f"{config.source or 'config'}: [hub] url: not set, so this door works alone; "
            'set e.g. url = "postgresql+psycopg://kiosk_main@hub.school.example/kiosk_hub"'
        )
    return config


@contextmanager
def _book_and_hub(config: Config) -> Iterator[tuple[Book, Engine]]:
    """This door's book and the hub's engine, both let go however the command ends."""
    with school_book(config) as book:
        hub = hub_engine(config.hub)
        try:
            yield book, hub
        finally:
            hub.dispose()


def cmd_sync(args: argparse.Namespace) -> int:
    config = _hub_config(args)
    with _book_and_hub(config) as (book, hub):
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
    with _book_and_hub(config) as (book, hub):
        try:
            written = publish_roster(book.sessions, hub, _now())
        except SQLAlchemyError as exc:
            raise KioskError(f"cannot publish to the hub: {first_line(exc)}", REJECTED) from None
    _say(f"published {written} learner, staff and badge row(s) to the hub")
    return OK


def cmd_hub_add_login(args: argparse.Namespace) -> int:
    """Run with the hub owner's config: the login, its door, and its password in a new file."""
    config = _hub_config(args, require_database=False)
    station = str(args.station).strip()
    login_name = args.login or login_name_for(station, office=args.office)
    pgpass: Path = args.pgpass
    if pgpass.exists():
        raise KioskError(f"--pgpass: {pgpass} exists already; name a new file")
    url = make_url(config.hub.url)
    hub = hub_engine(config.hub)
    try:
        with hub.begin() as conn:
            made = add_hub_login(conn, login_name, station, office=args.office)
            if made.password is not None:
                # Inside the transaction: if the file cannot be written, no login is made
                # whose password nobody has.
                _write_pgpass(
                    pgpass, url.host or "localhost", url.port or 5432, url.database or "*", made
                )
    except HubLoginError as exc:
        raise KioskError(str(exc), REJECTED) from None
    except OSError as exc:
        raise KioskError(f"--pgpass: cannot write {pgpass}: {exc.strerror}", REJECTED) from None
    except SQLAlchemyError as exc:
        raise KioskError(
            f"cannot make the login: {first_line(exc)} (run this with the hub owner's config; "
            "the owner must be allowed to create roles)",
            REJECTED,
        ) from None
    finally:
        hub.dispose()
    what = "office login" if made.office else "door login"
    if made.password is None:
        _say(
            f"{what} {made.login} existed already (password unchanged): it now writes as door "
            f"{made.station!r}"
        )
    else:
        _say(
            f"made {what} {made.login}, writing as door {made.station!r}; its password line is "
            f"in {pgpass}: copy it to the door's ~kiosk/.pgpass (0600) and delete it here"
        )
    door_url = url.set(username=made.login, password=None).render_as_string(hide_password=False)
    _say(f'on that door, [hub] url = "{door_url}"')
    return OK


def _write_pgpass(path: Path, host: str, port: int, database: str, made: HubLogin) -> None:
    fields = [host, str(port), database, made.login, made.password or ""]
    line = ":".join(f.replace("\\", "\\\\").replace(":", "\\:") for f in fields)
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(out, 0o600)
        os.write(out, (line + "\n").encode("utf-8"))
    finally:
        os.close(out)
