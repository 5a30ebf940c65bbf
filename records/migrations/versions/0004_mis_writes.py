"""The MIS write-back queue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mis_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("payload_hash", sa.String(), nullable=False),
        sa.Column("sent_payload", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_mis_writes_attempts")),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_mis_writes_session")),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'kept', 'rejected')", name=op.f("ck_mis_writes_state")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_mis_writes_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mis_writes")),
        sa.UniqueConstraint(
            "learner_id", "date", "session", name=op.f("uq_mis_writes_learner_id_date_session")
        ),
    )
    op.create_index(op.f("ix_mis_writes_date"), "mis_writes", ["date"])
    op.create_index(
        op.f("ix_mis_writes_state_next_attempt_at"), "mis_writes", ["state", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mis_writes_state_next_attempt_at"), table_name="mis_writes")
    op.drop_index(op.f("ix_mis_writes_date"), table_name="mis_writes")
    op.drop_table("mis_writes")
