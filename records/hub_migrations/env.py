"""Alembic environment of the hub: migrates `records.hub.hub_metadata` over a given connection.

`records.hub.upgrade_hub` passes an open connection in `config.attributes["connection"]`. From
the `alembic` command line it opens its own from the `KIOSK_HUB_URL` environment variable.
The hub's version is kept in its own table, so a hub may share a database with a door's book.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from records.hub import HUB_VERSION_TABLE, hub_metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=hub_metadata,
        version_table=HUB_VERSION_TABLE,
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _configure_and_run(given)
        return
    from records.database import migration_connection

    url = os.environ.get("KIOSK_HUB_URL")
    if not url:
        raise SystemExit("set KIOSK_HUB_URL to the hub database to migrate")
    with migration_connection(url) as connection:
        _configure_and_run(connection)


run_migrations_online()
