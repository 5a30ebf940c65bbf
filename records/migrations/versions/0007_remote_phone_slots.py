"""Phone slots in use at other doors that share this door's phone store (copied from the hub).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "remote_phone_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_phone_slots")),
        sa.UniqueConstraint("date", "slot", name=op.f("uq_remote_phone_slots_date_slot")),
    )


def downgrade() -> None:
    op.drop_table("remote_phone_slots")
