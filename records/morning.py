"""What happens at the door each morning: session marks, phone hand-ins, screenings, refusals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from records.base import Base
from records.people import LearnerRecord, StaffRecord

# The attendance codes the kiosk writes (England, 2024 regulations); see DOMAIN.md.
_CODES = "'/', '\\', 'L', 'U', 'O', 'N'"


class SessionMarkRecord(Base):
    """A learner's attendance mark for one session of one day."""

    __tablename__ = "session_marks"
    __table_args__ = (
        UniqueConstraint("learner_id", "date", "session"),
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        CheckConstraint(f"code IN ({_CODES})", name="code"),
        CheckConstraint("minutes_late >= 0", name="minutes_late"),
        Index(None, "date", "session"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    date: Mapped[dt.date]
    session: Mapped[str]
    code: Mapped[str]
    minutes_late: Mapped[int] = mapped_column(default=0)
    comment: Mapped[str] = mapped_column(default="")
    arrived_at: Mapped[dt.datetime | None]
    admitted_at: Mapped[dt.datetime | None]
    late_reason: Mapped[str] = mapped_column(default="")
    late_detention: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[dt.datetime]

    learner: Mapped[LearnerRecord] = relationship()
    recorded_by: Mapped[StaffRecord | None] = relationship()

    def __repr__(self) -> str:
        return (
            f"<SessionMarkRecord {self.id} learner={self.learner_id} "
            f"{self.date} {self.session} {self.code!r}>"
        )


class PhoneHandinRecord(Base):
    """A phone handed in (or a declaration of no phone), and its return or confiscation; or
    earphones confiscated (`item`), which are held and given back as a phone is."""

    __tablename__ = "phone_handins"
    __table_args__ = (
        CheckConstraint(
            "confiscation_occurrence IS NULL OR confiscation_occurrence >= 1",
            name="confiscation_occurrence",
        ),
        CheckConstraint("item IN ('phone', 'earphones')", name="item"),
        Index(None, "date", "returned_at"),
        Index(None, "learner_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    date: Mapped[dt.date]
    handed_in_at: Mapped[dt.datetime]
    # A numbered slot, a pouch or an envelope, as written by staff.
    slot: Mapped[str] = mapped_column(default="")
    no_phone: Mapped[bool] = mapped_column(default=False)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    returned_at: Mapped[dt.datetime | None]
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    confiscated: Mapped[bool] = mapped_column(default=False)
    confiscation_occurrence: Mapped[int | None]
    hold_until: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(default="")
    # The parent or carer who collected a confiscated phone (when: returned_at; by: returned_by).
    collected_by: Mapped[str] = mapped_column(default="", server_default="")
    # What was taken: "phone" (every hand-in), or "earphones" seen in use (R33).
    item: Mapped[str] = mapped_column(default="phone", server_default="phone")

    learner: Mapped[LearnerRecord] = relationship()
    received_by: Mapped[StaffRecord | None] = relationship(foreign_keys=[received_by_id])
    returned_by: Mapped[StaffRecord | None] = relationship(foreign_keys=[returned_by_id])

    def __repr__(self) -> str:
        return f"<PhoneHandinRecord {self.id} learner={self.learner_id} {self.date}>"


class ScreeningRecord(Base):
    """One pass through the arch or under the wand, and its result."""

    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint("method IN ('arch', 'wand')", name="method"),
        CheckConstraint("result IN ('clear', 'alarm', 'not_screened')", name="result"),
        Index(None, "date"),
        Index(None, "learner_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    date: Mapped[dt.date]
    screened_at: Mapped[dt.datetime]
    method: Mapped[str]
    result: Mapped[str]
    zone: Mapped[str | None]
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    randomly_selected: Mapped[bool] = mapped_column(default=False)

    learner: Mapped[LearnerRecord] = relationship()
    operator: Mapped[StaffRecord | None] = relationship()

    def __repr__(self) -> str:
        return f"<ScreeningRecord {self.id} learner={self.learner_id} {self.result!r}>"


class RefusalRecord(Base):
    """A learner not admitted (`O`): refused screening or a search, or suspected of being under
    the influence (R28); kept even if they later comply."""

    __tablename__ = "refusals"
    __table_args__ = (
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        CheckConstraint("kind IN ('screening', 'search', 'influence')", name="kind"),
        Index(None, "date", "session"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    date: Mapped[dt.date]
    session: Mapped[str]
    refused_at: Mapped[dt.datetime]
    kind: Mapped[str]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str] = mapped_column(default="")
    # R28: the DSL told, set by the act itself (a message delivered, or a member of staff
    # confirming they told them), never ticked in advance; and the parent or carer who
    # collected the learner, when, and the member of staff who handed them over.
    dsl_informed_at: Mapped[dt.datetime | None]
    dsl_informed_by: Mapped[str] = mapped_column(default="", server_default="")
    collected_by: Mapped[str] = mapped_column(default="", server_default="")
    collected_at: Mapped[dt.datetime | None]
    collected_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    learner: Mapped[LearnerRecord] = relationship()
    recorded_by: Mapped[StaffRecord | None] = relationship(foreign_keys=[recorded_by_id])
    collected_recorded_by: Mapped[StaffRecord | None] = relationship(
        foreign_keys=[collected_recorded_by_id]
    )

    def __repr__(self) -> str:
        return f"<RefusalRecord {self.id} learner={self.learner_id} {self.kind!r}>"
