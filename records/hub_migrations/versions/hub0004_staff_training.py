"""R7: each searcher's training date travels with the staff rows to every door.

`hub_staff.search_trained_on`: the day of the searcher's last screening and searching training,
as the office's staff list gives it (`search_trained`); a door warns of a searcher past it.

Revision ID: hub0004
Revises: hub0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0004"
down_revision: str | Sequence[str] | None = "hub0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("hub_staff", sa.Column("search_trained_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("hub_staff", "search_trained_on")
