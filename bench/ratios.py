"""Figures made of two others taken in one run: `make bench` and `make bench-compare` print them
alike."""

from __future__ import annotations

from collections.abc import Mapping


def lane_over_plain(taken: Mapping[str, float]) -> dict[str, float]:
    """The lane's slowest answers against the plain tap's typical one: both to the frame that
    shows the learner the words, and (as first printed) against the plain tap's words only,
    one frame short."""
    lane = taken.get("tap_to_prompt_p99_ms")
    if lane is None:
        return {}
    ratios = {}
    if taken.get("tap_to_drawn_p50_ms"):
        ratios["lane_p99_over_plain_p50"] = lane / taken["tap_to_drawn_p50_ms"]
    if taken.get("tap_to_screen_p50_ms"):
        ratios["lane_p99_over_plain_words_p50"] = lane / taken["tap_to_screen_p50_ms"]
    return ratios
