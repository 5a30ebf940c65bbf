"""The hub's tables: what each door pushes, the roster the office publishes, and the logins.

Apart from the door's own metadata, and migrated by `records/hub_migrations`; `records.hub`
says what they hold and why, and is where the rest of the code imports them from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    TableClause,
    UniqueConstraint,
    column,
    false,
    func,
    table,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from records.base import NAMING_CONVENTION, UTCDateTime

ADMISSION, REFUSAL = "admission", "refusal"


class HubBase(DeclarativeBase):
    """The hub's tables: a metadata apart from the door's, migrated by `records/hub_migrations`."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        str: String(),
        dt.datetime: UTCDateTime(),
    }


class HubEventRecord(HubBase):
    """One door's visit event as it arrived at the hub; never updated, never deleted."""

    __tablename__ = "hub_events"
    __table_args__ = (
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        Index(None, "station", "local_id"),
        Index(None, "date", "session"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[str] = mapped_column(unique=True)
    station: Mapped[str]
    # The event's id in its door's own log: the door pushes in that order, so the largest one
    # here is how far the door has got.
    local_id: Mapped[int] = mapped_column(BigInteger)
    date: Mapped[dt.date]
    session: Mapped[str]
    at: Mapped[dt.datetime]
    kind: Mapped[str]
    # Doors number learners differently: the MIS id is the one they share.
    learner_mis_id: Mapped[str | None]
    staff_id: Mapped[str | None]
    payload: Mapped[str]
    recorded_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class HubMarkRecord(HubBase):
    """An admission or a refusal at one door, with the mark that door gave it."""

    __tablename__ = "hub_marks"
    __table_args__ = (
        UniqueConstraint("station", "mis_id", "date", "session", "kind", "at"),
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        CheckConstraint("kind IN ('admission', 'refusal')", name="kind"),
        CheckConstraint("kind = 'refusal' OR admitted_at IS NOT NULL", name="admitted"),
        Index(None, "date", "session", "mis_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station: Mapped[str]
    kind: Mapped[str]
    mis_id: Mapped[str]
    date: Mapped[dt.date]
    session: Mapped[str]
    # Admission: the badge tap (which decides the mark); refusal: when it was refused.
    at: Mapped[dt.datetime]
    admitted_at: Mapped[dt.datetime | None]
    code: Mapped[str]
    minutes_late: Mapped[int] = mapped_column(default=0)
    comment: Mapped[str] = mapped_column(default="")
    late_reason: Mapped[str] = mapped_column(default="")
    late_detention: Mapped[bool] = mapped_column(default=False)
    refusal_kind: Mapped[str | None]
    recorded_by: Mapped[str | None]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class HubLearnerRecord(HubBase):
    """A learner on the school's roster as published to the doors."""

    __tablename__ = "hub_learners"
    __table_args__ = (CheckConstraint("sex IN ('F', 'M')", name="sex"),)

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
    left_on: Mapped[dt.date | None]
    # R33: the roster's earphones permission, so every door refuses to confiscate them alike.
    earphones_permitted: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[dt.datetime]


class HubStaffRecord(HubBase):
    """A member of staff as published to the doors, with the PIN hash every door checks."""

    __tablename__ = "hub_staff"
    __table_args__ = (CheckConstraint("sex IN ('F', 'M')", name="sex"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[str] = mapped_column(unique=True)
    surname: Mapped[str]
    forename: Mapped[str]
    sex: Mapped[str | None]
    roles: Mapped[str] = mapped_column(default="")
    pin_hash: Mapped[str | None]
    # The door's seal over (staff_id, roles, pin_hash) under the school's key, copied as is:
    # whoever can write the hub but lacks the key cannot give anyone a role or a PIN.
    seal: Mapped[str | None]
    active: Mapped[bool] = mapped_column(default=True)
    # R7: the day of the searcher's last screening and searching training, for every door.
    search_trained_on: Mapped[dt.date | None]
    updated_at: Mapped[dt.datetime]


class HubBadgeRecord(HubBase):
    """A badge key and whose it is, by MIS id or staff id."""

    __tablename__ = "hub_badges"
    __table_args__ = (
        CheckConstraint("(learner_mis_id IS NULL) <> (staff_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(unique=True)
    enrolled_as: Mapped[str]
    learner_mis_id: Mapped[str | None]
    staff_id: Mapped[str | None]
    enrolled_at: Mapped[dt.datetime]


class HubSignOutRecord(HubBase):
    """A learner signed out at one door during the day (no longer on site from then)."""

    __tablename__ = "hub_sign_outs"
    __table_args__ = (
        UniqueConstraint("station", "mis_id", "signed_out_at"),
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        Index(None, "date", "session"),
        Index(None, "station", "signed_out_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station: Mapped[str]
    mis_id: Mapped[str]
    date: Mapped[dt.date]
    session: Mapped[str]
    signed_out_at: Mapped[dt.datetime]
    reason: Mapped[str]
    recorded_by: Mapped[str | None]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class HubAmendmentRecord(HubBase):
    """An amendment of a learner's session mark made at one door: the original, the new entry,
    why, when and who. The newest amendment of a learner's session is the hub's mark."""

    __tablename__ = "hub_amendments"
    __table_args__ = (
        UniqueConstraint("station", "mis_id", "date", "session", "amended_at"),
        CheckConstraint("session IN ('AM', 'PM')", name="session"),
        Index(None, "date", "session", "mis_id"),
        Index(None, "station", "amended_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station: Mapped[str]
    mis_id: Mapped[str]
    date: Mapped[dt.date]
    session: Mapped[str]
    original_code: Mapped[str]
    original_minutes_late: Mapped[int]
    original_comment: Mapped[str]
    new_code: Mapped[str]
    new_minutes_late: Mapped[int]
    new_comment: Mapped[str]
    reason: Mapped[str]
    amended_at: Mapped[dt.datetime]
    amended_by: Mapped[str | None]
    # The office login that sent it (the hub fills it in and refuses any other name).
    login: Mapped[str] = mapped_column(server_default=text("current_user"))
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class HubStaffPresenceRecord(HubBase):
    """A member of staff signing on (`on`) or off (`off`) at one door; a spell is named by its
    door, its member of staff and its sign-on time, and is open until its `off` row arrives."""

    __tablename__ = "hub_staff_presence"
    __table_args__ = (
        UniqueConstraint("station", "staff_id", "signed_on_at", "kind"),
        CheckConstraint("kind IN ('on', 'off')", name="kind"),
        Index(None, "date"),
        Index(None, "station", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station: Mapped[str]
    staff_id: Mapped[str]
    date: Mapped[dt.date]
    signed_on_at: Mapped[dt.datetime]
    kind: Mapped[str]
    at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class HubPhoneRecord(HubBase):
    """A phone handed in at one door (`handed_in`), or given back (`returned`); `store` is the
    cabinet its slot belongs to, which doors may share."""

    __tablename__ = "hub_phones"
    __table_args__ = (
        UniqueConstraint("station", "mis_id", "handed_in_at", "kind"),
        CheckConstraint("kind IN ('handed_in', 'returned')", name="kind"),
        Index(None, "store", "date"),
        Index(None, "date"),
        Index(None, "station", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station: Mapped[str]
    store: Mapped[str]
    mis_id: Mapped[str]
    date: Mapped[dt.date]
    slot: Mapped[str] = mapped_column(default="")
    no_phone: Mapped[bool] = mapped_column(default=False)
    confiscated: Mapped[bool] = mapped_column(default=False)
    # "phone", or "earphones" confiscated (R33).
    item: Mapped[str] = mapped_column(default="phone", server_default="phone")
    handed_in_at: Mapped[dt.datetime]
    kind: Mapped[str]
    at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class HubBadgeEnrolmentRecord(HubBase):
    """A card enrolled to a learner or a member of staff at one door. Doors copy it as they
    copy `hub_badges`; for each key the latest enrolment, here or there, decides the owner."""

    __tablename__ = "hub_badge_enrolments"
    __table_args__ = (
        UniqueConstraint("station", "enrolled_as", "enrolled_at"),
        CheckConstraint("(learner_mis_id IS NULL) <> (staff_id IS NULL)", name="one_owner"),
        Index(None, "date"),
        Index(None, "station", "enrolled_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station: Mapped[str]
    # The UTC day of the enrolment: how far a door's pushes have got is counted in days.
    date: Mapped[dt.date]
    enrolled_as: Mapped[str]
    learner_mis_id: Mapped[str | None]
    staff_id: Mapped[str | None]
    enrolled_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class HubLoginRecord(HubBase):
    """A door's or the office's login at the hub and the door it writes as: row-level security
    (hub0003) lets a login add rows that carry this station only. Made by the hub's owner with
    `kiosk hub add-door` or `add-office` (`add_hub_login`)."""

    __tablename__ = "hub_logins"

    login: Mapped[str] = mapped_column(primary_key=True)
    station: Mapped[str]
    made_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


hub_metadata = HubBase.metadata

# The one mark per learner, day and session (made by the migration; a view, so not in the
# metadata alembic compares). Read it through this table clause.
hub_session_marks: TableClause = table(
    "hub_session_marks",
    column("mis_id", String()),
    column("date", Date()),
    column("session", String()),
    column("kind", String()),
    column("station", String()),
    column("at", UTCDateTime()),
    column("admitted_at", UTCDateTime()),
    column("code", String()),
    column("minutes_late", Integer()),
    column("comment", String()),
)
