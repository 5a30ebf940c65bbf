"""The school's book: SQLAlchemy models, migrations, queries, and CSV in and out."""
