"""What a door copies from the hub (other doors' arrivals) and how far its sync has got.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "remote_arrivals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mis_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_remote_arrivals_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_arrivals")),
        sa.UniqueConstraint(
            "mis_id", "date", "session", name=op.f("uq_remote_arrivals_mis_id_date_session")
        ),
    )
    op.create_table(
        "hub_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("pushed_event_id", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_sync")),
        sa.UniqueConstraint("station", name=op.f("uq_hub_sync_station")),
    )


def downgrade() -> None:
    op.drop_table("hub_sync")
    op.drop_table("remote_arrivals")
