"""The office's exports: attendance marks for the MIS, the search log for the safeguarding lead."""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import RefusalKind, SessionTimes, decide_session_mark
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.csvsafe import spreadsheet_safe
from kiosk.domain.people import StaffRef
from records.audit import append_audit
from records.csvfiles import write_csv
from records.models import (
    LearnerRecord,
    RefusalRecord,
    SearchRecord,
    SessionMarkRecord,
    SignOutRecord,
    StaffRecord,
)
from records.queries import active_staff, on_roll

ATTENDANCE_HEADER = (
    "mis_id",
    "upn",
    "surname",
    "forename",
    "date",
    "session",
    "code",
    "minutes_late",
    "comment",
)

SEARCH_HEADER = (
    "search_id",
    "date",
    "time",
    "learner_mis_id",
    "learner_name",
    "learner_sex",
    "grounds",
    "searcher",
    "searcher_sex",
    "witness",
    "witness_sex",
    "same_sex_searcher",
    "witness_present",
    "exception_used",
    "exception_reason",
    "level",
    "outcome",
    "items",
    "dispositions",
    "parent_informed",
    "dsl_informed",
    # Added at the end so that a reader of the older columns by position is not misled.
    "place",
    "sought",
    "disposition_reasons",
    "handed_to",
    "police_references",
    "consent",
    "physical_intervention",
    "adjustments",
    "parent_informed_at",
    "parent_informed_how",
    "parent_not_informed_reason",
    "dsl_informed_at",
    "dsl_informed_by",
    # R6: a witness who is not staff (a family member, an appropriate adult) is named in
    # `witness`, with their relation to the learner here, and `witness_is_staff` N.
    "witness_relation",
    "witness_is_staff",
)

REGISTER_OPEN_COMMENT = "not seen yet: the register is still open"


def sign_out_comment(at: str, reason: str) -> str:
    """A learner's early leaving as the mark's comment says it (`at` is local HH:MM)."""
    return f"signed out {at}: {reason}"


class ExportError(Exception):
    """The export cannot be made as asked; the message says why."""


class ExportWriteError(ExportError):
    """The file could not be written (a full or removed USB stick); nothing partial is left."""


def write_export_file(out: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write a CSV export that appears whole or not at all; returns the rows written."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{folder}: no such folder for the export")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            count = write_csv(stream, header, rows, escape=spreadsheet_safe)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportWriteError(f"{out}: cannot write the export: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which a local school day begins and ends (DST-safe)."""
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start, end


def attendance_rows(
    session: Session,
    *,
    day: date,
    school_session: SchoolSession,
    school: SchoolConfig,
    now: datetime,
) -> Iterator[tuple[str, ...]]:
    """One row per learner on roll: the stored mark, else a refusal's O, else N once closed."""
    times, register_closed = register_state(school, day, school_session, now)
    # Plain columns, not ORM objects: a year's export is 380,000 rows (issue 7's benchmark).
    marks = {
        learner_id: (code, minutes, comment)
        for learner_id, code, minutes, comment in session.execute(
            select(
                SessionMarkRecord.learner_id,
                SessionMarkRecord.code,
                SessionMarkRecord.minutes_late,
                SessionMarkRecord.comment,
            ).where(
                SessionMarkRecord.date == day, SessionMarkRecord.session == school_session.value
            )
        )
    }
    refusals = {
        r.learner_id: RefusalKind(r.kind)
        for r in session.scalars(
            select(RefusalRecord)
            .where(RefusalRecord.date == day, RefusalRecord.session == school_session.value)
            .order_by(RefusalRecord.refused_at)
        )
    }
    roll = session.execute(
        select(
            LearnerRecord.id,
            LearnerRecord.mis_id,
            LearnerRecord.upn,
            LearnerRecord.surname,
            LearnerRecord.forename,
        )
        .where(on_roll(day))
        .order_by(LearnerRecord.surname, LearnerRecord.forename, LearnerRecord.id)
    )
    left = sign_out_comments(
        session.execute(
            select(SignOutRecord.learner_id, SignOutRecord.signed_out_at, SignOutRecord.reason)
            .where(SignOutRecord.date == day, SignOutRecord.session == school_session.value)
            .order_by(SignOutRecord.signed_out_at, SignOutRecord.id)
        ).tuples(),
        school.zone,
    )
    yield from roll_rows(
        (
            (learner_id, (mis_id, upn, surname, forename))
            for learner_id, mis_id, upn, surname, forename in roll
        ),
        marks,
        lambda learner_id: unmarked_cells(
            refusals.get(learner_id), register_closed, school_session, times
        ),
        left,
        day,
        school_session,
    )


# A learner's key in a roll: this book's learner id, or the hub's MIS id.
_Key = TypeVar("_Key")


def register_state(
    school: SchoolConfig, day: date, school_session: SchoolSession, now: datetime
) -> tuple[SessionTimes, bool]:
    """The session's times, and whether its register had closed by `now`."""
    times = school.times_for(school_session)
    if times is None:
        raise ExportError("no afternoon session is configured: set [school] pm_starts")
    return times, now > datetime.combine(day, times.register_closes, school.zone)


def sign_out_comments(
    sign_outs: Iterable[tuple[_Key, datetime, str]], zone: ZoneInfo
) -> dict[_Key, list[str]]:
    """Each learner's sign-outs (key, when, why), in the order given, as comments."""
    left: dict[_Key, list[str]] = {}
    for key, signed_out_at, reason in sign_outs:
        left.setdefault(key, []).append(
            sign_out_comment(f"{signed_out_at.astimezone(zone):%H:%M}", reason)
        )
    return left


def roll_rows(
    roll: Iterable[tuple[_Key, tuple[str, str, str, str]]],
    marks: Mapping[_Key, tuple[str, int, str]],
    unmarked: Callable[[_Key], tuple[str, int, str]],
    sign_outs: Mapping[_Key, Sequence[str]],
    day: date,
    school_session: SchoolSession,
) -> Iterator[tuple[str, ...]]:
    """The export's row for each learner of `roll` (key, then MIS id, UPN, surname, forename):
    the stored mark, else `unmarked(key)`, with their sign-outs."""
    for key, learner in roll:
        stored = marks.get(key)
        cells = stored if stored is not None else unmarked(key)
        yield attendance_row(learner, day, school_session, cells, sign_outs.get(key, ()))


def attendance_row(
    learner: tuple[str, str, str, str],
    day: date,
    school_session: SchoolSession,
    cells: tuple[str, int, str],
    sign_outs: Sequence[str],
) -> tuple[str, ...]:
    """One row of the attendance export: the learner (MIS id, UPN, surname, forename), the
    day and session, and the mark's cells, with the day's sign-outs after its comment."""
    code, minutes, comment = cells
    comment = "; ".join([c for c in (comment, *sign_outs) if c])
    return (*learner, day.isoformat(), school_session.value, code, str(minutes), comment)


def unmarked_cells(
    refusal: RefusalKind | None, register_closed: bool, session: SchoolSession, times: SessionTimes
) -> tuple[str, int, str]:
    """Code, minutes late and comment for a learner with no mark stored: `O` after a refusal,
    `N` once the register has closed, else blank while it is still open."""
    decided = decide_session_mark(
        admitted_at=None,
        refusal=refusal,
        register_closed=register_closed,
        session=session,
        times=times,
    )
    if decided is None:
        return "", 0, REGISTER_OPEN_COMMENT
    return decided.code.value, decided.minutes_late, decided.comment


def search_rows(
    session: Session, *, first: date, last: date, zone: ZoneInfo
) -> Iterator[tuple[str, ...]]:
    """Every search started between two local dates inclusive, oldest first."""
    if last < first:
        raise ExportError(f"--to {last} is before --from {first}")
    start, _ = local_day_bounds(first, zone)
    _, end = local_day_bounds(last, zone)
    searcher = aliased(StaffRecord)
    witness = aliased(StaffRecord)
    query = (
        select(SearchRecord, LearnerRecord, searcher, witness)
        .join(LearnerRecord, SearchRecord.learner_id == LearnerRecord.id)
        .join(searcher, SearchRecord.searcher_id == searcher.id)
        .outerjoin(witness, SearchRecord.witness_id == witness.id)
        .where(SearchRecord.started_at >= start, SearchRecord.started_at < end)
        .order_by(SearchRecord.started_at, SearchRecord.id)
    )
    for search, learner, by, seen_by in session.execute(query):
        local = search.started_at.astimezone(zone)
        items = [f"{item.category}: {item.description}" for item in search.items]
        dispositions = [
            item.disposition
            + (f" (police ref {item.police_reference})" if item.police_reference else "")
            for item in search.items
        ]
        yield (
            str(search.id),
            local.date().isoformat(),
            local.strftime("%H:%M"),
            learner.mis_id,
            f"{learner.forename} {learner.surname}",
            learner.sex or "",
            search.grounds,
            f"{by.forename} {by.surname}",
            by.sex or "",
            f"{seen_by.forename} {seen_by.surname}" if seen_by else search.witness_name,
            (seen_by.sex or "") if seen_by else "",
            _yn(search.same_sex_searcher),
            _yn(search.witness_present),
            _yn(search.exception_used),
            search.exception_reason,
            search.level,
            search.outcome,
            "; ".join(items),
            "; ".join(dispositions),
            _yn(search.parent_informed),
            _yn(search.dsl_informed),
            search.place,
            search.sought,
            "; ".join(
                f"{item.description}: {item.disposition_reason}"
                for item in search.items
                if item.disposition_reason
            ),
            "; ".join(
                f"{item.description}: {item.handed_to}" for item in search.items if item.handed_to
            ),
            "; ".join(
                f"{item.description}: {item.police_reference}"
                for item in search.items
                if item.police_reference
            ),
            search.consent,
            search.physical_intervention,
            search.adjustments,
            _local_time(search.parent_informed_at, zone),
            search.parent_informed_how,
            search.parent_not_informed_reason,
            _local_time(search.dsl_informed_at, zone),
            search.dsl_informed_by,
            search.witness_relation,
            "Y" if seen_by else "N" if search.witness_name else "",
        )


SEARCH_LOG_READ = "search_log.read"


def record_search_log_read(
    session: Session,
    *,
    at: datetime,
    by: StaffRef | None,
    first: date | None,
    last: date | None,
    where: str,
    rows: int,
) -> None:
    """R35: write who read the search log, when, over which days and where (a page, a download,
    the command line) into the audit log, in the caller's transaction, so that the read and its
    record stand or fall together. `first`/`last` None: a list not bounded by dates (pending).
    `by` None (a script run without `--by`): the operating-system account is named."""
    detail: dict[str, object] = {
        "from": "" if first is None else first.isoformat(),
        "to": "" if last is None else last.isoformat(),
        "where": where,
        "rows": rows,
    }
    actor = None
    if by is None:
        detail["account"] = getpass.getuser()
    else:
        actor = active_staff(
            session, by.staff_id, ExportError, "no active member of staff with staff id {!r}"
        ).staff_id
    span = "pending" if first is None or last is None else f"{first}..{last}"
    append_audit(
        session,
        at=at,
        actor_staff_id=actor,
        action=SEARCH_LOG_READ,
        entity="searches",
        entity_id=span,
        detail=detail,
    )


def _local_time(at: datetime | None, zone: ZoneInfo) -> str:
    return "" if at is None else f"{at.astimezone(zone):%Y-%m-%d %H:%M}"


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"
