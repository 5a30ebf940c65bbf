"""A whole school day and the next morning through one real `kiosk run`, nobody restarting it.

The short version of `make soak` (bench/soak.py, which runs a week): the day's learners on the
clear path, alarms left for staff, staff walking away from the queue and from a learner's desk
past the idle lock, a refusal, a wand check, late arrivals, the afternoon, the day's end, the
night. The soak itself fails the moment the process exits or logs a traceback, a learner it was
answered for has no mark in that session, or the fire roll (`kiosk roll`) is wrong at an hour.
"""

from __future__ import annotations

from pathlib import Path

from bench.soak import run

LEARNERS = 40
MEMORY_GROWTH_ALLOWED = 1.2  # the kiosk's memory at the end against after the first hour


def test_a_day_unattended_then_the_next_morning(tmp_path: Path) -> None:
    days: list[object] = []
    figures = run(tmp_path, days=1, learners=LEARNERS, on_day=days.append)
    assert len(days) == 1 and figures.crashes == 0
    assert figures.rss_growth_ratio <= MEMORY_GROWTH_ALLOWED, figures
