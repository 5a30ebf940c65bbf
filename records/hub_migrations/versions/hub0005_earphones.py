"""R33: the earphones permission travels with the roster, and a confiscation names its item.

`hub_learners.earphones_permitted`: the roster's `earphones` column (blank N), so every door
refuses alike to confiscate earphones from a learner permitted them. `hub_phones.item`: `phone`
(every hand-in, and every row kept before this) or `earphones` confiscated, so the office
reading the whole school names what is held.

Revision ID: hub0005
Revises: hub0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0005"
down_revision: str | Sequence[str] | None = "hub0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "hub_learners",
        sa.Column("earphones_permitted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "hub_phones", sa.Column("item", sa.String(), nullable=False, server_default="phone")
    )


def downgrade() -> None:
    op.drop_column("hub_phones", "item")
    op.drop_column("hub_learners", "earphones_permitted")
