"""Fixtures of the sync tests: a hub on a PostgreSQL server of its own.

The hub's server is not the suite's shared one, so stopping it for part of a morning disturbs
no other test.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from kiosk.hub import hub_engine
from records.hub import upgrade_hub
from tests.hub.doors import HubServer
from tests.pgserver import PostgresUnavailable, start_server


@pytest.fixture(scope="module")
def hub_server() -> Iterator[HubServer]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    try:
        server = start_server(f"hub-{worker}")
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but could not start: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL server could not be started: {exc}")
    atexit.register(server.stop)
    try:
        yield HubServer(server)
    finally:
        server.stop()
        atexit.unregister(server.stop)


@pytest.fixture
def hub_url(hub_server: HubServer) -> Iterator[str]:
    """A fresh hub database at the current schema."""
    url = hub_server.server.create_database()
    upgrade_hub(url)
    yield url
    hub_server.server.drop_database(url)


@pytest.fixture
def hub(hub_url: str) -> Iterator[Engine]:
    engine = hub_engine(hub_url)
    yield engine
    engine.dispose()
