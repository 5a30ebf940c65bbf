"""The desk's next step, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.domain.phones import PhonePolicy
from kiosk.domain.station import (
    Progress,
    RefusalPolicy,
    Step,
    after_refusal,
    alarm_belongs_to,
    next_step,
)

REQ, OPT, OFF = PhonePolicy.REQUIRED, PhonePolicy.OPTIONAL, PhonePolicy.OFF


@pytest.mark.parametrize(
    ("progress", "policy", "step", "may_admit"),
    [
        (Progress(), REQ, Step.PHONE, False),
        (Progress(), OFF, Step.SCREENING, False),
        (Progress(phone_done=True), REQ, Step.SCREENING, False),
        (Progress(phone_done=True, screening_result="clear"), REQ, Step.ADMIT, True),
        (Progress(phone_done=True, screening_result="alarm"), REQ, Step.SEARCH, False),
        (
            Progress(phone_done=True, screening_result="alarm", search_done=True),
            REQ,
            Step.ADMIT,
            True,
        ),
        (Progress(selected_for_screening=False), OFF, Step.ADMIT, True),
        (Progress(selected_for_screening=False), OPT, Step.PHONE, True),
        (Progress(screening_result="clear"), OPT, Step.PHONE, True),
        (Progress(admitted=True), REQ, Step.DONE, False),
        (Progress(refused=True), REQ, Step.DONE, False),
    ],
    ids=[
        "phone-first",
        "no-phones-screen-first",
        "then-screening",
        "clear-admit",
        "alarm-search",
        "searched-admit",
        "not-selected-admit",
        "optional-phone-offered-but-admissible",
        "optional-phone-after-screening",
        "admitted-done",
        "refused-done",
    ],
)
def test_next_step_follows_the_policy(progress, policy, step, may_admit) -> None:
    decided = next_step(progress, phone_policy=policy)
    assert (decided.step, decided.may_admit) == (step, may_admit)
    assert decided.reasons and decided.learner_prompt


def test_the_learner_prompt_never_gives_a_reason() -> None:
    decided = next_step(Progress(screening_result="alarm", phone_done=True), phone_policy=REQ)
    assert "alarm" not in decided.learner_prompt.lower()
    assert "search" not in decided.learner_prompt.lower()


@pytest.mark.parametrize(
    ("policy", "result", "step", "refused"),
    [
        (RefusalPolicy.DENY, None, Step.DONE, True),
        (RefusalPolicy.SEARCH, None, Step.SEARCH, False),
        (RefusalPolicy.SEARCH, "alarm", Step.DONE, True),
    ],
    ids=["deny", "search-instead", "refusing-the-search-itself"],
)
def test_refusal_is_denied_or_escalated_to_a_search(policy, result, step, refused) -> None:
    progress, then = after_refusal(Progress(screening_result=result), policy)
    assert then is step and progress.refused is refused


CALLED = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "belongs"),
    [(-1, False), (0, True), (10, True), (15, True), (16, False)],
)
def test_an_alarm_belongs_to_the_learner_called_only_within_the_window(offset, belongs) -> None:
    assert alarm_belongs_to(CALLED, CALLED + timedelta(seconds=offset), timedelta(seconds=15)) is (
        belongs
    )
