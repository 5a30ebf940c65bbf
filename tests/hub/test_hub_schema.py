"""The hub's migrations build what its models describe; a door's login may add, never rewrite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import ProgrammingError

from kiosk.hub import hub_engine
from records.database import migration_connection
from records.hub import (
    HUB_VERSION_TABLE,
    add_hub_login,
    hub_alembic_config,
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
        add_hub_login(conn, "gate_side", "side")
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
            "DELETE FROM hub_logins",
            "UPDATE hub_logins SET station = 'main'",
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


AMENDMENT = (
    "INSERT INTO hub_amendments (station, mis_id, date, session, original_code,"
    " original_minutes_late, original_comment, new_code, new_minutes_late, new_comment, reason,"
    " amended_at, amended_by) VALUES ('side', 'M1', '2026-11-23', 'AM', 'N', 0, '', '/', 0, '',"
    " 'bus late', '2026-11-23 09:20+00', 'S05')"
)


def test_a_hub_from_before_the_door_logins_upgrades_with_its_rows_and_downgrades_again(
    hub_url: str,
) -> None:
    with migration_connection(hub_url) as conn:
        config = hub_alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "hub0002")
    owner = hub_engine(hub_url)
    try:
        with owner.begin() as conn:
            conn.execute(sa.text(AMENDMENT))  # sent by a door before hub0003
        upgrade_hub(hub_url)
        with owner.connect() as conn:
            assert hub_revision(conn) == hub_head_revision()
            login, station = conn.execute(
                sa.text("SELECT login, station FROM hub_amendments")
            ).one()
            user = conn.execute(sa.text("SELECT current_user")).scalar_one()
            secured = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_class WHERE relrowsecurity"
                    " AND relname IN ('hub_marks', 'hub_sign_outs', 'hub_amendments')"
                )
            ).scalar_one()
        assert (login, station, secured) == (user, "side", 3)
        with migration_connection(hub_url) as conn:
            config = hub_alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "hub0002")
        with owner.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM hub_amendments")).scalar_one() == 1
        upgrade_hub(hub_url)
    finally:
        owner.dispose()
