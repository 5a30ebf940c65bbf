"""Amendments of the register: each keeps the original entry, the new one, why, when and who."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from records.base import Base
from records.morning import _CODES, SessionMarkRecord
from records.people import StaffRecord


class MarkAmendmentRecord(Base):
    """One change to a session mark after it was written (2024 regulations: never silent)."""

    __tablename__ = "mark_amendments"
    __table_args__ = (
        CheckConstraint("trim(reason) <> ''", name="reason"),
        CheckConstraint(f"original_code IN ({_CODES})", name="original_code"),
        CheckConstraint(f"new_code IN ({_CODES})", name="new_code"),
        CheckConstraint(
            "original_minutes_late >= 0 AND new_minutes_late >= 0", name="minutes_late"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("session_marks.id"), index=True)
    original_code: Mapped[str]
    original_minutes_late: Mapped[int]
    original_comment: Mapped[str]
    new_code: Mapped[str]
    new_minutes_late: Mapped[int]
    new_comment: Mapped[str]
    reason: Mapped[str]
    amended_at: Mapped[dt.datetime]
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))

    mark: Mapped[SessionMarkRecord] = relationship()
    amended_by: Mapped[StaffRecord] = relationship()

    def __repr__(self) -> str:
        return (
            f"<MarkAmendmentRecord {self.id} mark={self.mark_id} "
            f"{self.original_code!r}->{self.new_code!r}>"
        )
