"""Recording a screening, and a search that cites it."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.people import StaffRef
from kiosk.domain.search import SearchLevel
from kiosk.door.screenings import record_screening
from kiosk.door.searches import SearchForm, record_search
from records.models import ScreeningRecord, SearchRecord
from tests.morning.conftest import NOW, learner_id


def test_an_arch_alarm_is_recorded_with_its_zone_and_the_search_cites_it(school) -> None:
    chidi = learner_id(school, "A1001")
    with school.sessions.begin() as session:
        screening_id = record_screening(
            session,
            chidi,
            day=date(2026, 11, 23),
            at=NOW,
            method="arch",
            result="alarm",
            by=StaffRef("S04"),
            zone="left ankle",
        )
        done = record_search(
            session,
            SearchForm(
                chidi,
                "S02",
                "S04",
                SearchLevel.LOW,
                "Reception",
                "arch alarm, left ankle",
                "metal object",
                "keys in sock",
                screening_id=screening_id,
            ),
            at=NOW,
            by=StaffRef("S02"),
        )
    with school.sessions() as session:
        screening = session.get_one(ScreeningRecord, screening_id)
        assert (screening.result, screening.zone, screening.operator.staff_id) == (
            "alarm",
            "left ankle",
            "S04",
        )
        assert session.get_one(SearchRecord, done.search_id).screening_id == screening_id


def test_an_unknown_result_is_refused(school) -> None:
    with pytest.raises(ValueError, match="result"), school.sessions.begin() as session:
        record_screening(
            session,
            learner_id(school, "A1001"),
            day=date(2026, 11, 23),
            at=NOW,
            method="arch",
            result="beeped",
            by=StaffRef("S04"),
        )
