"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from records.database import (
    alembic_config,
    current_revision,
    head_revision,
    is_up_to_date,
    make_engine,
    upgrade,
)
from records.models import metadata
from tests.records.recordbook import NOW, Book


def test_upgrade_creates_every_table_and_is_safe_to_repeat(db_url: str) -> None:
    assert current_revision(db_url) is None
    assert not is_up_to_date(db_url)

    upgrade(db_url)
    upgrade(db_url)

    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables
    assert current_revision(db_url) == head_revision()
    assert is_up_to_date(db_url)


def test_migrations_match_the_models(upgraded_db_url: str) -> None:
    engine = make_engine(upgraded_db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_upgrade_keeps_the_rows_of_an_existing_database(book: Book) -> None:
    with book.sessions.begin() as session:
        session.execute(
            text("UPDATE learners SET reg_group = '7X' WHERE id = :id"), {"id": book.learner_id}
        )
    book.engine.dispose()

    upgrade(book.url)

    with book.sessions() as session:
        assert session.execute(text("SELECT reg_group FROM learners")).scalar_one() == "7X"


def test_downgrade_to_nothing_and_upgrade_again(upgraded_db_url: str) -> None:
    engine = make_engine(upgraded_db_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()

    upgrade(upgraded_db_url)
    assert is_up_to_date(upgraded_db_url)


def test_upgrade_creates_the_folder_of_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "kiosk" / "kiosk.db"
    upgrade(f"sqlite:///{path}")
    assert path.is_file()


def test_looking_at_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "kiosk.db"
    assert current_revision(f"sqlite:///{path}") is None
    assert not is_up_to_date(f"sqlite:///{path}")
    assert not path.parent.exists()


def test_migrations_run_without_an_alembic_ini_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert not any(Path(".").iterdir())
    upgrade("sqlite:///kiosk.db")
    assert os.path.isfile("kiosk.db")
    assert is_up_to_date("sqlite:///kiosk.db")


def test_learner_defaults_are_there_before_the_row_is_written(book: Book) -> None:
    from records.models import LearnerRecord, SessionMarkRecord

    learner = LearnerRecord(mis_id="X", surname="A", forename="B", created_at=NOW, updated_at=NOW)
    mark = SessionMarkRecord(learner_id=1)
    assert (learner.upn, learner.sen, learner.reg_group) == ("", False, "")
    assert (mark.minutes_late, mark.comment, mark.late_detention) == (0, "", False)
