"""The notification outbox: messages for a role (attendance, DSL) waiting to be sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlalchemy.orm import Mapped, mapped_column

from records.base import Base


class NotificationRecord(Base):
    """A message written in the same transaction as the event, sent later by whoever delivers."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts"),
        Index(None, "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    # Who should read it: "attendance", "dsl", ...
    role: Mapped[str]
    subject: Mapped[str]
    body: Mapped[str]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(default="")
    # The search a DSL notification is about: its delivery is written on the search.
    search_id: Mapped[int | None] = mapped_column(index=True)
    # The learner not admitted (a refusals row: suspected under the influence) a DSL
    # notification is about: its delivery is written there.
    refusal_id: Mapped[int | None] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<NotificationRecord {self.id} role={self.role!r} sent={self.sent_at is not None}>"
