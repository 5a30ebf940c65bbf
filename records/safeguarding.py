"""Searches and what they found: the safeguarding record the law asks the school to keep."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from records.base import Base
from records.morning import ScreeningRecord
from records.people import LearnerRecord, StaffRecord


class SearchRecord(Base):
    """One search of a learner, recorded whether or not anything was found."""

    __tablename__ = "searches"
    __table_args__ = (
        CheckConstraint("level IN ('low', 'medium', 'higher')", name="level"),
        # One witness: a member of staff, or a named adult who is not staff (R6).
        CheckConstraint("witness_id IS NULL OR witness_name = ''", name="one_witness"),
        Index(None, "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id"))
    started_at: Mapped[datetime]
    place: Mapped[str]
    searcher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # R6: where the risk is significant, a family member or an appropriate adult who is not a
    # member of staff may witness: their name and relation to the learner (witness_id is NULL).
    witness_name: Mapped[str] = mapped_column(default="", server_default="")
    witness_relation: Mapped[str] = mapped_column(default="", server_default="")
    level: Mapped[str]
    grounds: Mapped[str]
    sought: Mapped[str]
    same_sex_searcher: Mapped[bool]
    witness_present: Mapped[bool]
    exception_used: Mapped[bool]
    exception_reason: Mapped[str] = mapped_column(default="")
    outcome: Mapped[str] = mapped_column(default="")
    parent_informed: Mapped[bool]
    dsl_informed: Mapped[bool]
    # Set by the act itself: a DSL notification delivered, or a member of staff confirming.
    dsl_informed_at: Mapped[datetime | None]
    dsl_informed_by: Mapped[str] = mapped_column(default="", server_default="")
    parent_informed_at: Mapped[datetime | None]
    parent_informed_how: Mapped[str] = mapped_column(default="", server_default="")
    parent_not_informed_reason: Mapped[str] = mapped_column(default="", server_default="")
    consent: Mapped[str] = mapped_column(default="", server_default="")  # "yes" | "no" | ""
    physical_intervention: Mapped[str] = mapped_column(default="", server_default="")
    adjustments: Mapped[str] = mapped_column(default="", server_default="")  # SEND, age
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]

    learner: Mapped[LearnerRecord] = relationship()
    screening: Mapped[ScreeningRecord | None] = relationship()
    searcher: Mapped[StaffRecord] = relationship(foreign_keys=[searcher_id])
    witness: Mapped[StaffRecord | None] = relationship(foreign_keys=[witness_id])
    recorded_by: Mapped[StaffRecord] = relationship(foreign_keys=[recorded_by_id])
    items: Mapped[list[FoundItemRecord]] = relationship(
        back_populates="search",
        cascade="all, delete-orphan",
        order_by="FoundItemRecord.id",
    )

    def __repr__(self) -> str:
        return f"<SearchRecord {self.id} learner={self.learner_id} {self.level!r}>"


class FoundItemRecord(Base):
    """An item found in a search and what became of it."""

    __tablename__ = "found_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    # CASCADE in the database too, so retention deletes of old searches take their items.
    search_id: Mapped[int] = mapped_column(
        ForeignKey("searches.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str]
    description: Mapped[str]
    disposition: Mapped[str]
    handed_to: Mapped[str] = mapped_column(default="")
    police_reference: Mapped[str] = mapped_column(default="")
    disposition_reason: Mapped[str] = mapped_column(default="")

    search: Mapped[SearchRecord] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"<FoundItemRecord {self.id} search={self.search_id} {self.category!r}>"
