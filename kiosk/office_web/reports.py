"""The office's lists that no kiosk screen had: late detentions, persistent late-comers,
searches whose parents are not yet told, undelivered safeguarding messages, marked days.

Reads only, from this door's book. Where a rule exists (the late codes, the search log, the
outbox) it is the use case's own, imported, not written again here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import SEARCH_HEADER, search_rows
from kiosk.notify.send import DSL, pending
from kiosk.office.overview import LATE_CODES, OFFICE_OUTBOX_ROLES
from records.models import LearnerRecord, SessionMarkRecord
from records.queries import learner_by_mis_id, on_roll


@dataclass(frozen=True)
class Learner:
    learner_id: int
    mis_id: str
    name: str
    group: str
    year: str


def year_groups(session: Session) -> dict[int, str]:
    """Each learner's year group by id (the office view's rows carry the registration group)."""
    return dict(session.execute(select(LearnerRecord.id, LearnerRecord.year_group)).tuples().all())


def learners_on_roll(session: Session, day: date) -> list[str]:
    """Every learner on roll on `day` as "Forename Surname (MIS id)", for picking one by name."""
    found = session.execute(
        select(LearnerRecord.forename, LearnerRecord.surname, LearnerRecord.mis_id)
        .where(on_roll(day))
        .order_by(LearnerRecord.surname, LearnerRecord.forename)
    ).all()
    return [f"{forename} {surname} ({mis_id})" for forename, surname, mis_id in found]


def learner_id_of(session: Session, picked: str) -> int | None:
    """The learner named as `learners_on_roll` names them, or by MIS id alone."""
    text = picked.strip()
    if text.endswith(")") and "(" in text:
        text = text[text.rindex("(") + 1 : -1].strip()
    learner = learner_by_mis_id(session, text) if text else None
    return learner.id if learner is not None else None


def late_detentions(
    session: Session, day: date, school_session: SchoolSession
) -> list[tuple[Learner, int, str]]:
    """Learners given a late detention in the session: with minutes late and the reason."""
    found = session.execute(
        select(LearnerRecord, SessionMarkRecord.minutes_late, SessionMarkRecord.late_reason)
        .join(LearnerRecord, SessionMarkRecord.learner_id == LearnerRecord.id)
        .where(
            SessionMarkRecord.date == day,
            SessionMarkRecord.session == school_session.value,
            SessionMarkRecord.late_detention.is_(True),
        )
        .order_by(LearnerRecord.surname, LearnerRecord.forename)
    ).all()
    return [(_learner(learner), minutes, reason) for learner, minutes, reason in found]


DETENTION_HEADER = ("mis_id", "name", "group", "year", "date", "session", "minutes_late", "reason")


def detention_rows(
    session: Session, day: date, school_session: SchoolSession
) -> list[tuple[str, ...]]:
    """R26: the session's late detentions as a download gives them, one learner a row."""
    return [
        (x.mis_id, x.name, x.group, x.year, day.isoformat(), school_session.value, str(m), r)
        for x, m, r in late_detentions(session, day, school_session)
    ]


def persistent_lates(
    session: Session, *, last: date, weeks: int, at_least: int
) -> list[tuple[Learner, int]]:
    """Learners with at least `at_least` late marks (L or U, any session) in the `weeks`
    weeks to `last`: a plain count, most first; the school decides what follows."""
    since = last - timedelta(weeks=weeks) + timedelta(days=1)
    lates = func.count(SessionMarkRecord.id)
    found = session.execute(
        select(LearnerRecord, lates)
        .join(LearnerRecord, SessionMarkRecord.learner_id == LearnerRecord.id)
        .where(
            SessionMarkRecord.date >= since,
            SessionMarkRecord.date <= last,
            SessionMarkRecord.code.in_(LATE_CODES),
        )
        .group_by(LearnerRecord.id)
        .having(lates >= at_least)
        .order_by(lates.desc(), LearnerRecord.surname, LearnerRecord.forename)
    ).all()
    return [(_learner(learner), count) for learner, count in found]


def marked_days(
    session: Session, first: date, last: date, school_session: SchoolSession
) -> list[date]:
    """The days from `first` to `last` on which the register was taken in the session (any
    mark recorded): a range's export leaves out weekends and holidays."""
    return list(
        session.scalars(
            select(SessionMarkRecord.date)
            .where(
                SessionMarkRecord.date >= first,
                SessionMarkRecord.date <= last,
                SessionMarkRecord.session == school_session.value,
            )
            .distinct()
            .order_by(SessionMarkRecord.date)
        )
    )


@dataclass(frozen=True)
class SearchLine:
    search_id: str
    day: str
    time: str
    learner: str
    outcome: str
    items: str


def searches_parents_not_told(
    session: Session, first: date, last: date, zone: ZoneInfo
) -> list[SearchLine]:
    """Searches in the range whose record says the parents were not told (the search log's
    own rows, so the list and the export agree)."""
    col = {name: n for n, name in enumerate(SEARCH_HEADER)}
    return [
        SearchLine(
            row[col["search_id"]],
            row[col["date"]],
            row[col["time"]],
            row[col["learner_name"]],
            row[col["outcome"]],
            row[col["items"]],
        )
        for row in search_rows(session, first=first, last=last, zone=zone)
        if row[col["parent_informed"]] == "N"
    ]


@dataclass(frozen=True)
class Undelivered:
    created_at: str
    role: str
    subject: str
    attempts: int
    last_error: str


def undelivered(session: Session, zone: ZoneInfo, *, is_dsl: bool) -> list[Undelivered]:
    """Messages in the outbox not yet delivered. The safeguarding ones are the DSL's to read;
    office staff see only that one waits (as at the kiosk's office screen), to tell the DSL
    in person."""
    shown = []
    for n in pending(session):
        if not (is_dsl or n.role in OFFICE_OUTBOX_ROLES or n.role == DSL):
            continue
        hidden = not is_dsl and n.role not in OFFICE_OUTBOX_ROLES
        shown.append(
            Undelivered(
                f"{n.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
                n.role,
                "Not yet delivered to the DSL: tell them in person" if hidden else n.subject,
                n.attempts,
                "" if hidden else n.last_error,
            )
        )
    return shown


def _learner(record: LearnerRecord) -> Learner:
    return Learner(
        record.id,
        record.mis_id,
        f"{record.forename} {record.surname}",
        record.reg_group,
        record.year_group,
    )


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
