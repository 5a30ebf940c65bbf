"""The hub: the PostgreSQL book several doors share, with its own tables and migrations.

Each door keeps its own SQLite book and pushes what happened there; the hub only ever gains
rows. `hub_events` mirrors each door's visit log (one row per `event_id`, whichever door sent it
and however often), `hub_marks` holds each door's admissions and refusals as facts, and the view
`hub_session_marks` picks the one mark per learner and session every door would agree on: the
earliest admission (by the badge tap), else the earliest refusal, with the newest amendment of
it (`hub_amendments`) on top. Sign-outs, staff sign-ons and phones come up the same way, as
facts that are only ever added. The roster tables are the school's roster as the office
publishes it, and `hub_badge_enrolments` the cards enrolled at the doors; doors copy both.

Each door's login is registered to its door (`hub_logins`); row-level security (hub0003) lets
it add rows only as that door, and only an office login adds amendments.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    TableClause,
    UniqueConstraint,
    column,
    exists,
    func,
    select,
    table,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column

from records.base import NAMING_CONVENTION, UTCDateTime
from records.database import migration_connection

HUB_MIGRATIONS = Path(__file__).resolve().parent / "hub_migrations"
# The hub may live in a database that also holds a kiosk's own tables: its own version table.
HUB_VERSION_TABLE = "hub_alembic_version"
# Group roles the migrations grant to (logins are made IN ROLE one of them; docs/hub.md).
DOOR_ROLE = "kiosk_door"
OFFICE_ROLE = "kiosk_office"

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
    handed_in_at: Mapped[dt.datetime]
    kind: Mapped[str]
    at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


def hub_phones_held(day: dt.date) -> Select[tuple[HubPhoneRecord]]:
    """Phones handed in at any door on `day` and not given back (as the doors last reported),
    oldest first; callers narrow it by door, store or slot."""
    back = aliased(HubPhoneRecord)
    phones = HubPhoneRecord
    return (
        select(phones)
        .where(
            phones.date == day,
            phones.kind == "handed_in",
            ~exists().where(
                back.kind == "returned",
                back.station == phones.station,
                back.mis_id == phones.mis_id,
                back.handed_in_at == phones.handed_in_at,
            ),
        )
        .order_by(phones.handed_in_at, phones.id)
    )


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


def hub_alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(HUB_MIGRATIONS))
    return config


def hub_head_revision() -> str:
    head = ScriptDirectory.from_config(hub_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {HUB_MIGRATIONS}")
    return head


def upgrade_hub(url: str, revision: str = "head") -> None:
    """Create the hub's tables or migrate them to `revision`; doing it again changes nothing."""
    with migration_connection(url) as connection:
        config = hub_alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


# A login's name as PostgreSQL keeps it unquoted: what an administrator can type in pg_hba.conf.
_LOGIN_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class HubLoginError(Exception):
    """A login cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class HubLogin:
    """A login made (or registered) at the hub: its password is None when it already existed
    and was left as it was."""

    login: str
    station: str
    office: bool
    password: str | None


def login_name_for(station: str, *, office: bool = False) -> str:
    """The login a door's name suggests: `kiosk_side_gate` for `side-gate` (`kiosk_office_...`)."""
    name = re.sub(r"[^a-z0-9_]+", "_", station.lower()).strip("_")
    return f"kiosk_{'office_' if office else ''}{name}"[:63]


def add_hub_login(connection: Any, login: str, station: str, *, office: bool = False) -> HubLogin:
    """Make `login` (a new random password) or keep the existing role of that name, put it in
    the door group (and the office group with `office`), and record that it writes as
    `station`. Run as the hub's owner (or a user who may create roles), in its transaction.

    An office login is a door's login too: the office's own kiosk syncs with it, and only it
    may add mark amendments, as that door.
    """
    if not _LOGIN_NAME.fullmatch(login):
        raise HubLoginError(
            f"{login!r}: a login is lower-case letters, digits and _ (not starting with a digit)"
        )
    if not station.strip():
        raise HubLoginError("the door's name ([station] name) must not be empty")
    groups = [DOOR_ROLE, OFFICE_ROLE] if office else [DOOR_ROLE]
    for group in groups:
        if not connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": group}
        ).first():
            raise HubLoginError(
                f"the group role {group} does not exist: create it as postgres "
                f"(CREATE ROLE {group} NOLOGIN) and run `kiosk hub upgrade` again"
            )
    if login in groups or login in (DOOR_ROLE, OFFICE_ROLE):
        raise HubLoginError(f"{login!r} is a group role, not a login; choose another name")
    exists_already = connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": login}
    ).first()
    password = None
    if not exists_already:
        # token_urlsafe: letters, digits, - and _ only, so it is safe inside the quotes.
        password = secrets.token_urlsafe(24)
        connection.execute(text(f"CREATE ROLE \"{login}\" LOGIN PASSWORD '{password}'"))
    for group in groups:
        connection.execute(text(f'GRANT {group} TO "{login}"'))
    if exists_already and not office:
        # Made a door's login again: it no longer amends nor publishes as the office.
        connection.execute(text(f'REVOKE {OFFICE_ROLE} FROM "{login}"'))
    connection.execute(
        text(
            "INSERT INTO hub_logins (login, station) VALUES (:login, :station) "
            "ON CONFLICT (login) DO UPDATE SET station = excluded.station, made_at = now()"
        ),
        {"login": login, "station": station},
    )
    return HubLogin(login, station, office, password)


def login_station(connection: Any) -> str | None:
    """The door the connection's login writes as; None for a login no door is registered for
    (the hub's owner, or a login made before hub0003)."""
    value = connection.execute(
        select(HubLoginRecord.station).where(HubLoginRecord.login == func.current_user())
    ).scalar()
    return str(value) if value is not None else None


def hub_revision(connection: Any) -> str | None:
    """The revision the hub is at over an open connection; None before its first upgrade."""
    context = MigrationContext.configure(connection, opts={"version_table": HUB_VERSION_TABLE})
    return context.get_current_revision()


__all__ = [
    "ADMISSION",
    "DOOR_ROLE",
    "HUB_VERSION_TABLE",
    "OFFICE_ROLE",
    "REFUSAL",
    "HubAmendmentRecord",
    "HubBadgeEnrolmentRecord",
    "HubBadgeRecord",
    "HubEventRecord",
    "HubLearnerRecord",
    "HubLogin",
    "HubLoginError",
    "HubLoginRecord",
    "HubMarkRecord",
    "HubPhoneRecord",
    "HubSignOutRecord",
    "HubStaffPresenceRecord",
    "HubStaffRecord",
    "add_hub_login",
    "hub_head_revision",
    "hub_metadata",
    "hub_revision",
    "hub_session_marks",
    "login_name_for",
    "login_station",
    "upgrade_hub",
]
