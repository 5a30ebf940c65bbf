"""The attendance export read from the hub: every door's marks, one per learner and session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Connection, or_, select

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.exports import ExportError, unmarked_cells
from records.hub import HubLearnerRecord, hub_session_marks


def hub_attendance_rows(
    conn: Connection,
    *,
    day: date,
    school_session: SchoolSession,
    school: SchoolConfig,
    now: datetime,
) -> Iterator[tuple[str, ...]]:
    """The rows of `kiosk.exports.attendance_rows`, from the hub: its roster, and the mark the
    `hub_session_marks` view chose (the earliest admission at any door, else a refusal's O)."""
    times = school.times_for(school_session)
    if times is None:
        raise ExportError("no afternoon session is configured: set [school] pm_starts")
    closes_at = datetime.combine(day, times.register_closes, school.zone)
    register_closed = now > closes_at
    marks = {
        mis_id: (code, minutes, comment)
        for mis_id, code, minutes, comment in conn.execute(
            select(
                hub_session_marks.c.mis_id,
                hub_session_marks.c.code,
                hub_session_marks.c.minutes_late,
                hub_session_marks.c.comment,
            ).where(
                hub_session_marks.c.date == day,
                hub_session_marks.c.session == school_session.value,
            )
        )
    }
    learners = HubLearnerRecord
    roll = conn.execute(
        select(learners.mis_id, learners.upn, learners.surname, learners.forename)
        .where(or_(learners.left_on.is_(None), learners.left_on > day))
        .order_by(learners.surname, learners.forename, learners.id)
    )
    for mis_id, upn, surname, forename in roll:
        stored = marks.get(mis_id)
        if stored is not None:
            code, minutes, comment = stored
        else:
            code, minutes, comment = unmarked_cells(None, register_closed, school_session, times)
        yield (
            mis_id,
            upn,
            surname,
            forename,
            day.isoformat(),
            school_session.value,
            code,
            str(minutes),
            comment,
        )
