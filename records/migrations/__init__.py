"""Alembic migrations of the school's book, run by `records.database.upgrade`."""
