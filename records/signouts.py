"""Learners signed out during the day (an appointment, illness): no longer on site from then."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from records.base import Base
from records.people import LearnerRecord, StaffRecord


class SignOutRecord(Base):
    """A learner leaving the site before the end of the day, why, and who let them go."""

    __tablename__ = "sign_outs"
    __table_args__ = (
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        CheckConstraint("reason <> ''", name="reason"),
        Index(None, "date", "session"),
        Index(None, "learner_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    date: Mapped[dt.date]
    # The session the learner left in: its mark's comment says so in the attendance export.
    session: Mapped[str]
    signed_out_at: Mapped[dt.datetime]
    reason: Mapped[str]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))

    learner: Mapped[LearnerRecord] = relationship()
    recorded_by: Mapped[StaffRecord] = relationship()

    def __repr__(self) -> str:
        return f"<SignOutRecord {self.id} learner={self.learner_id} {self.signed_out_at}>"
