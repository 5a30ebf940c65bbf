"""The MIS write-back queue: one row per learner, date and session whose mark goes to the MIS."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from records.base import Base

# pending: to send (or to retry at next_attempt_at); sent: the MIS holds what was sent;
# kept: the MIS already held another mark for the session and it was not overwritten;
# rejected: the MIS refused it (an unknown student, a validation error) and needs a person;
# held: not written because the MIS cannot be read back to rule out a teacher's mark, and the
# school has not chosen to overwrite (it goes once the school does).
MIS_WRITE_STATES = ("pending", "sent", "kept", "rejected", "held")


class MisWriteRecord(Base):
    """A session mark to write to the MIS, sent once and retried with back-off until it lands."""

    __tablename__ = "mis_writes"
    __table_args__ = (
        UniqueConstraint("learner_id", "date", "session"),
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in MIS_WRITE_STATES) + ")", name="state"
        ),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index(None, "state", "next_attempt_at"),
        Index(None, "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    date: Mapped[dt.date]
    session: Mapped[str]
    state: Mapped[str] = mapped_column(default="pending")
    # The content to write, as canonical JSON, and its SHA-256: a changed mark changes the hash.
    payload: Mapped[str]
    payload_hash: Mapped[str]
    # What the MIS was last confirmed to hold from us (JSON; "" before the first success), so
    # that an amendment may replace the kiosk's own earlier mark but never a teacher's.
    sent_payload: Mapped[str] = mapped_column(default="")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str] = mapped_column(default="")
    # The MIS's receipt for the last write (Wonde's writeback_id: applied later, not at once).
    writeback_id: Mapped[str] = mapped_column(default="", server_default="")
    queued_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]

    def __repr__(self) -> str:
        return (
            f"<MisWriteRecord {self.id} learner={self.learner_id} "
            f"{self.date} {self.session} {self.state}>"
        )
