"""Each login writes as its own door: the logins' doors, row-level security on what doors add,
amendments from office logins only, and the staff rows' seals.

Revision ID: hub0003
Revises: hub0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub0003"
down_revision: str | Sequence[str] | None = "hub0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here rather than imported: an old migration never changes when the code does.
_DOOR_TABLES = (
    "hub_events",
    "hub_marks",
    "hub_sign_outs",
    "hub_staff_presence",
    "hub_phones",
    "hub_badge_enrolments",
)
# The door a login writes as: its row in hub_logins (made by `kiosk hub add-door`/`add-office`).
_MY_STATION = "(SELECT l.station FROM hub_logins AS l WHERE l.login = current_user)"
# A row a login adds must carry its own door. The policies are for everyone: who may insert
# at all is still the grants' business, and the owner (who runs the migrations and
# `kiosk hub add-door`) is not subject to them.
_DOOR_POLICY = (
    "CREATE POLICY hub_adds_own_station ON {table} FOR INSERT "
    f"WITH CHECK (station = {_MY_STATION})"
)
# An amendment comes from an office login, at the office's door, under that login's own name,
# and names an active member of staff who may amend the register (kiosk.office.amendments).
_AMENDMENT_POLICY = f"""
CREATE POLICY hub_office_amends ON hub_amendments FOR INSERT WITH CHECK (
    station = {_MY_STATION}
    AND login = current_user
    AND EXISTS (
        SELECT FROM hub_staff AS s
        WHERE s.staff_id = hub_amendments.amended_by
            AND s.active
            AND string_to_array(s.roles, ';') && ARRAY['office', 'dsl', 'admin']::text[]
    )
)
"""
_TABLES_WITH_RLS = (*_DOOR_TABLES, "hub_amendments")

_GRANTS = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_door') THEN
        REVOKE INSERT ON hub_amendments FROM kiosk_door;
        -- `kiosk check` at a door asks which revision the hub is at.
        GRANT SELECT ON hub_logins, hub_alembic_version TO kiosk_door;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_office') THEN
        GRANT SELECT ON hub_logins, hub_alembic_version TO kiosk_office;
        GRANT INSERT ON hub_amendments TO kiosk_office;
        GRANT USAGE ON SEQUENCE hub_amendments_id_seq TO kiosk_office;
    END IF;
END
$$
"""
_UNGRANTS = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_door') THEN
        GRANT INSERT ON hub_amendments TO kiosk_door;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kiosk_office') THEN
        REVOKE INSERT ON hub_amendments FROM kiosk_office;
    END IF;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "hub_logins",
        sa.Column("login", sa.String(), nullable=False),
        sa.Column("station", sa.String(), nullable=False),
        sa.Column(
            "made_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_hub_logins")),
    )
    # Amendments already at the hub were sent by some door's login: the migrating user stands
    # in for it; from now on each carries the login that sent it.
    op.add_column(
        "hub_amendments",
        sa.Column("login", sa.String(), server_default=sa.text("current_user"), nullable=False),
    )
    op.add_column("hub_staff", sa.Column("seal", sa.String(), nullable=True))
    for table in _TABLES_WITH_RLS:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY hub_read ON {table} FOR SELECT USING (true)")
    for table in _DOOR_TABLES:
        op.execute(_DOOR_POLICY.format(table=table))
    op.execute(_AMENDMENT_POLICY)
    op.execute(_GRANTS)


def downgrade() -> None:
    op.execute(_UNGRANTS)
    op.execute("DROP POLICY hub_office_amends ON hub_amendments")
    for table in _DOOR_TABLES:
        op.execute(f"DROP POLICY hub_adds_own_station ON {table}")
    for table in _TABLES_WITH_RLS:
        op.execute(f"DROP POLICY hub_read ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_column("hub_staff", "seal")
    op.drop_column("hub_amendments", "login")
    op.drop_table("hub_logins")
