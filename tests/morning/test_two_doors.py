"""Two doors admitting one learner at the same moment: one mark, and nobody told "not saved"."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from kiosk.config import SchoolConfig
from kiosk.door.arrivals import admit
from records.models import SessionMarkRecord
from tests.morning.conftest import NOW, learner_id

pytestmark = pytest.mark.postgres


@pytest.fixture
def upgraded_db_url(pg_url: str) -> str:
    """PostgreSQL only: SQLite lets one writer in at a time, so the race cannot happen there."""
    from records.database import upgrade

    upgrade(pg_url)
    return pg_url


def test_the_door_that_loses_the_race_finds_the_learner_already_marked(school) -> None:
    chidi = learner_id(school, "A1001")
    first = school.sessions()
    first.begin()
    won = admit(first, chidi, arrived_at=NOW, admitted_at=NOW, school=SchoolConfig())
    outcome: dict[str, object] = {}

    def other_door() -> None:
        # Blocks on the mark's unique key until the first door commits, then meets it.
        with school.sessions.begin() as second:
            lost = admit(second, chidi, arrived_at=NOW, admitted_at=NOW, school=SchoolConfig())
            outcome["first_admission"] = lost.first_admission
            outcome["code"] = lost.mark.code.value

    door = threading.Thread(target=other_door)
    door.start()
    door.join(0.5)
    assert door.is_alive(), "the second door waits for the first door's transaction"
    first.commit()
    first.close()
    door.join(10)
    assert outcome == {"first_admission": False, "code": won.mark.code.value}
    with school.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SessionMarkRecord)) == 1
