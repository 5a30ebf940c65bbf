"""The hub: every door's events and marks, the one-mark view, the roster, and the roles.

Revision ID: hub0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Migrations spell out their types (sa.DateTime(timezone=True), not records' UTCDateTime)
# so that an old migration never changes when the models do.

revision: str = "hub0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Written out here rather than imported: an old migration never changes when the code does.
_SESSION_MARKS_VIEW = """
CREATE VIEW hub_session_marks AS
SELECT mis_id, date, session, kind, station, at, admitted_at, code, minutes_late, comment
FROM (
    SELECT m.*, row_number() OVER (
        PARTITION BY mis_id, date, session
        ORDER BY CASE kind WHEN 'admission' THEN 0 ELSE 1 END, at, admitted_at, station, id
    ) AS place
    FROM hub_marks AS m
) AS ranked
WHERE place = 1
"""

# Doors may add events and marks and read the roster, never change or remove a row; the
# office publishes the roster. The roles are made only where the migrating user may make
# roles (they belong to the whole server); the grants follow them.
_ROLES = """
DO $$
DECLARE
    may_create boolean;
BEGIN
    SELECT rolsuper OR rolcreaterole INTO may_create FROM pg_roles WHERE rolname = current_user;
    IF may_create AND NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_door') THEN
        CREATE ROLE kiosk_door NOLOGIN;
    END IF;
    IF may_create AND NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_office') THEN
        CREATE ROLE kiosk_office NOLOGIN;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_door') THEN
        GRANT SELECT ON hub_events, hub_marks, hub_session_marks, hub_learners, hub_staff,
            hub_badges TO kiosk_door;
        GRANT INSERT ON hub_events, hub_marks TO kiosk_door;
        GRANT USAGE ON SEQUENCE hub_events_id_seq, hub_marks_id_seq TO kiosk_door;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_office') THEN
        GRANT SELECT ON hub_events, hub_marks, hub_session_marks, hub_learners, hub_staff,
            hub_badges TO kiosk_office;
        GRANT INSERT, UPDATE ON hub_learners, hub_staff, hub_badges TO kiosk_office;
        GRANT DELETE ON hub_badges TO kiosk_office;
        GRANT USAGE ON SEQUENCE hub_learners_id_seq, hub_staff_id_seq, hub_badges_id_seq
            TO kiosk_office;
    END IF;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "hub_badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("enrolled_as", sa.String(), nullable=False),
        sa.Column("learner_mis_id", sa.String(), nullable=True),
        sa.Column("staff_id", sa.String(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(learner_mis_id IS NULL) <> (staff_id IS NULL)", name=op.f("ck_hub_badges_one_owner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_badges")),
        sa.UniqueConstraint("key", name=op.f("uq_hub_badges_key")),
    )
    op.create_table(
        "hub_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("local_id", sa.BigInteger(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("learner_mis_id", sa.String(), nullable=True),
        sa.Column("staff_id", sa.String(), nullable=True),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_hub_events_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_hub_events_event_id")),
    )
    op.create_index(
        op.f("ix_hub_events_date_session"), "hub_events", ["date", "session"], unique=False
    )
    op.create_index(
        op.f("ix_hub_events_station_local_id"), "hub_events", ["station", "local_id"], unique=False
    )
    op.create_table(
        "hub_learners",
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
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sex IN ('F', 'M')", name=op.f("ck_hub_learners_sex")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_learners")),
        sa.UniqueConstraint("mis_id", name=op.f("uq_hub_learners_mis_id")),
    )
    op.create_table(
        "hub_marks",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("mis_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("minutes_late", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("late_reason", sa.String(), nullable=False),
        sa.Column("late_detention", sa.Boolean(), nullable=False),
        sa.Column("refusal_kind", sa.String(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind = 'refusal' OR admitted_at IS NOT NULL", name=op.f("ck_hub_marks_admitted")
        ),
        sa.CheckConstraint("kind IN ('admission', 'refusal')", name=op.f("ck_hub_marks_kind")),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_hub_marks_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_marks")),
        sa.UniqueConstraint(
            "station",
            "mis_id",
            "date",
            "session",
            "kind",
            "at",
            name=op.f("uq_hub_marks_station_mis_id_date_session_kind_at"),
        ),
    )
    op.create_index(
        op.f("ix_hub_marks_date_session_mis_id"),
        "hub_marks",
        ["date", "session", "mis_id"],
        unique=False,
    )
    op.create_table(
        "hub_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(), nullable=False),
        sa.Column("surname", sa.String(), nullable=False),
        sa.Column("forename", sa.String(), nullable=False),
        sa.Column("sex", sa.String(), nullable=True),
        sa.Column("roles", sa.String(), nullable=False),
        sa.Column("pin_hash", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sex IN ('F', 'M')", name=op.f("ck_hub_staff_sex")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_staff")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_hub_staff_staff_id")),
    )
    op.execute(_SESSION_MARKS_VIEW)
    op.execute(_ROLES)


def downgrade() -> None:
    op.execute("DROP VIEW hub_session_marks")
    op.drop_table("hub_staff")
    op.drop_index(op.f("ix_hub_marks_date_session_mis_id"), table_name="hub_marks")
    op.drop_table("hub_marks")
    op.drop_table("hub_learners")
    op.drop_index(op.f("ix_hub_events_station_local_id"), table_name="hub_events")
    op.drop_index(op.f("ix_hub_events_date_session"), table_name="hub_events")
    op.drop_table("hub_events")
    op.drop_table("hub_badges")
