"""Records hardening: the register's amendments, and an audit log the database keeps append-only.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CODES = "'/', '\\', 'L', 'U', 'O', 'N'"
_REFUSED = "audit_log is append-only"

# Triggers are not part of the models' metadata, so the schema test's comparison cannot see
# them; tests/records/test_hardening_audit.py checks that they refuse. A later migration that
# rebuilds audit_log in batch mode (SQLite copies the table) must create them again.
_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{_REFUSED}: UPDATE refused'); END""",
    f"""CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{_REFUSED}: DELETE refused'); END""",
)
_POSTGRES_FUNCTION = f"""CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_REFUSED}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$"""
_POSTGRES_TRIGGERS = (
    """CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "mark_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mark_id", sa.Integer(), nullable=False),
        sa.Column("original_code", sa.String(), nullable=False),
        sa.Column("original_minutes_late", sa.Integer(), nullable=False),
        sa.Column("original_comment", sa.String(), nullable=False),
        sa.Column("new_code", sa.String(), nullable=False),
        sa.Column("new_minutes_late", sa.Integer(), nullable=False),
        sa.Column("new_comment", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("amended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amended_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("trim(reason) <> ''", name=op.f("ck_mark_amendments_reason")),
        sa.CheckConstraint(
            f"original_code IN ({_CODES})", name=op.f("ck_mark_amendments_original_code")
        ),
        sa.CheckConstraint(f"new_code IN ({_CODES})", name=op.f("ck_mark_amendments_new_code")),
        sa.CheckConstraint(
            "original_minutes_late >= 0 AND new_minutes_late >= 0",
            name=op.f("ck_mark_amendments_minutes_late"),
        ),
        sa.ForeignKeyConstraint(
            ["mark_id"], ["session_marks.id"], name=op.f("fk_mark_amendments_mark_id_session_marks")
        ),
        sa.ForeignKeyConstraint(
            ["amended_by_id"], ["staff.id"], name=op.f("fk_mark_amendments_amended_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mark_amendments")),
    )
    op.create_index(op.f("ix_mark_amendments_mark_id"), "mark_amendments", ["mark_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        for trigger in _POSTGRES_TRIGGERS:
            op.execute(trigger)
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update_or_delete ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")

    op.drop_index(op.f("ix_mark_amendments_mark_id"), table_name="mark_amendments")
    op.drop_table("mark_amendments")
