"""The lane benchmark's harness at a small size: a morning through the real app, end to end."""

from __future__ import annotations

from bench.lane import measure


def test_a_small_morning_through_the_lane_needs_no_staff_on_the_clear_path() -> None:
    # Twenty learners: one alarm, one without a phone, one refusal, two late; `measure` itself
    # fails unless every learner is admitted or refused and the register adds up.
    figures = measure(20)
    assert figures["clear_path_staff_touches"] == 0
    assert figures["staff_touches_per_learner"] > 0  # the exceptions were staff's to handle
