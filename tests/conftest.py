"""Fixtures every test folder may use: real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgserver import PostgresServer, PostgresUnavailable, start_server

_PG_FIXTURES = frozenset({"pg_server", "pg_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that ask for PostgreSQL directly carry the `postgres` mark, so -m can pick them."""
    for item in items:
        if _PG_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test process (each xdist worker starts its own).

    Skipped when it cannot start, except in CI (the `CI` variable is set): there every
    PostgreSQL test must run, so a server that will not start fails them all.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    try:
        server = start_server(worker)
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but could not start: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL server could not be started: {exc}")
    # Also on interpreter exit, in case the session is torn down abnormally.
    atexit.register(server.stop)
    try:
        yield server
    finally:
        server.stop()
        atexit.unregister(server.stop)


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file (not yet created) in this test's temporary folder."""
    return f"sqlite:///{tmp_path / 'kiosk.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database URL: the test runs once on SQLite and once on PostgreSQL."""
    name = "pg_url" if request.param == "postgres" else "sqlite_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def upgraded_db_url(db_url: str) -> str:
    """`db_url` with the schema created by the migrations (as `kiosk db upgrade` does)."""
    from tests.books import upgraded

    return upgraded(db_url)
