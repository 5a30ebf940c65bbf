"""R33: earphones are banned except with permission, given per learner in the roster.

`learners.earphones_permitted`: the roster's `earphones` column (Y/N, blank N); a learner with
it may not have earphones confiscated.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.add_column(
            sa.Column(
                "earphones_permitted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("earphones_permitted")
