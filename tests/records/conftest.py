"""Fixtures for the records tests: an upgraded database with a learner and two staff in it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.records.recordbook import Book, open_book


@pytest.fixture
def book(upgraded_db_url: str) -> Iterator[Book]:
    """An upgraded database (SQLite and PostgreSQL) holding one learner and two staff."""
    opened = open_book(upgraded_db_url)
    try:
        yield opened
    finally:
        opened.engine.dispose()
