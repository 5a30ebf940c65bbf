"""The initial schema: people and badges, the morning's records, searches, outbox, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


# Migrations spell out their types (sa.DateTime(timezone=True), not records' UTCDateTime)
# so that an old migration never changes when the models do.

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_staff_id", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_entity_entity_id"), "audit_log", ["entity", "entity_id"])

    op.create_table(
        "learners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mis_id", sa.String(), nullable=False),
        sa.Column("upn", sa.String(), nullable=False),
        sa.Column("surname", sa.String(), nullable=False),
        sa.Column("forename", sa.String(), nullable=False),
        sa.Column("preferred_name", sa.String(), nullable=False),
        sa.Column("sex", sa.String(), nullable=True),
        sa.Column("year_group", sa.String(), nullable=False),
        sa.Column("reg_group", sa.String(), nullable=False),
        sa.Column("sen", sa.Boolean(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sex IN ('F', 'M')", name=op.f("ck_learners_sex")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learners")),
        sa.UniqueConstraint("mis_id", name=op.f("uq_learners_mis_id")),
    )
    op.create_index(op.f("ix_learners_surname_forename"), "learners", ["surname", "forename"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notifications_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_sent_at"), "notifications", ["sent_at"])

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(), nullable=False),
        sa.Column("surname", sa.String(), nullable=False),
        sa.Column("forename", sa.String(), nullable=False),
        sa.Column("sex", sa.String(), nullable=True),
        sa.Column("roles", sa.String(), nullable=False),
        sa.Column("pin_hash", sa.String(), nullable=True),
        sa.Column("failed_pin_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sex IN ('F', 'M')", name=op.f("ck_staff_sex")),
        sa.CheckConstraint("failed_pin_attempts >= 0", name=op.f("ck_staff_failed_pin_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_staff_staff_id")),
    )
    op.create_table(
        "badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("enrolled_as", sa.String(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(learner_id IS NULL) <> (staff_id IS NULL)", name=op.f("ck_badges_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_badges_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_badges_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges")),
        sa.UniqueConstraint("key", name=op.f("uq_badges_key")),
    )
    op.create_index(op.f("ix_badges_learner_id"), "badges", ["learner_id"])
    op.create_index(op.f("ix_badges_staff_id"), "badges", ["staff_id"])

    op.create_table(
        "phone_handins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("handed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot", sa.String(), nullable=False),
        sa.Column("no_phone", sa.Boolean(), nullable=False),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by_id", sa.Integer(), nullable=True),
        sa.Column("confiscated", sa.Boolean(), nullable=False),
        sa.Column("confiscation_occurrence", sa.Integer(), nullable=True),
        sa.Column("hold_until", sa.Date(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.CheckConstraint(
            "confiscation_occurrence IS NULL OR confiscation_occurrence >= 1",
            name=op.f("ck_phone_handins_confiscation_occurrence"),
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_phone_handins_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"], ["staff.id"], name=op.f("fk_phone_handins_received_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["returned_by_id"], ["staff.id"], name=op.f("fk_phone_handins_returned_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_handins")),
    )
    op.create_index(
        op.f("ix_phone_handins_date_returned_at"), "phone_handins", ["date", "returned_at"]
    )
    op.create_index(
        op.f("ix_phone_handins_learner_id_date"), "phone_handins", ["learner_id", "date"]
    )

    op.create_table(
        "refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.CheckConstraint("kind IN ('screening', 'search')", name=op.f("ck_refusals_kind")),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_refusals_session")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_refusals_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_refusals_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refusals")),
    )
    op.create_index(op.f("ix_refusals_date_session"), "refusals", ["date", "session"])
    op.create_index(op.f("ix_refusals_learner_id"), "refusals", ["learner_id"])

    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("zone", sa.String(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("randomly_selected", sa.Boolean(), nullable=False),
        sa.CheckConstraint("method IN ('arch', 'wand')", name=op.f("ck_screenings_method")),
        sa.CheckConstraint(
            "result IN ('clear', 'alarm', 'not_screened')", name=op.f("ck_screenings_result")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_screenings_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["staff.id"], name=op.f("fk_screenings_operator_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    op.create_index(op.f("ix_screenings_date"), "screenings", ["date"])
    op.create_index(op.f("ix_screenings_learner_id_date"), "screenings", ["learner_id", "date"])

    op.create_table(
        "session_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("minutes_late", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late_reason", sa.String(), nullable=False),
        sa.Column("late_detention", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "code IN ('/', '\\', 'L', 'U', 'O', 'N')", name=op.f("ck_session_marks_code")
        ),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_session_marks_session")),
        sa.CheckConstraint("minutes_late >= 0", name=op.f("ck_session_marks_minutes_late")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_session_marks_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_session_marks_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_marks")),
        sa.UniqueConstraint(
            "learner_id", "date", "session", name=op.f("uq_session_marks_learner_id_date_session")
        ),
    )
    op.create_index(op.f("ix_session_marks_date_session"), "session_marks", ["date", "session"])

    op.create_table(
        "searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("searcher_id", sa.Integer(), nullable=False),
        sa.Column("witness_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("grounds", sa.String(), nullable=False),
        sa.Column("sought", sa.String(), nullable=False),
        sa.Column("same_sex_searcher", sa.Boolean(), nullable=False),
        sa.Column("witness_present", sa.Boolean(), nullable=False),
        sa.Column("exception_used", sa.Boolean(), nullable=False),
        sa.Column("exception_reason", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("parent_informed", sa.Boolean(), nullable=False),
        sa.Column("dsl_informed", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('low', 'medium', 'higher')", name=op.f("ck_searches_level")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["learners.id"], name=op.f("fk_searches_learner_id_learners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_searches_recorded_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"], ["screenings.id"], name=op.f("fk_searches_screening_id_screenings")
        ),
        sa.ForeignKeyConstraint(
            ["searcher_id"], ["staff.id"], name=op.f("fk_searches_searcher_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["witness_id"], ["staff.id"], name=op.f("fk_searches_witness_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_searches")),
    )
    op.create_index(op.f("ix_searches_learner_id"), "searches", ["learner_id"])
    op.create_index(op.f("ix_searches_started_at"), "searches", ["started_at"])

    op.create_table(
        "found_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("disposition", sa.String(), nullable=False),
        sa.Column("handed_to", sa.String(), nullable=False),
        sa.Column("police_reference", sa.String(), nullable=False),
        sa.Column("disposition_reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["searches.id"],
            name=op.f("fk_found_items_search_id_searches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_found_items")),
    )
    op.create_index(op.f("ix_found_items_search_id"), "found_items", ["search_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_found_items_search_id"), table_name="found_items")

    op.drop_table("found_items")
    op.drop_index(op.f("ix_searches_started_at"), table_name="searches")
    op.drop_index(op.f("ix_searches_learner_id"), table_name="searches")

    op.drop_table("searches")
    op.drop_index(op.f("ix_session_marks_date_session"), table_name="session_marks")

    op.drop_table("session_marks")
    op.drop_index(op.f("ix_screenings_learner_id_date"), table_name="screenings")
    op.drop_index(op.f("ix_screenings_date"), table_name="screenings")

    op.drop_table("screenings")
    op.drop_index(op.f("ix_refusals_learner_id"), table_name="refusals")
    op.drop_index(op.f("ix_refusals_date_session"), table_name="refusals")

    op.drop_table("refusals")
    op.drop_index(op.f("ix_phone_handins_learner_id_date"), table_name="phone_handins")
    op.drop_index(op.f("ix_phone_handins_date_returned_at"), table_name="phone_handins")

    op.drop_table("phone_handins")
    op.drop_index(op.f("ix_badges_staff_id"), table_name="badges")
    op.drop_index(op.f("ix_badges_learner_id"), table_name="badges")

    op.drop_table("badges")
    op.drop_table("staff")
    op.drop_index(op.f("ix_notifications_sent_at"), table_name="notifications")

    op.drop_table("notifications")
    op.drop_index(op.f("ix_learners_surname_forename"), table_name="learners")

    op.drop_table("learners")
    op.drop_index(op.f("ix_audit_log_entity_entity_id"), table_name="audit_log")

    op.drop_table("audit_log")
