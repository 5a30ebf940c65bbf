"""The lane's own log: every event at the door, append-only, so a restarted kiosk rebuilds it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from records.base import Base


def new_event_id() -> str:
    """A globally unique id, so logs from several doors can be merged without clashes."""
    return uuid.uuid4().hex


class VisitEventRecord(Base):
    """One thing that happened in the lane: a tap, a phone, the arch, a staff decision."""

    __tablename__ = "visit_events"
    __table_args__ = (
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        Index(None, "date", "session", "id"),
        Index(None, "learner_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(unique=True, default=new_event_id)
    station: Mapped[str]
    date: Mapped[dt.date]
    session: Mapped[str]
    at: Mapped[dt.datetime]
    kind: Mapped[str]
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id"))
    # The staff_id of whoever acted (None: the learner, or the hardware, on the clear path).
    staff_id: Mapped[str | None]
    # The rest of the event as canonical JSON text.
    payload: Mapped[str] = mapped_column(default="{}")
    recorded_at: Mapped[dt.datetime]

    def __repr__(self) -> str:
        return f"<VisitEventRecord {self.id} {self.kind} learner={self.learner_id} {self.at}>"


def events_of_session(
    session: Session, day: dt.date, session_name: str, station: str | None = None
) -> list[VisitEventRecord]:
    """A session's lane events in the order they were recorded (optionally one door's)."""
    query = select(VisitEventRecord).where(
        VisitEventRecord.date == day, VisitEventRecord.session == session_name
    )
    if station is not None:
        query = query.where(VisitEventRecord.station == station)
    return list(session.scalars(query.order_by(VisitEventRecord.id)))
