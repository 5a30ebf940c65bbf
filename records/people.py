"""Learners, staff and the badges that identify them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from records.base import Base


class LearnerRecord(Base):
    """A learner from the MIS roster; never deleted, `left_on` is set when they leave."""

    __tablename__ = "learners"
    __table_args__ = (
        CheckConstraint("sex IN ('F', 'M')", name="sex"),
        Index(None, "surname", "forename"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mis_id: Mapped[str] = mapped_column(unique=True)
    upn: Mapped[str] = mapped_column(default="")
    surname: Mapped[str]
    forename: Mapped[str]
    preferred_name: Mapped[str] = mapped_column(default="")
    sex: Mapped[str | None]
    year_group: Mapped[str] = mapped_column(default="")
    reg_group: Mapped[str] = mapped_column(default="")
    sen: Mapped[bool] = mapped_column(default=False)
    # R33: earphones are banned unless the roster gives this learner permission.
    earphones_permitted: Mapped[bool] = mapped_column(default=False)
    # The first day the learner is no longer on roll (the day a roster without them arrived).
    left_on: Mapped[date | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    badges: Mapped[list[BadgeRecord]] = relationship(back_populates="learner")

    def __repr__(self) -> str:
        return f"<LearnerRecord {self.id} mis_id={self.mis_id!r}>"


class StaffRecord(Base):
    """A member of staff, with their roles and PIN; deactivated rather than deleted."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint("sex IN ('F', 'M')", name="sex"),
        CheckConstraint("failed_pin_attempts >= 0", name="failed_pin_attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[str] = mapped_column(unique=True)
    surname: Mapped[str]
    forename: Mapped[str]
    sex: Mapped[str | None]
    # Canonical role names joined with ';', e.g. "screener;searcher".
    roles: Mapped[str] = mapped_column(default="")
    pin_hash: Mapped[str | None]
    # HMAC over (staff_id, roles, pin_hash) under the school's key (records.staff_seals): a
    # role or a PIN hash written into the file by hand, or copied from another row, breaks it.
    seal: Mapped[str | None]
    failed_pin_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    # R7: the day they last completed screening and searching training (the staff list's
    # `search_trained` column); None when not recorded.
    search_trained_on: Mapped[date | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    badges: Mapped[list[BadgeRecord]] = relationship(back_populates="staff")

    @property
    def role_set(self) -> frozenset[str]:
        """The roles as a set, ignoring empty entries."""
        return frozenset(r for r in self.roles.split(";") if r)

    def __repr__(self) -> str:
        return f"<StaffRecord {self.id} staff_id={self.staff_id!r}>"


class BadgeRecord(Base):
    """One match key of a card, owned by exactly one learner or one member of staff."""

    __tablename__ = "badges"
    __table_args__ = (
        CheckConstraint("(learner_id IS NULL) <> (staff_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A canonical key such as "EM:000621A5" or "UID:DEADBEEF"; a card may have several.
    key: Mapped[str] = mapped_column(unique=True)
    enrolled_as: Mapped[str]
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    enrolled_at: Mapped[datetime]

    learner: Mapped[LearnerRecord | None] = relationship(back_populates="badges")
    staff: Mapped[StaffRecord | None] = relationship(back_populates="badges")

    def __repr__(self) -> str:
        return f"<BadgeRecord {self.id} key={self.key!r}>"
