"""Who walks through the arch, as a table."""

from __future__ import annotations

import pytest

from kiosk.domain.screening import ScreeningPolicy, screening_decision


@pytest.mark.parametrize(
    ("policy", "percent", "draw", "screen", "random"),
    [
        (ScreeningPolicy.REQUIRED, 0, 0.99, True, False),
        (ScreeningPolicy.OFF, 100, 0.0, False, False),
        (ScreeningPolicy.RANDOM, 20, 0.0, True, True),
        (ScreeningPolicy.RANDOM, 20, 0.1999, True, True),
        (ScreeningPolicy.RANDOM, 20, 0.2, False, False),
        (ScreeningPolicy.RANDOM, 0, 0.0, False, False),
        (ScreeningPolicy.RANDOM, 100, 0.9999, True, True),
    ],
    ids=["required", "off", "random-low", "random-just-in", "random-just-out", "zero", "all"],
)
def test_screening_decision_follows_the_policy(policy, percent, draw, screen, random) -> None:
    decision = screening_decision(policy, percent, draw)
    assert (decision.screen, decision.randomly_selected) == (screen, random)
    assert decision.reasons


@pytest.mark.parametrize(("percent", "draw"), [(101, 0.5), (-1, 0.5), (20, 1.0), (20, -0.1)])
def test_out_of_range_values_are_refused(percent, draw) -> None:
    with pytest.raises(ValueError):
        screening_decision(ScreeningPolicy.RANDOM, percent, draw)
