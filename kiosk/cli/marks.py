"""The register's commands: `kiosk mark amend`, the one way to change a mark after the door."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from kiosk.cli.io import (
    OK,
    REJECTED,
    KioskError,
    SubParsers,
    add_command,
    add_date_option,
    add_group,
    command_config,
    school_book,
    whole_number,
)
from kiosk.cli.io import say as _say
from kiosk.clock import utc_now as _now
from kiosk.config import Config
from kiosk.domain.attendance import Code
from kiosk.domain.people import StaffRef
from kiosk.office.amendments import AmendmentError, amend_mark, find_mark


def add_commands(sub: SubParsers, common: argparse.ArgumentParser) -> None:
    """Register `kiosk mark ...` on the `kiosk` parser's subcommands."""
    mark = add_group(sub, "mark", common, help="the register's marks")
    amend = add_command(
        mark,
        "amend",
        common,
        help="amend a session mark, keeping the original, the reason, the date and who",
        example=(
            "kiosk mark amend A1001 --date 2025-03-03 --session AM --code / "
            '--reason "bus late: letter from the bus company" --by S07'
        ),
    )
    amend.add_argument("mis_id", metavar="MIS_ID", help="the learner's MIS id")
    add_date_option(amend, required=True, help="the day of the mark")
    amend.add_argument(
        "--session", required=True, choices=["AM", "PM"], help="the session of the mark"
    )
    amend.add_argument(
        "--code", required=True, choices=[c.value for c in Code], help="the new code"
    )
    amend.add_argument(
        "--minutes",
        type=whole_number(0, "minutes"),
        metavar="N",
        help="minutes late (L and U only; default: kept for L and U, else 0)",
    )
    amend.add_argument(
        "--comment", help="the new comment (default: kept if the code stays, else empty)"
    )
    amend.add_argument("--reason", required=True, help="why the mark changes (required)")
    amend.add_argument(
        "--by", required=True, metavar="STAFF_ID", help="who is amending it (office or dsl)"
    )
    amend.set_defaults(handler=cmd_mark_amend)


@contextmanager
def sealed_sessions(config: Config) -> Iterator[Session]:
    """A session on the database, sealing what it writes with the school's key.

    The key file must exist: an amendment audited without the key would break a chain that is
    sealed (`kiosk db upgrade` creates the key).
    """
    with school_book(config) as book, book.sessions() as session:
        yield session


def cmd_mark_amend(args: argparse.Namespace) -> int:
    config = command_config(args)
    with sealed_sessions(config) as session:
        try:
            mark_id = find_mark(session, args.mis_id, day=args.date, school_session=args.session)
            done = amend_mark(
                session,
                mark_id,
                code=args.code,
                minutes_late=args.minutes,
                comment=args.comment,
                reason=args.reason,
                by=StaffRef(args.by),
                at=_now(),
            )
        except AmendmentError as exc:
            session.rollback()
            raise KioskError(str(exc), REJECTED) from None
        session.commit()
    _say(
        f"amended {done.learner_mis_id} {done.day} {done.session}: "
        f"{_shown(done.original_code, done.original_minutes_late)} -> "
        f"{_shown(done.new_code, done.new_minutes_late)} by {done.amended_by} "
        f"(amendment {done.amendment_id}; the original and the reason are kept)"
    )
    return OK


def _shown(code: str, minutes_late: int) -> str:
    return f"{code} ({minutes_late} min late)" if minutes_late else code
