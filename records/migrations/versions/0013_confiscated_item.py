"""R33: a confiscation says what was taken, a phone or earphones.

`phone_handins.item`: `phone` (every hand-in, and every row kept before this) or `earphones`,
confiscated when seen in use during the day from a learner the roster does not permit them.
Earphones are held, escalate and are given back as a phone is, in the same table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEMS = "item IN ('phone', 'earphones')"


def upgrade() -> None:
    with op.batch_alter_table("phone_handins") as batch:
        batch.add_column(sa.Column("item", sa.String(), nullable=False, server_default="phone"))
        batch.create_check_constraint(op.f("ck_phone_handins_item"), sa.text(_ITEMS))


def downgrade() -> None:
    # The older schema has no word for it: the confiscation stays, what was taken goes in the note.
    op.execute(
        "UPDATE phone_handins SET note = 'earphones' || CASE WHEN note = '' THEN '' "
        "ELSE ': ' || note END WHERE item = 'earphones'"
    )
    with op.batch_alter_table("phone_handins") as batch:
        batch.drop_constraint(op.f("ck_phone_handins_item"), type_="check")
        batch.drop_column("item")
