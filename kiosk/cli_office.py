"""The office's commands: `kiosk purge`, `kiosk audit verify` and `kiosk notify send`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import wraps

from sqlalchemy.exc import SQLAlchemyError

from kiosk.cli_io import error as _error
from kiosk.cli_io import parse_date as _date
from kiosk.cli_io import say as _say
from kiosk.cli_io import utc_now as _now
from kiosk.config import Config, ConfigError, config_path, load_config
from kiosk.database import Book, DatabaseError, open_book
from kiosk.notify import NotifyError, pending, send_pending
from kiosk.retention import PurgeRefused, purge
from records.audit import AuditRecord, verify_audit

OK, REJECTED, USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Register the office's commands on the `kiosk` parser's subcommands."""
    purge_cmd = sub.add_parser(
        "purge",
        parents=[common],
        help="delete search, screening and phone detail older than a date (marks are kept)",
    )
    purge_cmd.add_argument("--before", required=True, type=_date, metavar="YYYY-MM-DD")
    purge_cmd.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    purge_cmd.set_defaults(handler=cmd_purge)

    audit = sub.add_parser("audit", parents=[common], help="the audit log").add_subparsers(
        metavar="ACTION"
    )
    audit.add_parser(
        "verify", parents=[common], help="check the audit log's hash chain"
    ).set_defaults(handler=cmd_audit_verify)

    notify = sub.add_parser(
        "notify", parents=[common], help="notifications for the office"
    ).add_subparsers(metavar="ACTION")
    notify.add_parser(
        "send", parents=[common], help="email the notifications waiting in the outbox"
    ).set_defaults(handler=cmd_notify_send)


def _one_line_errors(handler: Handler) -> Handler:
    """Config, database and mail setup problems as one line on stderr with CONTRACT.md's status.

    kiosk.cli.main catches most of these too; doing it here keeps these commands' exit
    statuses the same however they are called (and on a systemd timer's journal, one line).
    """

    @wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (ConfigError, DatabaseError, NotifyError) as exc:
            _error(str(exc))
            return USAGE
        except SQLAlchemyError as exc:
            _error(f"database error: {str(getattr(exc, 'orig', exc)).splitlines()[0]}")
            return REJECTED

    return run


def _config(args: argparse.Namespace) -> Config:
    return load_config(config_path(args.config))


def _open(config: Config) -> Book:
    return open_book(config.database.url)


@_one_line_errors
def cmd_purge(args: argparse.Namespace) -> int:
    config = _config(args)
    zone = config.school.zone
    now = _now()
    book = _open(config)
    try:
        # One transaction: every table is purged, and the audit entry written, or none is.
        with book.sessions() as session:
            try:
                report = purge(
                    session,
                    before=args.before,
                    today=now.astimezone(zone).date(),
                    zone=zone,
                    now=now,
                )
            except PurgeRefused as exc:
                _error(str(exc))
                return USAGE
            if args.dry_run:
                session.rollback()
            else:
                session.commit()
    finally:
        book.close()
    verb = "would remove" if args.dry_run else "removed"
    _say(f"before {args.before}: {verb} {report.summary()}; attendance marks kept")
    return OK


@_one_line_errors
def cmd_audit_verify(args: argparse.Namespace) -> int:
    config = _config(args)
    book = _open(config)
    try:
        with book.sessions() as session:
            broken = verify_audit(session)
            entries = session.query(AuditRecord).count()
    finally:
        book.close()
    if broken is not None:
        _error(
            f"audit log broken at entry {broken.id} ({broken.action} at "
            f"{broken.at.astimezone(config.school.zone):%Y-%m-%d %H:%M:%S %Z}): {broken.reason}"
        )
        return REJECTED
    _say(f"audit log intact: {entries} entries")
    return OK


@_one_line_errors
def cmd_notify_send(args: argparse.Namespace) -> int:
    config = _config(args)
    book = _open(config)
    try:
        if not config.notify.enabled:
            with book.sessions() as session:
                waiting = len(pending(session))
            _say(
                f"email is not configured ([notify] smtp_host is empty): {waiting} "
                "notification(s) wait in the outbox for the office screen"
            )
            return OK
        report = send_pending(book.sessions, config.notify, now=_now())
    finally:
        book.close()
    _say(report.summary())
    # A failed delivery fails the timer's run, so the journal and `systemctl --failed` show it.
    return REJECTED if report.failed else OK
