"""The MIS write-back queue keeps each write's receipt, and may hold a mark back.

`writeback_id`: Wonde's receipt for a write it applies later. The state `held`: a mark not
written because the MIS cannot be read back to rule out a teacher's mark.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATES = "state IN ('pending', 'sent', 'kept', 'rejected')"
_NEW_STATES = "state IN ('pending', 'sent', 'kept', 'rejected', 'held')"


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a CHECK constraint; alembic copies the table instead.
    with op.batch_alter_table("mis_writes") as batch:
        batch.add_column(sa.Column("writeback_id", sa.String(), nullable=False, server_default=""))
        batch.drop_constraint(op.f("ck_mis_writes_state"), type_="check")
        batch.create_check_constraint(op.f("ck_mis_writes_state"), sa.text(_NEW_STATES))


def downgrade() -> None:
    op.execute("UPDATE mis_writes SET state = 'pending' WHERE state = 'held'")
    with op.batch_alter_table("mis_writes") as batch:
        batch.drop_constraint(op.f("ck_mis_writes_state"), type_="check")
        batch.create_check_constraint(op.f("ck_mis_writes_state"), sa.text(_OLD_STATES))
        batch.drop_column("writeback_id")
