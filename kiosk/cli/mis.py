"""The MIS commands: `kiosk mis status`, `send`, `check` and `kiosk roster pull`."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from kiosk.cli.io import (
    OK,
    REJECTED,
    USAGE,
    KioskError,
    SubParsers,
    add_command,
    add_date_option,
    add_group,
    command_config,
    said_import,
    school_book,
    settle,
)
from kiosk.cli.io import error as _error
from kiosk.cli.io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.mis.check import check_mis
from kiosk.mis.connect import open_provider
from kiosk.mis.provider import MisError, NotSupported
from kiosk.mis.queue import queue_status
from kiosk.mis.roster import pull_roster
from kiosk.mis.send import send_round

# Tests put a recording sleep here; a 429's Retry-After is waited out with it.
sleep: Callable[[float], None] = time.sleep


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register `mis status`, `mis send`, `mis check` and `roster pull` on the `kiosk` parser."""
    mis = add_command(
        sub, "mis", common, help="the MIS write-back ([mis])", example="kiosk mis status"
    ).add_subparsers(metavar="ACTION")
    status = add_command(
        mis,
        "status",
        common,
        help="the write-back queue: what is sent, waiting or refused",
        example="kiosk mis status --date 2026-11-23",
    )
    add_date_option(status, help="one day only")
    status.set_defaults(handler=cmd_mis_status)
    send = add_command(
        mis,
        "send",
        common,
        help="queue the day's marks and write what is due to the MIS",
        example="kiosk mis send   # the timer runs this every few minutes",
    )
    add_date_option(send, help="the day whose marks to queue (today)")
    send.add_argument(
        "--retry-rejected",
        action="store_true",
        help="try refused marks again (after fixing the roster or the MIS)",
    )
    send.set_defaults(handler=cmd_mis_send)
    check = add_command(
        mis,
        "check",
        common,
        help="read the MIS (never write): would a write work with this config?",
        example="kiosk mis check   # exit 0 only when a write would work",
    )
    add_date_option(check, help="the day whose marks to read (today)")
    check.set_defaults(handler=cmd_mis_check)

    pull = add_command(
        _roster_actions(sub, common),
        "pull",
        common,
        help="import or update learners from the MIS ([mis])",
        example="kiosk roster pull --dry-run",
    )
    pull.add_argument("--dry-run", action="store_true", help="check, save nothing")
    pull.set_defaults(handler=cmd_roster_pull)


def _roster_actions(sub: SubParsers, common: argparse.ArgumentParser) -> SubParsers:
    """The `roster` command's actions, made if `kiosk roster import` is not registered yet."""
    roster: argparse.ArgumentParser | None = sub.choices.get("roster")
    if roster is None:
        return add_group(sub, "roster", common, help="learners")
    for action in roster._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    found: SubParsers = roster.add_subparsers(metavar="ACTION")
    return found


def _not_configured() -> None:
    _say(
        'no MIS is configured ([mis] provider = "none"): nothing was sent; '
        "use `kiosk export attendance` for the MIS's CSV import"
    )


def cmd_mis_status(args: argparse.Namespace) -> int:
    config = command_config(args)
    zone = config.school.zone
    with school_book(config) as book, book.reads() as session:
        status = queue_status(session, day=args.date)
    provider = config.mis.provider
    held = status.count("held")
    _say(
        f"MIS write-back ({provider}): {status.count('sent')} sent, "
        f"{status.count('pending')} waiting, "
        f"{status.count('kept')} kept the MIS's own mark, {status.count('rejected')} rejected"
        + (f", {held} not written (no read-back; [mis] overwrite = false)" if held else "")
    )
    for row in status.marks:
        if row.state == "sent":
            if row.writeback_id:
                # Wonde applies a write later; its receipt lets Wonde's support trace it.
                _say(
                    f"sent     {row.date} {row.session} {row.code:<2} {row.learner} "
                    f"({row.mis_id})  writeback {row.writeback_id}"
                )
            continue
        when = ""
        if row.state == "pending":
            when = f"  next try {row.next_attempt_at.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        tries = f"  {row.attempts} tr{'y' if row.attempts == 1 else 'ies'}" if row.attempts else ""
        _say(
            f"{row.state:<8} {row.date} {row.session} {row.code:<2} {row.learner} ({row.mis_id})"
            f"{tries}{when}" + (f"  {row.last_error}" if row.last_error else "")
        )
    return OK


def cmd_mis_send(args: argparse.Namespace) -> int:
    config = command_config(args)
    now = _now()
    day = args.date or now.astimezone(config.school.zone).date()
    if not config.mis.enabled:
        # The timer runs this at every school: without a MIS it touches nothing.
        _not_configured()
        return OK
    with school_book(config) as book:
        done = send_round(
            book.sessions,
            config.mis,
            day=day,
            now=now,
            retry_refused=args.retry_rejected,
            sleep=sleep,
        )
    queued, retried, report = done.queued, done.retried, done.report
    if report is None:
        _not_configured()
        return OK
    if queued or retried:
        _say(f"queued {queued} mark(s) of {day}" + (f", retrying {retried}" if retried else ""))
    for problem in report.problems:
        _error(problem)
    if report.stopped:
        _error(f"stopped: {report.stopped}")
    _say(report.summary())
    # A failure fails the timer's run, so the journal and `systemctl --failed` show it.
    return OK if report.ok else REJECTED


def cmd_mis_check(args: argparse.Namespace) -> int:
    config = command_config(args)
    if not config.mis.enabled:
        _error('no MIS is configured ([mis] provider = "none"): there is nothing to check')
        return USAGE
    day = args.date or _now().astimezone(config.school.zone).date()
    provider = open_provider(config.mis, sleep=sleep)
    assert provider is not None
    with school_book(config) as book:
        found = check_mis(book.sessions, provider, today=day, overwrite=config.mis.overwrite)
    _say(f"MIS: {found.provider} at {config.mis.base_url or 'its public address'} (read only)")
    for line in found.text():
        _say(line)
    if found.works:
        _say("a write would work")
        return OK
    _error("a write would not work: see the lines marked NO")
    return REJECTED


def cmd_roster_pull(args: argparse.Namespace) -> int:
    config = command_config(args)
    provider = open_provider(config.mis, sleep=sleep)
    if provider is None:
        _error('no MIS is configured ([mis] provider = "none"); use `kiosk roster import FILE`')
        return USAGE
    now = _now()
    with school_book(config) as book, book.sessions() as session:
        try:
            pulled = pull_roster(
                session,
                provider,
                today=now.astimezone(config.school.zone).date(),
                now=now,
                dry_run=args.dry_run,
            )
        except NotSupported as exc:
            raise KioskError(str(exc), USAGE) from None
        except MisError as exc:
            raise KioskError(f"cannot read the roster from the MIS: {exc}", REJECTED) from None
        settle(session, args.dry_run)
    refused = [f"{provider.name}: {source}: {reason}" for source, reason in pulled.rejected]
    return said_import(pulled.report, refused, provider.name)
