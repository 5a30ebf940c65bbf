"""Staff signed on at a door: kept in the book so the fire roll can name who is on site."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from records.base import Base
from records.people import StaffRecord


class StaffSignOnRecord(Base):
    """One spell of a member of staff signed on at a station; open until they sign off."""

    __tablename__ = "staff_sign_ons"
    __table_args__ = (
        Index(None, "date", "signed_off_at"),
        Index(None, "station", "signed_off_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    station: Mapped[str]
    date: Mapped[dt.date]
    signed_on_at: Mapped[dt.datetime]
    signed_off_at: Mapped[dt.datetime | None]

    staff: Mapped[StaffRecord] = relationship()

    def __repr__(self) -> str:
        return f"<StaffSignOnRecord {self.id} staff={self.staff_id} {self.station} {self.date}>"
