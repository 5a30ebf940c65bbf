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
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Select, exists, func, select, text
from sqlalchemy.orm import aliased

from records.database import migration_connection, migrations_config, migrations_head
from records.hub_tables import (
    ADMISSION,
    REFUSAL,
    HubAmendmentRecord,
    HubBadgeEnrolmentRecord,
    HubBadgeRecord,
    HubEventRecord,
    HubLearnerRecord,
    HubLoginRecord,
    HubMarkRecord,
    HubPhoneRecord,
    HubSignOutRecord,
    HubStaffPresenceRecord,
    HubStaffRecord,
    hub_metadata,
    hub_session_marks,
)

HUB_MIGRATIONS = Path(__file__).resolve().parent / "hub_migrations"
# The hub may live in a database that also holds a kiosk's own tables: its own version table.
HUB_VERSION_TABLE = "hub_alembic_version"
# Group roles the migrations grant to (logins are made IN ROLE one of them; docs/hub.md).
DOOR_ROLE = "kiosk_door"
OFFICE_ROLE = "kiosk_office"


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


def hub_alembic_config() -> Config:
    return migrations_config(HUB_MIGRATIONS)


def hub_head_revision() -> str:
    return migrations_head(HUB_MIGRATIONS)


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
