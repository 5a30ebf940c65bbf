"""Alembic environment: migrates `records.models.metadata` over a connection we are given.

`records.database.upgrade` passes an open connection in `config.attributes["connection"]`
(that is how the kiosk runs it, inside one transaction). Run from the `alembic` command
line with `records/migrations/alembic.ini`, it opens its own from `sqlalchemy.url` or
the `KIOSK_DATABASE_URL` environment variable.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from records.models import metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: alembic rebuilds the table by copy instead.
        render_as_batch=True,
        compare_type=True,
        # pysqlite DDL is transactional with make_engine's BEGIN; alembic assumes it is not.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _configure_and_run(given)
        return
    from records.database import migration_connection

    if context.config.config_file_name:
        # Only from the alembic command line: the kiosk keeps its own logging setup.
        fileConfig(context.config.config_file_name, disable_existing_loggers=False)

    with migration_connection(_url()) as connection:
        _configure_and_run(connection)


def _url() -> str:
    url = os.environ.get("KIOSK_DATABASE_URL") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set KIOSK_DATABASE_URL or sqlalchemy.url to the database to migrate")
    return url


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
