"""Learners signed out during the day, and staff signed on at a door (the fire roll).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_sign_outs_reason")),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_sign_outs_session")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_sign_outs_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_sign_outs_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_outs")),
    )
    op.create_index(op.f("ix_sign_outs_date_session"), "sign_outs", ["date", "session"])
    op.create_index(op.f("ix_sign_outs_learner_id_date"), "sign_outs", ["learner_id", "date"])
    op.create_table(
        "staff_sign_ons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("signed_on_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_sign_ons_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sign_ons")),
    )
    op.create_index(
        op.f("ix_staff_sign_ons_date_signed_off_at"), "staff_sign_ons", ["date", "signed_off_at"]
    )
    op.create_index(
        op.f("ix_staff_sign_ons_station_signed_off_at"),
        "staff_sign_ons",
        ["station", "signed_off_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_sign_ons_station_signed_off_at"), table_name="staff_sign_ons")
    op.drop_index(op.f("ix_staff_sign_ons_date_signed_off_at"), table_name="staff_sign_ons")
    op.drop_table("staff_sign_ons")
    op.drop_index(op.f("ix_sign_outs_learner_id_date"), table_name="sign_outs")
    op.drop_index(op.f("ix_sign_outs_date_session"), table_name="sign_outs")
    op.drop_table("sign_outs")
