"""How sync reaches the two books: the hub's engine, built here and nowhere else, and the door's
own book read without its write lock.

A door that waited on an unreachable hub would stop admitting; every engine for the hub is
made by `hub_engine`, so every caller (sync, `kiosk check`, the office, the fire roll, the
export) gives up on it as quickly as the others.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.config import HubConfig
from records.database import SQLITE_BEGIN

DEFAULT_BATCH = 500


def hub_engine(hub: HubConfig | str, **kwargs: Any) -> Engine:
    """An engine for the hub that gives up quickly: an unreachable hub is offline, not a wait.

    pool_pre_ping: a pooled connection from before a hub restart is replaced, not used.
    """
    url = hub if isinstance(hub, str) else hub.url
    timeout = 3.0 if isinstance(hub, str) else hub.connect_timeout_seconds
    connect_args = {"connect_timeout": max(1, round(timeout))}
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def reader(local: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions that read without taking SQLite's write lock (the door's writer keeps it)."""
    bind = local.kw.get("bind")
    if isinstance(bind, Engine):
        bind = bind.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
    return sessionmaker(bind=bind, expire_on_commit=False)


def utc(value: Any) -> Any:
    """A datetime in UTC, anything else as it is: how the two books' times are compared."""
    return value.astimezone(UTC) if isinstance(value, datetime) else value
