"""What the rules register asks the record to carry: who was told, when, how; consent; force.

`searches`: the DSL told (when, and by what: a notification delivered or a member of staff
confirming), the parents told (when, how, or why not), consent, physical intervention.
`notifications.search_id`: the search a DSL notification is about, so its delivery can be
written on the search. `phone_handins.collected_by`: the parent or carer who collected a
confiscated phone (the time and the member of staff are `returned_at` and `returned_by_id`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("searches") as batch:
        batch.add_column(sa.Column("dsl_informed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("dsl_informed_by", sa.String(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("parent_informed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("parent_informed_how", sa.String(), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("parent_not_informed_reason", sa.String(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("consent", sa.String(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("physical_intervention", sa.String(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("adjustments", sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("search_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_notifications_search_id"), ["search_id"])
    with op.batch_alter_table("phone_handins") as batch:
        batch.add_column(sa.Column("collected_by", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("phone_handins") as batch:
        batch.drop_column("collected_by")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index(batch.f("ix_notifications_search_id"))
        batch.drop_column("search_id")
    with op.batch_alter_table("searches") as batch:
        for column in (
            "adjustments",
            "physical_intervention",
            "consent",
            "parent_not_informed_reason",
            "parent_informed_how",
            "parent_informed_at",
            "dsl_informed_by",
            "dsl_informed_at",
        ):
            batch.drop_column(column)
