"""Phone confiscation escalating by occurrence (seed 003), as tables."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain.phones import (
    Hold,
    PhonePolicy,
    confiscation_outcome,
    held_until,
)

MONDAY = date(2025, 3, 3)
THURSDAY = date(2025, 3, 6)
FRIDAY = date(2025, 3, 7)
SATURDAY = date(2025, 3, 8)


@pytest.mark.parametrize(
    ("occurrence", "hold", "parent_must_collect", "notify"),
    [
        pytest.param(1, Hold.END_OF_DAY, False, False, id="first-held-to-end-of-day"),
        pytest.param(2, Hold.SECOND_DAY, False, False, id="second-held-a-second-day"),
        pytest.param(3, Hold.PARENT_COLLECTS, True, True, id="third-parent-collects-and-notifies"),
        pytest.param(4, Hold.PARENT_COLLECTS, True, True, id="fourth-still-parent-collects"),
        pytest.param(12, Hold.PARENT_COLLECTS, True, True, id="twelfth-still-parent-collects"),
    ],
)
def test_confiscation_escalates_by_occurrence(
    occurrence: int, hold: Hold, parent_must_collect: bool, notify: bool
) -> None:
    outcome = confiscation_outcome(occurrence)
    assert (outcome.occurrence, outcome.hold, outcome.parent_must_collect, outcome.notify) == (
        occurrence,
        hold,
        parent_must_collect,
        notify,
    )


@pytest.mark.parametrize(
    ("occurrence", "says"),
    [
        pytest.param(1, "1st confiscation", id="1st"),
        pytest.param(2, "2nd confiscation", id="2nd"),
        pytest.param(3, "3rd confiscation", id="3rd"),
        pytest.param(11, "11th confiscation", id="11th"),
        pytest.param(13, "13th confiscation", id="13th"),
        pytest.param(22, "22nd confiscation", id="22nd"),
    ],
)
def test_confiscation_reason_counts_the_occurrence(occurrence: int, says: str) -> None:
    assert confiscation_outcome(occurrence).reasons[0].startswith(says)


@pytest.mark.parametrize("occurrence", [0, -1], ids=["zero", "negative"])
def test_confiscation_occurrence_counts_from_one(occurrence: int) -> None:
    with pytest.raises(ValueError, match="counts from 1"):
        confiscation_outcome(occurrence)


@pytest.mark.parametrize(
    ("occurrence", "confiscated_on", "until"),
    [
        pytest.param(1, MONDAY, MONDAY, id="first-back-the-same-day"),
        pytest.param(1, FRIDAY, FRIDAY, id="first-on-friday-back-friday"),
        pytest.param(2, MONDAY, date(2025, 3, 4), id="second-on-monday-back-tuesday"),
        pytest.param(2, THURSDAY, FRIDAY, id="second-on-thursday-back-friday"),
        pytest.param(2, FRIDAY, date(2025, 3, 10), id="second-on-friday-back-monday"),
        pytest.param(2, SATURDAY, date(2025, 3, 10), id="second-on-saturday-back-monday"),
        pytest.param(3, MONDAY, None, id="third-waits-for-a-parent"),
    ],
)
def test_confiscated_phone_comes_back_when_its_hold_ends(
    occurrence: int, confiscated_on: date, until: date | None
) -> None:
    assert held_until(confiscation_outcome(occurrence), confiscated_on) == until


def test_hold_compares_equal_to_its_plain_string() -> None:
    assert confiscation_outcome(1).hold == "end_of_day"
    assert confiscation_outcome(2).hold == "second_day"
    assert confiscation_outcome(3).hold == "parent_collects"


def test_phone_policy_values_are_the_config_spellings() -> None:
    assert [p.value for p in PhonePolicy] == ["required", "optional", "off"]
