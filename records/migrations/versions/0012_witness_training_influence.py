"""R6, R7, R28: an adult who is not staff as the witness, searchers' training, under the influence.

`searches.witness_name`, `witness_relation`: where the risk is significant, a family member or
an appropriate adult witnesses a search instead of a member of staff (then `witness_id` is
NULL; `ck_searches_one_witness` keeps it one or the other). `staff.search_trained_on`: the day
a searcher last completed their training (the staff list's `search_trained`). `refusals.kind`
may be `influence` (not admitted: suspected under the influence), with when and by what the DSL
was told (`dsl_informed_at`, `dsl_informed_by`) and the parent or carer who collected the
learner (`collected_by`, `collected_at`, `collected_recorded_by_id`).
`notifications.refusal_id`: the refusal a DSL notification is about, so its delivery can be
written there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = "kind IN ('screening', 'search')"
_NEW_KINDS = "kind IN ('screening', 'search', 'influence')"
_ONE_WITNESS = "witness_id IS NULL OR witness_name = ''"


def upgrade() -> None:
    with op.batch_alter_table("searches") as batch:
        batch.add_column(sa.Column("witness_name", sa.String(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("witness_relation", sa.String(), nullable=False, server_default="")
        )
        batch.create_check_constraint(op.f("ck_searches_one_witness"), sa.text(_ONE_WITNESS))
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("search_trained_on", sa.Date(), nullable=True))
    # Batch mode: SQLite cannot alter a CHECK constraint; alembic copies the table instead.
    with op.batch_alter_table("refusals") as batch:
        batch.drop_constraint(op.f("ck_refusals_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_refusals_kind"), sa.text(_NEW_KINDS))
        batch.add_column(sa.Column("dsl_informed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("dsl_informed_by", sa.String(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("collected_by", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("collected_recorded_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_refusals_collected_recorded_by_id_staff"),
            "staff",
            ["collected_recorded_by_id"],
            ["id"],
        )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("refusal_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_notifications_refusal_id"), ["refusal_id"])


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index(batch.f("ix_notifications_refusal_id"))
        batch.drop_column("refusal_id")
    # The older schema has no word for it: the O mark stays, its reason is kept in the note.
    op.execute(
        "UPDATE refusals SET kind = 'screening', "
        "note = 'suspected under the influence' || CASE WHEN note = '' THEN '' "
        "ELSE ': ' || note END WHERE kind = 'influence'"
    )
    with op.batch_alter_table("refusals") as batch:
        batch.drop_constraint(op.f("fk_refusals_collected_recorded_by_id_staff"), type_="foreignkey")
        for column in (
            "collected_recorded_by_id",
            "collected_at",
            "collected_by",
            "dsl_informed_by",
            "dsl_informed_at",
        ):
            batch.drop_column(column)
        batch.drop_constraint(op.f("ck_refusals_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_refusals_kind"), sa.text(_OLD_KINDS))
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("search_trained_on")
    with op.batch_alter_table("searches") as batch:
        batch.drop_constraint(op.f("ck_searches_one_witness"), type_="check")
        batch.drop_column("witness_relation")
        batch.drop_column("witness_name")
