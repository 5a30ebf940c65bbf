"""Sign-outs, amendments, staff presence, phones and badge enrolments from the doors; amended
marks in the one-mark view.

Revision ID: hub0002
Revises: hub0001
Create Date: 2026-12-01
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0002"
down_revision: str | Sequence[str] | None = "hub0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (
    "hub_sign_outs",
    "hub_amendments",
    "hub_staff_presence",
    "hub_phones",
    "hub_badge_enrolments",
)
_PROGRESS = (
    ("hub_sign_outs", "signed_out_at"),
    ("hub_amendments", "amended_at"),
    ("hub_staff_presence", "at"),
    ("hub_phones", "at"),
    ("hub_badge_enrolments", "enrolled_at"),
)

# Written out here rather than imported: an old migration never changes when the code does.
# The same columns as hub0001's view (CREATE OR REPLACE keeps its grants): the newest
# amendment of a learner's session, at any door, replaces the code, minutes and comment.
_RANKED = """
    SELECT m.*, row_number() OVER (
        PARTITION BY mis_id, date, session
        ORDER BY CASE kind WHEN 'admission' THEN 0 ELSE 1 END, at, admitted_at, station, id
    ) AS place
    FROM hub_marks AS m
"""
_AMENDED_VIEW = f"""
CREATE OR REPLACE VIEW hub_session_marks AS
SELECT r.mis_id, r.date, r.session, r.kind, r.station, r.at, r.admitted_at,
    COALESCE(a.new_code, r.code) AS code,
    COALESCE(a.new_minutes_late, r.minutes_late) AS minutes_late,
    COALESCE(a.new_comment, r.comment) AS comment
FROM ({_RANKED}) AS r
LEFT JOIN LATERAL (
    SELECT new_code, new_minutes_late, new_comment
    FROM hub_amendments AS x
    WHERE x.mis_id = r.mis_id AND x.date = r.date AND x.session = r.session
    ORDER BY x.amended_at DESC, x.station DESC, x.id DESC
    LIMIT 1
) AS a ON true
WHERE r.place = 1
"""
_PLAIN_VIEW = f"""
CREATE OR REPLACE VIEW hub_session_marks AS
SELECT mis_id, date, session, kind, station, at, admitted_at, code, minutes_late, comment
FROM ({_RANKED}) AS ranked
WHERE place = 1
"""

_GRANTS = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_door') THEN
        GRANT SELECT, INSERT ON hub_sign_outs, hub_amendments, hub_staff_presence, hub_phones,
            hub_badge_enrolments TO kiosk_door;
        GRANT USAGE ON SEQUENCE hub_sign_outs_id_seq, hub_amendments_id_seq,
            hub_staff_presence_id_seq, hub_phones_id_seq, hub_badge_enrolments_id_seq
            TO kiosk_door;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_office') THEN
        GRANT SELECT ON hub_sign_outs, hub_amendments, hub_staff_presence, hub_phones,
            hub_badge_enrolments TO kiosk_office;
    END IF;
END
$$
"""


def _received_at() -> sa.Column[dt.datetime]:
    return sa.Column(
        "received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "hub_sign_outs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("mis_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("recorded_by", sa.String(), nullable=True),
        _received_at(),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_hub_sign_outs_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_sign_outs")),
        sa.UniqueConstraint(
            "station",
            "mis_id",
            "signed_out_at",
            name=op.f("uq_hub_sign_outs_station_mis_id_signed_out_at"),
        ),
    )
    op.create_index(
        op.f("ix_hub_sign_outs_date_session"), "hub_sign_outs", ["date", "session"], unique=False
    )
    op.create_table(
        "hub_amendments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("mis_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(), nullable=False),
        sa.Column("original_code", sa.String(), nullable=False),
        sa.Column("original_minutes_late", sa.Integer(), nullable=False),
        sa.Column("original_comment", sa.String(), nullable=False),
        sa.Column("new_code", sa.String(), nullable=False),
        sa.Column("new_minutes_late", sa.Integer(), nullable=False),
        sa.Column("new_comment", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("amended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amended_by", sa.String(), nullable=True),
        _received_at(),
        sa.CheckConstraint("session IN ('AM', 'PM')", name=op.f("ck_hub_amendments_session")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_amendments")),
        sa.UniqueConstraint(
            "station",
            "mis_id",
            "date",
            "session",
            "amended_at",
            name=op.f("uq_hub_amendments_station_mis_id_date_session_amended_at"),
        ),
    )
    op.create_index(
        op.f("ix_hub_amendments_date_session_mis_id"),
        "hub_amendments",
        ["date", "session", "mis_id"],
        unique=False,
    )
    op.create_table(
        "hub_staff_presence",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("staff_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("signed_on_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _received_at(),
        sa.CheckConstraint("kind IN ('on', 'off')", name=op.f("ck_hub_staff_presence_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_staff_presence")),
        sa.UniqueConstraint(
            "station",
            "staff_id",
            "signed_on_at",
            "kind",
            name=op.f("uq_hub_staff_presence_station_staff_id_signed_on_at_kind"),
        ),
    )
    op.create_index(
        op.f("ix_hub_staff_presence_date"), "hub_staff_presence", ["date"], unique=False
    )
    op.create_table(
        "hub_phones",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("store", sa.String(), nullable=False),
        sa.Column("mis_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(), nullable=False),
        sa.Column("no_phone", sa.Boolean(), nullable=False),
        sa.Column("confiscated", sa.Boolean(), nullable=False),
        sa.Column("handed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _received_at(),
        sa.CheckConstraint("kind IN ('handed_in', 'returned')", name=op.f("ck_hub_phones_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_phones")),
        sa.UniqueConstraint(
            "station",
            "mis_id",
            "handed_in_at",
            "kind",
            name=op.f("uq_hub_phones_station_mis_id_handed_in_at_kind"),
        ),
    )
    op.create_index(op.f("ix_hub_phones_date"), "hub_phones", ["date"], unique=False)
    op.create_index(op.f("ix_hub_phones_store_date"), "hub_phones", ["store", "date"], unique=False)
    op.create_table(
        "hub_badge_enrolments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("enrolled_as", sa.String(), nullable=False),
        sa.Column("learner_mis_id", sa.String(), nullable=True),
        sa.Column("staff_id", sa.String(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        _received_at(),
        sa.CheckConstraint(
            "(learner_mis_id IS NULL) <> (staff_id IS NULL)",
            name=op.f("ck_hub_badge_enrolments_one_owner"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_badge_enrolments")),
        sa.UniqueConstraint(
            "station",
            "enrolled_as",
            "enrolled_at",
            name=op.f("uq_hub_badge_enrolments_station_enrolled_as_enrolled_at"),
        ),
    )
    op.create_index(
        op.f("ix_hub_badge_enrolments_date"), "hub_badge_enrolments", ["date"], unique=False
    )
    # How far each door has got with each kind of fact is asked every round.
    for table, column in _PROGRESS:
        op.create_index(
            op.f(f"ix_{table}_station_{column}"), table, ["station", column], unique=False
        )
    op.execute(_AMENDED_VIEW)
    op.execute(_GRANTS)


def downgrade() -> None:
    op.execute(_PLAIN_VIEW)
    for table, column in _PROGRESS:
        op.drop_index(op.f(f"ix_{table}_station_{column}"), table_name=table)
    op.drop_index(op.f("ix_hub_badge_enrolments_date"), table_name="hub_badge_enrolments")
    op.drop_index(op.f("ix_hub_phones_store_date"), table_name="hub_phones")
    op.drop_index(op.f("ix_hub_phones_date"), table_name="hub_phones")
    op.drop_index(op.f("ix_hub_staff_presence_date"), table_name="hub_staff_presence")
    op.drop_index(op.f("ix_hub_amendments_date_session_mis_id"), table_name="hub_amendments")
    op.drop_index(op.f("ix_hub_sign_outs_date_session"), table_name="hub_sign_outs")
    for name in reversed(_TABLES):
        op.drop_table(name)
