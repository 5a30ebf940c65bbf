"""The office's commands: `kiosk purge`, `kiosk audit verify|reset-anchor`, `kiosk notify send`,
`kiosk phone confiscate|collected|held`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from kiosk.cli.io import (
    OK,
    REJECTED,
    KioskError,
    SubParsers,
    add_command,
    add_group,
    command_config,
    school_book,
    settle,
)
from kiosk.cli.io import error as _error
from kiosk.cli.io import parse_date as _date
from kiosk.cli.io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.config import Config
from kiosk.domain.people import StaffRef
from kiosk.domain.phones import ConfiscatedItem
from kiosk.notify.send import pending, send_pending
from kiosk.phones.desk import (
    PhoneDeskError,
    confiscate_phone,
    held_confiscations,
    phone_collected_by_parent,
)
from kiosk.upkeep.retention import purge, purge_configured
from records.audit import (
    AuditBreak,
    append_audit,
    audit_entry_count,
    verify_audit,
)
from records.audit_anchor import set_anchor_aside
from records.keys import KeyFileError, anchor_path, load_key
from records.queries import learner_by_mis_id, staff_by_staff_id
from records.register import verify_register
from records.staff_seals import broken_seals

_Done = TypeVar("_Done")


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register the office's commands on the `kiosk` parser's subcommands.

    Errors become one line and CONTRACT.md's status in kiosk.cli.io.run_command, however
    these commands are run (on a systemd timer's journal, one line too).
    """
    _add_purge_command(sub, common)
    _add_audit_commands(sub, common)
    _add_notify_commands(sub, common)
    _add_phone_commands(sub, common)


def _add_purge_command(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    purge_cmd = add_command(
        sub,
        "purge",
        common,
        help="delete search, screening and phone detail older than a date (marks are kept)",
        example="kiosk purge --before 2025-09-01 --dry-run\nkiosk purge --before 2025-09-01\n"
        "kiosk purge --configured",
    )
    when = purge_cmd.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--before",
        type=_date,
        metavar="YYYY-MM-DD",
        help="remove what is dated before this day (phones not yet given back are kept)",
    )
    when.add_argument(
        "--configured",
        action="store_true",
        help="remove what is older than the [retention] periods (kiosk-purge.timer runs this)",
    )
    purge_cmd.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    purge_cmd.set_defaults(handler=cmd_purge)


def _add_audit_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    audit = add_group(sub, "audit", common, help="the audit log")
    add_command(
        audit,
        "verify",
        common,
        help="check the audit log's hash chain",
        example="kiosk audit verify --config /etc/kiosk/kiosk.toml",
    ).set_defaults(handler=cmd_audit_verify)
    reset = add_command(
        audit,
        "reset-anchor",
        common,
        help="anchor the audit log as it is now: after restoring the database from a backup, "
        "or when the anchor beside the key was lost",
        example='kiosk audit reset-anchor --by S05 --reason "restored the backup of 2026-11-23"',
    )
    reset.add_argument("--by", required=True, metavar="STAFF_ID", help="who restored it")
    reset.add_argument("--reason", required=True, help="why: which backup, and what happened")
    reset.set_defaults(handler=cmd_audit_reset_anchor)


def _add_notify_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    notify = add_group(sub, "notify", common, help="notifications for the office")
    add_command(
        notify,
        "send",
        common,
        help="email the notifications waiting in the outbox",
        example="kiosk notify send --config /etc/kiosk/kiosk.toml",
    ).set_defaults(handler=cmd_notify_send)


def _add_phone_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    phone = add_group(
        sub, "phone", common, help="confiscated phones: the escalation and collection"
    )
    confiscate_cmd = add_command(
        phone,
        "confiscate",
        common,
        help="a phone (or earphones) seen in use: held for the day, then a second day, then a "
        "parent collects",
        example="kiosk phone confiscate A1001 --by S05 --slot envelope-7 [--earphones]",
    )
    confiscate_cmd.add_argument("mis_id", metavar="MIS_ID", help="the learner")
    confiscate_cmd.add_argument("--by", required=True, metavar="STAFF_ID", help="who took it")
    confiscate_cmd.add_argument("--slot", default="", help="the envelope, pouch or slot")
    confiscate_cmd.add_argument("--note", default="", help="what happened")
    confiscate_cmd.add_argument(
        "--earphones",
        action="store_true",
        help="earphones, not a phone (refused for a learner the roster permits them)",
    )
    confiscate_cmd.set_defaults(handler=cmd_phone_confiscate)
    collected_cmd = add_command(
        phone,
        "collected",
        common,
        help="a parent or carer collected a confiscated phone: it leaves the held list",
        example='kiosk phone collected A1001 --by S05 --collector "Ada Okafor (mother)"',
    )
    collected_cmd.add_argument("mis_id", metavar="MIS_ID", help="the learner")
    collected_cmd.add_argument("--by", required=True, metavar="STAFF_ID", help="who handed it over")
    collected_cmd.add_argument(
        "--collector", required=True, help="the parent or carer who collected it"
    )
    collected_cmd.set_defaults(handler=cmd_phone_collected)
    add_command(
        phone,
        "held",
        common,
        help="every confiscated phone not yet given back, whichever day it was taken",
        example="kiosk phone held",
    ).set_defaults(handler=cmd_phone_held)


def _learner_id(session: Session, mis_id: str) -> int:
    learner = learner_by_mis_id(session, mis_id)
    if learner is None:
        raise KioskError(f"no learner with MIS id {mis_id!r}")
    return learner.id


def _at_phone_desk(
    config: Config, mis_id: str, job: Callable[[Session, int], _Done]
) -> _Done | None:
    """`job(session, learner_id)` for the learner with `mis_id`, in one transaction; None, the
    refusal said, when the phone desk refuses."""
    with school_book(config) as book:
        try:
            with book.sessions.begin() as session:
                return job(session, _learner_id(session, mis_id))
        except PhoneDeskError as exc:
            _error(str(exc))
            return None


def cmd_phone_confiscate(args: argparse.Namespace) -> int:
    config = command_config(args)
    outcome = _at_phone_desk(
        config,
        args.mis_id,
        lambda session, learner_id: confiscate_phone(
            session,
            learner_id,
            at=_now(),
            by=StaffRef(args.by),
            zone=config.school.zone,
            slot=args.slot,
            note=args.note,
            item=ConfiscatedItem.EARPHONES if args.earphones else ConfiscatedItem.PHONE,
        ),
    )
    if outcome is None:
        return REJECTED
    for line in outcome.said:
        _say(line)
    return OK


def cmd_phone_collected(args: argparse.Namespace) -> int:
    done = _at_phone_desk(
        command_config(args),
        args.mis_id,
        lambda session, learner_id: phone_collected_by_parent(
            session, learner_id, at=_now(), collected_by=args.collector, by=StaffRef(args.by)
        ),
    )
    if done is None:
        return REJECTED
    _say(f"collected by {done.collected_by} (slot {done.slot or '-'}); no longer held")
    return OK


def cmd_phone_held(args: argparse.Namespace) -> int:
    config = command_config(args)
    with school_book(config) as book, book.reads() as session:
        held = held_confiscations(session)
    if not held:
        _say("no confiscated phones held")
        return OK
    for phone in held:
        until = (
            "until a parent or carer collects it"
            if phone.hold_until is None
            else (f"until the end of {phone.hold_until}")
        )
        what = "" if phone.item is ConfiscatedItem.PHONE else f"{phone.item.noun} "
        _say(
            f"{phone.slot or '-':>10}  {phone.name} ({phone.mis_id})  {what}confiscated "
            f"{phone.confiscated_on} (occurrence {phone.occurrence}), held {until}"
        )
    return OK


def cmd_purge(args: argparse.Namespace) -> int:
    config = command_config(args)
    zone = config.school.zone
    now = _now()
    today = now.astimezone(zone).date()
    kept = config.retention
    if args.configured and not (kept.search_days or kept.routine_days):
        _say("[retention] keeps everything (search_days = routine_days = 0): nothing to purge")
        return OK
    # One transaction: every table is purged, and the audit entry written, or none is.
    with school_book(config) as book, book.sessions() as session:
        if args.configured:
            report = purge_configured(
                session,
                search_days=kept.search_days,
                routine_days=kept.routine_days,
                today=today,
                zone=zone,
                now=now,
            )
        else:
            report = purge(session, before=args.before, today=today, zone=zone, now=now)
        settle(session, args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    if args.configured:
        periods = (
            f"searches kept {kept.search_days or 'always'} day(s), "
            f"routine detail {kept.routine_days or 'always'} day(s)"
        )
        _say(f"{periods}: {verb} {report.summary()}; attendance marks kept")
    else:
        _say(f"before {args.before}: {verb} {report.summary()}; attendance marks kept")
    return OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    config = command_config(args)
    key_file = config.database.key_path
    try:
        # No key file: entries sealed with one are reported as unchecked, never passed.
        key = load_key(key_file) if key_file.exists() else None
    except KeyFileError as exc:
        raise KioskError(f"{config.source or 'config'}: [database] key_file: {exc}") from None
    anchor = anchor_path(key_file) if key is not None else None
    with school_book(config) as book, book.reads() as session:
        broken = verify_audit(session, key=key, anchor=anchor)
        entries = audit_entry_count(session)
        # The register is compared with the log only once the log itself is evidence.
        register = verify_register(session) if broken is None else None
        # Who may do what is evidence too: a role or PIN hash changed outside the kiosk.
        _, altered = broken_seals(session, key) if key is not None else ((), ())
    if broken is not None:
        _error(f"audit log broken at {_where(broken, config)}: {broken.reason}")
        return REJECTED
    if altered:
        _error(
            "staff rows changed outside the kiosk (roles or PIN hash do not match their seal): "
            + ", ".join(altered)
        )
        return REJECTED
    assert register is not None
    for problem in register.problems:
        _error(f"register does not match the audit log: {problem}")
    if register.problem_count > len(register.problems):
        _error(
            f"register does not match the audit log: {register.problem_count} marks in all, "
            f"the first {len(register.problems)} shown"
        )
    if not register.intact:
        return REJECTED
    if key is None:
        sealing = f"; not sealed: no key file at {key_file}"
    elif anchor is not None and not anchor.exists():
        sealing = "; sealed, with no anchor yet (made by the first entry)"
    else:
        sealing = "; sealed and anchored"
    _say(f"audit log intact: {entries} entries; {register.marks} session marks match it{sealing}")
    return OK


def cmd_audit_reset_anchor(args: argparse.Namespace) -> int:
    """A restored backup's log is shorter than the anchor remembers, so `audit verify` reports
    the entries since the backup as removed. Once the restore is deliberate, this anchors the
    log as it now is: only if the chain itself is intact, keeping the old anchor beside the new
    one, and recording who did it and why in the log itself."""
    config = command_config(args)
    key_file = config.database.key_path
    reason = " ".join(str(args.reason).split())
    if not reason:
        raise KioskError("--reason: say which backup was restored, and why")
    try:
        key = load_key(key_file)
    except KeyFileError as exc:
        raise KioskError(f"{config.source or 'config'}: [database] key_file: {exc}") from None
    anchor = anchor_path(key_file)
    now = _now()
    with school_book(config) as book:
        with book.sessions() as session:
            broken = verify_audit(session, key=key, chain_only=True)
            staff = staff_by_staff_id(session, args.by)
        if broken is not None:
            _error(
                f"audit log broken at {_where(broken, config)}: {broken.reason}; not re-anchored "
                "(an anchor would vouch for it): restore an intact backup"
            )
            return REJECTED
        if staff is None or not staff.active:
            raise KioskError(f"--by: no active member of staff with staff_id {args.by!r}")
        kept = set_anchor_aside(anchor, now)
        with book.sessions.begin() as session:
            append_audit(  # committed, it writes the new anchor at the log's new head
                session,
                at=now,
                actor_staff_id=staff.staff_id,
                action="audit.anchor_reset",
                entity="audit_log",
                entity_id="",
                detail={"reason": reason, "old_anchor": str(kept or "")},
                new_anchor=True,
            )
        with book.sessions() as session:
            entries = audit_entry_count(session)
    where = f"; the old anchor is kept at {kept}" if kept is not None else ""
    _say(f"audit log re-anchored at its {entries} entries{where}")
    return OK


def _where(broken: AuditBreak, config: Config) -> str:
    if broken.id is None:
        return "its anchor"
    if broken.at is None:
        return f"entry {broken.id}"
    at = broken.at.astimezone(config.school.zone)
    return f"entry {broken.id} ({broken.action} at {at:%Y-%m-%d %H:%M:%S %Z})"


def cmd_notify_send(args: argparse.Namespace) -> int:
    config = command_config(args)
    with school_book(config) as book:
        if not config.notify.enabled:
            with book.sessions() as session:
                waiting = len(pending(session))
            _say(
                f"email is not configured ([notify] smtp_host is empty): {waiting} "
                "notification(s) wait in the outbox for the office screen"
            )
            return OK
        report = send_pending(book.sessions, config.notify, now=_now())
    _say(report.summary())
    # A failed delivery fails the timer's run, so the journal and `systemctl --failed` show it.
    return REJECTED if report.failed else OK
