"""The lane's append-only log of visit events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.String(), nullable=True),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_visit_events_session")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_visit_events_learner_id_learners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_visit_events_event_id")),
    )
    op.create_index(
        op.f("ix_visit_events_date_session_id"), "visit_events", ["date", "session", "id"]
    )
    op.create_index(
        op.f("ix_visit_events_learner_id_date"), "visit_events", ["learner_id", "date"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_visit_events_learner_id_date"), table_name="visit_events")
    op.drop_index(op.f("ix_visit_events_date_session_id"), table_name="visit_events")
    op.drop_table("visit_events")
