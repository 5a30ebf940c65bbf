"""The office's view of the morning, as plain values: who is in, who is not, phones, searches.

Where a hub is configured the morning is the whole school's, read from the hub (every door's
marks, lates and phones); with the hub out of reach it is this door's book, and says so.
Searches and the outbox are always this door's own: safeguarding detail stays where it was
recorded.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from functools import partial
from typing import TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.config import Config, SchoolConfig
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import SEARCH_HEADER, attendance_rows, search_rows
from kiosk.hub import (
    HubLearner,
    HubPhone,
    hub_arrival_times,
    hub_attendance_rows,
    hub_learners,
    hub_marked_days,
    hub_outstanding_phones,
)
from kiosk.notify.send import ATTENDANCE, DSL, pending
from kiosk.phones.held import OutstandingPhone, outstanding_phones, slot_order
from kiosk.views.office import OfficeLearnerRow, OfficePhoneRow, OfficeSearchRow, OfficeView
from records.models import LearnerRecord, SessionMarkRecord

log = logging.getLogger(__name__)

LATE_WEEKS = 6
# Said on the office's screens when the hub is configured but cannot be reached.
HUB_OFFLINE = "hub offline: this door only"
# The whole school's morning is listed against the roster the office published to the hub.
HUB_NO_ROSTER = "no roster at the hub (kiosk hub publish): this door only"
LATE_CODES = ("L", "U")

_Key = TypeVar("_Key")  # what a late history is read by: a learner id here, an MIS id at the hub

# The outbox an office user who is not the DSL may read. Safeguarding notifications (search
# exceptions, items for the police) are the DSL's alone; a role added later stays hidden from
# the office until it is named here.
OFFICE_OUTBOX_ROLES = frozenset({ATTENDANCE})


def office_view(
    session: Session,
    *,
    school: SchoolConfig,
    now: datetime,
    is_dsl: bool,
    day: date | None = None,
    school_session: SchoolSession = SchoolSession.AM,
) -> OfficeView:
    """The morning (or `school_session`) of `day`, today's by default, as it stands at `now`."""
    zone = school.zone
    day = day or now.astimezone(zone).date()
    people = session.execute(
        select(LearnerRecord.mis_id, LearnerRecord.id, LearnerRecord.reg_group)
    ).all()
    ids: dict[str, int] = {mis_id: learner_id for mis_id, learner_id, _ in people}
    reg: dict[int, str] = {learner_id: group for _, learner_id, group in people}
    rows = _learner_rows(
        attendance_rows(session, day=day, school_session=school_session, school=school, now=now),
        lambda mis_id: (ids[mis_id], ids[mis_id], reg[ids[mis_id]]),
    )
    return _view(
        session,
        school,
        day=day,
        is_dsl=is_dsl,
        rows=rows,
        late_weeks=partial(_late_weeks, session, day),
        minutes=_per_minute(session, day, school, school_session),
        phones=tuple(
            _phone_row(p, ids[p.mis_id], p.learner_name, p.reg_group, zone)
            for p in outstanding_phones(session, day)
        ),
    )


def school_office_view(
    session: Session,
    *,
    config: Config,
    now: datetime,
    is_dsl: bool,
    day: date | None = None,
    school_session: SchoolSession = SchoolSession.AM,
) -> OfficeView:
    """The office's morning: the whole school's from the hub where `[hub] url` is set, else
    this door's book; with the hub out of reach, this door's book, saying so in the title.
    `day` and `school_session` choose another day or the afternoon (today's AM by default)."""
    # This door's book: the whole view without a hub, the fallback with one.
    this_door = partial(
        office_view,
        session,
        school=config.school,
        now=now,
        is_dsl=is_dsl,
        day=day,
        school_session=school_session,
    )
    if not config.hub.enabled:
        return this_door()
    from kiosk.hub import hub_engine  # the hub's driver, only where a hub is configured

    engine = hub_engine(config.hub)
    note = HUB_OFFLINE
    try:
        with engine.connect() as conn:
            roster = hub_learners(conn)
            if roster:
                return hub_office_view(
                    conn,
                    session,
                    roster,
                    school=config.school,
                    now=now,
                    is_dsl=is_dsl,
                    day=day,
                    school_session=school_session,
                )
            note = HUB_NO_ROSTER
    except SQLAlchemyError as exc:
        log.warning("office: the hub cannot be read, showing this door only: %s", exc)
    finally:
        engine.dispose()
    view = this_door()
    return replace(view, day=f"{view.day} · {note}")


def hub_office_view(
    conn: Connection,
    session: Session,
    roster: dict[str, HubLearner],
    *,
    school: SchoolConfig,
    now: datetime,
    is_dsl: bool,
    day: date | None = None,
    school_session: SchoolSession = SchoolSession.AM,
) -> OfficeView:
    """The whole school's morning from the hub (`roster`: its learners by MIS id); searches
    and the outbox from this book."""
    zone = school.zone
    day = day or now.astimezone(zone).date()
    # Rows keep this door's learner ids (a phone is given back here by id); a learner the
    # door's roster does not hold yet has none.
    ids: dict[str, int] = dict(
        session.execute(select(LearnerRecord.mis_id, LearnerRecord.id)).tuples().all()
    )
    rows = _learner_rows(
        hub_attendance_rows(conn, day=day, school_session=school_session, school=school, now=now),
        lambda mis_id: (mis_id, ids.get(mis_id, 0), roster[mis_id].reg_group),
    )
    phones = sorted(
        hub_outstanding_phones(conn, day),
        key=lambda p: (slot_order(p.slot), p.station, p.handed_in_at),
    )
    return _view(
        session,
        school,
        day=day,
        is_dsl=is_dsl,
        rows=rows,
        late_weeks=partial(_hub_late_weeks, conn, day),
        minutes=_minute_counts(hub_arrival_times(conn, day, school_session), school),
        phones=tuple(
            _phone_row(
                p,
                ids.get(p.mis_id, 0),
                f"{roster[p.mis_id].forename} {roster[p.mis_id].surname}"
                if p.mis_id in roster
                else p.mis_id,
                roster[p.mis_id].reg_group if p.mis_id in roster else "",
                zone,
            )
            for p in phones
        ),
    )


def _learner_rows(
    attendance: Iterable[tuple[str, ...]], person: Callable[[str], tuple[_Key, int, str]]
) -> list[tuple[_Key, OfficeLearnerRow]]:
    """Each attendance row (as the export writes it) as the office's; `person` gives, for an
    MIS id, the key its late history is read by, this door's learner id and the group."""
    rows = []
    for mis_id, _upn, surname, forename, _d, _s, code, minutes, comment in attendance:
        key, learner_id, reg_group = person(mis_id)
        name = f"{forename} {surname}"
        rows.append(
            (key, OfficeLearnerRow(learner_id, name, reg_group, code, int(minutes), comment))
        )
    return rows


def _phone_row(
    phone: OutstandingPhone | HubPhone, learner_id: int, name: str, reg_group: str, zone: tzinfo
) -> OfficePhoneRow:
    """A phone still held, at this door or any: handed in at local HH:MM."""
    return OfficePhoneRow(
        learner_id,
        phone.slot,
        name,
        reg_group,
        f"{phone.handed_in_at.astimezone(zone):%H:%M}",
        phone.confiscated,
        phone.item,
    )


def _view(
    session: Session,
    school: SchoolConfig,
    *,
    day: date,
    is_dsl: bool,
    rows: Sequence[tuple[_Key, OfficeLearnerRow]],
    late_weeks: Callable[[list[_Key]], dict[_Key, tuple[int, ...]]],
    minutes: tuple[str, tuple[int, ...]],
    phones: tuple[OfficePhoneRow, ...],
) -> OfficeView:
    """The view from the morning's rows (each with the key its late history is read by), from
    this door's book or the hub alike; searches and the outbox are always this door's own."""
    late = [(key, r) for key, r in rows if r.code in LATE_CODES]
    history = late_weeks([key for key, _ in late])
    everyone = [r for _, r in rows]
    first_minute, per_minute = minutes
    return OfficeView(
        day=day.isoformat(),
        is_dsl=is_dsl,
        arrived=tuple(r for r in everyone if r.code in ("/", "\\", "L", "U")),
        not_in=tuple(r for r in everyone if r.code in ("", "N")),
        lates=tuple(replace(r, late_weeks=history.get(key, ())) for key, r in late),
        refusals=tuple(r for r in everyone if r.code == "O"),
        arrivals_per_minute=per_minute,
        first_minute=first_minute,
        phones=phones,
        searches=_searches(session, day, school) if is_dsl else (),
        outbox=_outbox(session, school, is_dsl),
    )


def _late_since(day: date) -> date:
    """The first day of the LATE_WEEKS weeks that end on `day`."""
    return day - timedelta(weeks=LATE_WEEKS) + timedelta(days=1)


def _count_weeks(
    day: date, keys: Iterable[_Key], marked: Iterable[tuple[_Key, date]]
) -> dict[_Key, tuple[int, ...]]:
    """Late marks per key in each of the LATE_WEEKS weeks that end on `day`, oldest first."""
    weeks: dict[_Key, list[int]] = {key: [0] * LATE_WEEKS for key in keys}
    for key, on in marked:
        weeks[key][LATE_WEEKS - 1 - (day - on).days // 7] += 1
    return {key: tuple(counts) for key, counts in weeks.items()}


def _hub_late_weeks(conn: Connection, day: date, mis_ids: list[str]) -> dict[str, tuple[int, ...]]:
    """Late marks per learner in each of the last LATE_WEEKS weeks at any door."""
    marked = hub_marked_days(conn, mis_ids, _late_since(day), day, LATE_CODES)
    return _count_weeks(day, mis_ids, marked)


def _outbox(session: Session, school: SchoolConfig, is_dsl: bool) -> tuple[str, ...]:
    lines = []
    for n in pending(session):
        at = f"{n.created_at.astimezone(school.zone):%H:%M}"
        if is_dsl or n.role in OFFICE_OUTBOX_ROLES:
            lines.append(
                f"{at} to {n.role}: {n.subject}"
                + (f" (not sent: {n.last_error})" if n.last_error else "")
            )
        elif n.role == DSL:
            # A serious incident the DSL has not heard of is the office's to chase, without
            # its detail: someone must tell the DSL in person.
            lines.append(f"{at}: a message is not yet delivered to the DSL; tell them in person")
    return tuple(lines)


def _per_minute(
    session: Session, day: date, school: SchoolConfig, school_session: SchoolSession
) -> tuple[str, tuple[int, ...]]:
    """Arrivals in each minute from the first to the last of the session (for the chart)."""
    times = session.scalars(
        select(SessionMarkRecord.arrived_at).where(
            SessionMarkRecord.date == day,
            SessionMarkRecord.session == school_session.value,
            SessionMarkRecord.admitted_at.is_not(None),
        )
    ).all()
    return _minute_counts(times, school)


def _minute_counts(
    times: Iterable[datetime | None], school: SchoolConfig
) -> tuple[str, tuple[int, ...]]:
    minutes = sorted(t.astimezone(school.zone).replace(second=0, microsecond=0) for t in times if t)
    if not minutes:
        return "", ()
    counts = Counter(minutes)
    span = int((minutes[-1] - minutes[0]).total_seconds() // 60) + 1
    series = tuple(counts.get(minutes[0] + timedelta(minutes=n), 0) for n in range(span))
    return f"{minutes[0]:%H:%M}", series


def _late_weeks(session: Session, day: date, learner_ids: list[int]) -> dict[int, tuple[int, ...]]:
    """Late marks per learner in each of the last LATE_WEEKS weeks, oldest week first."""
    if not learner_ids:
        return {}
    found = session.execute(
        select(SessionMarkRecord.learner_id, SessionMarkRecord.date).where(
            SessionMarkRecord.learner_id.in_(learner_ids),
            SessionMarkRecord.date >= _late_since(day),
            SessionMarkRecord.date <= day,
            SessionMarkRecord.code.in_(LATE_CODES),
        )
    ).tuples()
    return _count_weeks(day, learner_ids, found)


def _witness(row: tuple[str, ...], columns: dict[str, int]) -> str:
    """The witness as the office reads them: a member of staff by name; an adult who is not
    staff (R6) with their relation, and saying so."""
    name = row[columns["witness"]]
    if not name:
        return "none"
    if row[columns["witness_is_staff"]] == "N":
        return f"{name} ({row[columns['witness_relation']]}, not staff)"
    return name


def _searches(session: Session, day: date, school: SchoolConfig) -> tuple[OfficeSearchRow, ...]:
    """Today's searches, read through the search log export so both say the same."""
    columns = {name: n for n, name in enumerate(SEARCH_HEADER)}
    return tuple(
        OfficeSearchRow(
            row[columns["time"]],
            row[columns["learner_name"]],
            row[columns["searcher"]],
            _witness(row, columns),
            row[columns["level"]],
            row[columns["outcome"]],
            row[columns["exception_reason"]] if row[columns["exception_used"]] == "Y" else "",
        )
        for row in search_rows(session, first=day, last=day, zone=school.zone)
    )
