"""The office's view of the morning, as plain values: who is in, who is not, phones, searches."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import SEARCH_HEADER, attendance_rows, search_rows
from kiosk.notify import ATTENDANCE, pending
from kiosk.phones import outstanding_phones
from kiosk.screens.results import (
    OfficeLearnerRow,
    OfficePhoneRow,
    OfficeSearchRow,
    OfficeView,
)
from records.models import LearnerRecord, SessionMarkRecord

LATE_WEEKS = 6
LATE_CODES = ("L", "U")

# The outbox an office user who is not the DSL may read. Safeguarding notifications (search
# exceptions, items for the police) are the DSL's alone; a role added later stays hidden from
# the office until it is named here.
OFFICE_OUTBOX_ROLES = frozenset({ATTENDANCE})


def office_view(
    session: Session, *, school: SchoolConfig, now: datetime, is_dsl: bool
) -> OfficeView:
    zone = school.zone
    day = now.astimezone(zone).date()
    people = session.execute(
        select(LearnerRecord.mis_id, LearnerRecord.id, LearnerRecord.reg_group)
    ).all()
    ids: dict[str, int] = {mis_id: learner_id for mis_id, learner_id, _ in people}
    reg: dict[int, str] = {learner_id: group for _, learner_id, group in people}
    rows = []
    for mis_id, _upn, surname, forename, _d, _s, code, minutes, comment in attendance_rows(
        session, day=day, school_session=SchoolSession.AM, school=school, now=now
    ):
        learner_id = ids[mis_id]
        rows.append(
            OfficeLearnerRow(
                learner_id, f"{forename} {surname}", reg[learner_id], code, int(minutes), comment
            )
        )
    history = _late_weeks(session, day, [r.learner_id for r in rows if r.code in LATE_CODES])
    lates = tuple(
        OfficeLearnerRow(**{**r.__dict__, "late_weeks": history.get(r.learner_id, ())})
        for r in rows
        if r.code in LATE_CODES
    )
    first_minute, per_minute = _per_minute(session, day, school)
    return OfficeView(
        day=day.isoformat(),
        is_dsl=is_dsl,
        arrived=tuple(r for r in rows if r.code in ("/", "\\", "L", "U")),
        not_in=tuple(r for r in rows if r.code in ("", "N")),
        lates=lates,
        refusals=tuple(r for r in rows if r.code == "O"),
        arrivals_per_minute=per_minute,
        first_minute=first_minute,
        phones=tuple(
            OfficePhoneRow(
                ids[p.mis_id],
                p.slot,
                p.learner_name,
                p.reg_group,
                f"{p.handed_in_at.astimezone(zone):%H:%M}",
                p.confiscated,
            )
            for p in outstanding_phones(session, day)
        ),
        searches=_searches(session, day, school) if is_dsl else (),
        outbox=tuple(
            f"{n.created_at.astimezone(zone):%H:%M} to {n.role}: {n.subject}"
            + (f" (not sent: {n.last_error})" if n.last_error else "")
            for n in pending(session)
            if is_dsl or n.role in OFFICE_OUTBOX_ROLES
        ),
    )


def _per_minute(session: Session, day: date, school: SchoolConfig) -> tuple[str, tuple[int, ...]]:
    """Arrivals in each minute from the first to the last this morning (for the chart)."""
    times = session.scalars(
        select(SessionMarkRecord.arrived_at).where(
            SessionMarkRecord.date == day,
            SessionMarkRecord.session == SchoolSession.AM.value,
            SessionMarkRecord.admitted_at.is_not(None),
        )
    ).all()
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
    since = day - timedelta(weeks=LATE_WEEKS) + timedelta(days=1)
    found = session.execute(
        select(SessionMarkRecord.learner_id, SessionMarkRecord.date).where(
            SessionMarkRecord.learner_id.in_(learner_ids),
            SessionMarkRecord.date >= since,
            SessionMarkRecord.date <= day,
            SessionMarkRecord.code.in_(LATE_CODES),
        )
    ).all()
    weeks: dict[int, list[int]] = {learner_id: [0] * LATE_WEEKS for learner_id in learner_ids}
    for learner_id, marked in found:
        weeks[learner_id][LATE_WEEKS - 1 - (day - marked).days // 7] += 1
    return {learner_id: tuple(counts) for learner_id, counts in weeks.items()}


def _searches(session: Session, day: date, school: SchoolConfig) -> tuple[OfficeSearchRow, ...]:
    """Today's searches, read through the search log export so both say the same."""
    columns = {name: n for n, name in enumerate(SEARCH_HEADER)}
    return tuple(
        OfficeSearchRow(
            row[columns["time"]],
            row[columns["learner_name"]],
            row[columns["searcher"]],
            row[columns["witness"]] or "none",
            row[columns["level"]],
            row[columns["outcome"]],
            row[columns["exception_reason"]] if row[columns["exception_used"]] == "Y" else "",
        )
        for row in search_rows(session, first=day, last=day, zone=school.zone)
    )
