"""The hub's migrations build what its models describe; a door's login may add, never rewrite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import ProgrammingError

from kiosk.sync import hub_engine
from records.hub import (
    HUB_VERSION_TABLE,
    hub_head_revision,
    hub_metadata,
    hub_revision,
    upgrade_hub,
)


def test_hub_upgrade_is_safe_to_repeat_and_matches_the_models(hub_url: str) -> None:
    upgrade_hub(hub_url)
    engine = hub_engine(hub_url)
    try:
        with engine.connect() as conn:
            assert hub_revision(conn) == hub_head_revision()
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": HUB_VERSION_TABLE}
            )
            assert compare_metadata(context, hub_metadata) == []
    finally:
        engine.dispose()


def test_a_door_login_may_add_events_and_read_the_roster_but_not_rewrite_history(
    hub_url: str,
) -> None:
    owner = hub_engine(hub_url)
    with owner.begin() as conn:
        conn.execute(sa.text("DROP ROLE IF EXISTS gate_side"))
        conn.execute(sa.text("CREATE ROLE gate_side LOGIN IN ROLE kiosk_door"))
    door = hub_engine(hub_url.replace("postgres@", "gate_side@"))
    event = (
        "INSERT INTO hub_events (event_id, station, local_id, date, session, at, kind, payload,"
        " recorded_at) VALUES ('e1', 'side', 1, '2026-11-23', 'AM', now(), 'EntryTapped', '{}',"
        " now()) ON CONFLICT (event_id) DO NOTHING"
    )
    try:
        with door.begin() as conn:
            conn.execute(sa.text(event))
            conn.execute(sa.text(event))
            assert conn.execute(sa.text("SELECT count(*) FROM hub_learners")).scalar_one() == 0
            conn.execute(
                sa.text(
                    "INSERT INTO hub_sign_outs (station, mis_id, date, session, signed_out_at,"
                    " reason) VALUES ('side', 'M1', '2026-11-23', 'AM', now(), 'dentist')"
                )
            )
        for rewrite in (
            "UPDATE hub_events SET kind = 'x'",
            "DELETE FROM hub_events",
            "DELETE FROM hub_marks",
            "UPDATE hub_sign_outs SET reason = 'x'",
            "DELETE FROM hub_amendments",
            "UPDATE hub_phones SET slot = '9'",
            "DELETE FROM hub_staff_presence",
            "UPDATE hub_badge_enrolments SET staff_id = 'X'",
            "INSERT INTO hub_staff (staff_id, surname, forename, roles, active, updated_at)"
            " VALUES ('X', 'A', 'B', 'admin', true, now())",
        ):
            with pytest.raises(ProgrammingError, match="permission denied"), door.begin() as conn:
                conn.execute(sa.text(rewrite))
    finally:
        door.dispose()
        with owner.begin() as conn:
            conn.execute(sa.text("DROP OWNED BY gate_side"))
            conn.execute(sa.text("DROP ROLE gate_side"))
        owner.dispose()
