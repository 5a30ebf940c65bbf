"""What this door knows of the other doors, copied from the hub, and how far its sync has got."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from records.base import Base


class RemoteArrivalRecord(Base):
    """A learner admitted at another door: the earliest such admission this door has heard of.

    Kept by MIS id (each door numbers learners its own way) and never part of this door's own
    log or marks: the hub decides the mark, this only lets the door greet the learner as in.
    """

    __tablename__ = "remote_arrivals"
    __table_args__ = (
        UniqueConstraint("mis_id", "date", "session"),
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mis_id: Mapped[str]
    date: Mapped[dt.date]
    session: Mapped[str]
    station: Mapped[str]
    arrived_at: Mapped[dt.datetime]
    admitted_at: Mapped[dt.datetime]
    code: Mapped[str]


class RemotePhoneSlotRecord(Base):
    """A slot holding a phone today at another door that shares this door's phone store.

    Replaced by each sync round with what the hub holds; the lane never hands these slots out.
    """

    __tablename__ = "remote_phone_slots"
    __table_args__ = (UniqueConstraint("date", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date]
    slot: Mapped[str]
    station: Mapped[str]


class HubSyncRecord(Base):
    """One row: the last of this door's events the hub is known to hold, and when that was.

    A hint for the status line while the hub is out of reach; the hub itself is the truth
    (a sync round asks it), so a lost or stale row only means events are offered twice.
    """

    __tablename__ = "hub_sync"
    id: Mapped[int] = mapped_column(primary_key=True)
    station: Mapped[str] = mapped_column(unique=True)
    pushed_event_id: Mapped[int] = mapped_column(default=0)
    last_sync_at: Mapped[dt.datetime | None]
