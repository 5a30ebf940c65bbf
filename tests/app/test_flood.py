"""A flood of unknown cards at the reader does not hold up the next real learner."""

from __future__ import annotations

from kiosk.screens.greeting import GreetingScreen
from tests.app.steps import CHIDI, eventually, settled
from tests.screens.harness import shown

UNKNOWN = "0CDEADBEEF"


async def test_after_a_flood_of_an_unknown_card_the_next_learner_is_greeted_at_once(lane) -> None:
    async with lane.app.run_test(size=(100, 30)) as pilot:
        for _ in range(2000):
            lane.clock.advance(4.0)  # past the reader's own repeat suppression each time
            lane.reader.present(UNKNOWN)
        await settled(lane.app, pilot)
        assert "Badge not recognised" in shown(lane.app)
        lane.reader.present(CHIDI)
        await settled(lane.app, pilot)
        assert isinstance(lane.app.screen, GreetingScreen)
        assert "Chidi" in shown(lane.app)
        assert [row.first_name for row in lane.app.lane_view.rows] == ["Chidi"]


async def test_a_card_found_unknown_is_still_offered_for_enrolment_to_staff(desk) -> None:
    from kiosk.screens.find_learner import FindLearnerScreen
    from tests.app.steps import BETHAN, arrives, close_duty, sign_on

    async with desk.app.run_test(size=(100, 30)) as pilot:
        await arrives(desk, pilot, UNKNOWN)
        assert "Badge not recognised" in shown(desk.app)
        await sign_on(desk, pilot, BETHAN)
        await close_duty(pilot)
        desk.clock.advance(4.0)
        await arrives(desk, pilot, UNKNOWN)
        assert isinstance(desk.app.screen, FindLearnerScreen)


async def test_a_flood_of_different_unknown_cards_costs_no_database_job_and_no_log_lines(
    station, caplog
) -> None:
    """5,000 different cards nobody owns, then a learner: the cards are answered from memory
    (no job on the station's writer, no log line each), so the learner is not kept waiting."""
    import logging

    async with station.app.run_test(size=(100, 30)) as pilot:
        await settled(station.app, pilot)
        assert await eventually(pilot, lambda: station.app.known_badges.knows(CHIDI) is True)
        submitted: list[object] = []
        submit = station.app.writer.submit
        station.app.writer.submit = lambda *a, **k: (submitted.append(a), submit(*a, **k))[1]
        caplog.clear()
        with caplog.at_level(logging.INFO):
            for n in range(5000):
                station.reader.present(f"0C{0xA0000000 + n:08X}")
            await settled(station.app, pilot)
            assert submitted == [], "an unknown card went to the database"
            assert "Badge not recognised" in shown(station.app)
            station.reader.present(CHIDI)
            await settled(station.app, pilot)
        assert len(submitted) == 1  # the learner's tap alone
        assert "Chidi" in shown(station.app)
        lines = [r for r in caplog.records if r.name.startswith(("kiosk", "drivers"))]
        assert len(lines) <= 2, [r.getMessage() for r in lines][:5]
