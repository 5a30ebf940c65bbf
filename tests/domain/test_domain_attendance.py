"""The session mark, the register window and the late detention, as tables."""

from __future__ import annotations

from datetime import UTC, time

import pytest

from kiosk.domain.attendance import (
    MAX_REGISTER_OPEN,
    REFUSED_SCREENING_COMMENT,
    REFUSED_SEARCH_COMMENT,
    Code,
    Mark,
    RefusalKind,
    Session,
    SessionTimes,
    decide_session_mark,
    late_detention,
    mark_for_admission,
    mark_for_refusal,
    mark_not_seen,
    register_window_problems,
    register_windows_differ,
    session_for,
)

AM = SessionTimes(starts=time(8, 40), register_closes=time(9, 10))
PM = SessionTimes(starts=time(13, 20), register_closes=time(13, 35))
TIMES = {Session.AM: AM, Session.PM: PM}


@pytest.mark.parametrize(
    ("session", "arrived", "code", "minutes_late"),
    [
        pytest.param(Session.AM, time(6, 0), Code.PRESENT_AM, 0, id="am-early-is-present"),
        pytest.param(
            Session.AM,
            time(8, 39, 59, 999999),
            Code.PRESENT_AM,
            0,
            id="am-last-instant-before-start",
        ),
        pytest.param(Session.AM, time(8, 40), Code.LATE, 0, id="am-exactly-at-start-is-late"),
        pytest.param(Session.AM, time(8, 40, 59), Code.LATE, 0, id="am-59-seconds-is-0-minutes"),
        pytest.param(Session.AM, time(8, 41), Code.LATE, 1, id="am-one-minute-late"),
        pytest.param(Session.AM, time(8, 52, 30), Code.LATE, 12, id="am-minutes-round-down"),
        pytest.param(Session.AM, time(9, 9, 59), Code.LATE, 29, id="am-just-before-close"),
        pytest.param(Session.AM, time(9, 10), Code.LATE, 30, id="am-exactly-at-close-is-late"),
        pytest.param(
            Session.AM,
            time(9, 10, 0, 1),
            Code.LATE_AFTER_CLOSE,
            30,
            id="am-a-microsecond-after-close-is-U",
        ),
        pytest.param(Session.AM, time(9, 10, 59), Code.LATE_AFTER_CLOSE, 30, id="am-U-rounds-down"),
        pytest.param(Session.AM, time(9, 11), Code.LATE_AFTER_CLOSE, 31, id="am-after-close"),
        pytest.param(Session.AM, time(11, 45), Code.LATE_AFTER_CLOSE, 185, id="am-hours-late"),
        pytest.param(Session.PM, time(12, 0), Code.PRESENT_PM, 0, id="pm-early-is-backslash"),
        pytest.param(
            Session.PM, time(13, 19, 59), Code.PRESENT_PM, 0, id="pm-last-second-before-start"
        ),
        pytest.param(Session.PM, time(13, 20), Code.LATE, 0, id="pm-exactly-at-start-is-late"),
        pytest.param(Session.PM, time(13, 27, 45), Code.LATE, 7, id="pm-late-rounds-down"),
        pytest.param(Session.PM, time(13, 35), Code.LATE, 15, id="pm-exactly-at-close-is-late"),
        pytest.param(
            Session.PM,
            time(13, 35, 0, 1),
            Code.LATE_AFTER_CLOSE,
            15,
            id="pm-a-microsecond-after-close-is-U",
        ),
        pytest.param(Session.PM, time(13, 50), Code.LATE_AFTER_CLOSE, 30, id="pm-after-close"),
    ],
)
def test_admission_mark_follows_start_and_register_close(
    session: Session, arrived: time, code: Code, minutes_late: int
) -> None:
    """R25: /, L, U by the session's times; late after the register closes."""
    mark = mark_for_admission(arrived, session, TIMES[session])
    assert (mark.code, mark.minutes_late, mark.comment) == (code, minutes_late, "")
    assert mark.reasons and arrived.strftime("%H:%M") in mark.reasons[0]


def test_admission_mark_rejects_a_time_with_a_timezone() -> None:
    with pytest.raises(ValueError, match="local wall-clock time"):
        mark_for_admission(time(8, 30, tzinfo=UTC), Session.AM, AM)


@pytest.mark.parametrize(
    ("code", "present"),
    [
        pytest.param(Code.PRESENT_AM, True, id="slash-present"),
        pytest.param(Code.PRESENT_PM, True, id="backslash-present"),
        pytest.param(Code.LATE, True, id="L-present"),
        pytest.param(Code.LATE_AFTER_CLOSE, False, id="U-absent"),
        pytest.param(Code.REFUSED, False, id="O-absent"),
        pytest.param(Code.NOT_SEEN, False, id="N-absent"),
    ],
)
def test_only_slash_backslash_and_L_count_as_present(code: Code, present: bool) -> None:
    assert Mark(code, 0, "", ()).counts_as_present is present


@pytest.mark.parametrize(
    ("kind", "comment"),
    [
        pytest.param(RefusalKind.SCREENING, REFUSED_SCREENING_COMMENT, id="screening"),
        pytest.param(RefusalKind.SEARCH, REFUSED_SEARCH_COMMENT, id="search"),
    ],
)
def test_refusal_is_O_with_the_contract_comment(kind: RefusalKind, comment: str) -> None:
    mark = mark_for_refusal(kind)
    assert (mark.code, mark.minutes_late, mark.comment) == (Code.REFUSED, 0, comment)
    assert "not an exclusion" in mark.reasons[0]


def test_refusal_comments_are_the_contract_wording() -> None:
    assert REFUSED_SCREENING_COMMENT == "refused screening: not admitted"
    assert REFUSED_SEARCH_COMMENT == "refused search: not admitted"


def test_not_seen_is_N() -> None:
    mark = mark_not_seen()
    assert (mark.code, mark.minutes_late, mark.comment) == (Code.NOT_SEEN, 0, "")


@pytest.mark.parametrize(
    ("session", "admitted_at", "refusal", "register_closed", "code", "comment"),
    [
        pytest.param(
            Session.AM, time(8, 30), None, False, Code.PRESENT_AM, "", id="admitted-early"
        ),
        pytest.param(
            Session.AM, time(8, 50), None, True, Code.LATE, "", id="admitted-late-register-closed"
        ),
        pytest.param(
            Session.AM,
            time(8, 50),
            RefusalKind.SCREENING,
            False,
            Code.LATE,
            "",
            id="refused-screening-then-complied-gets-admission-mark",
        ),
        pytest.param(
            Session.AM,
            time(9, 30),
            RefusalKind.SEARCH,
            True,
            Code.LATE_AFTER_CLOSE,
            "",
            id="refused-search-then-admitted-after-close-gets-U",
        ),
        pytest.param(
            Session.PM,
            time(13, 0),
            RefusalKind.SCREENING,
            False,
            Code.PRESENT_PM,
            "",
            id="pm-refused-then-admitted-early",
        ),
        pytest.param(
            Session.AM,
            None,
            RefusalKind.SCREENING,
            False,
            Code.REFUSED,
            REFUSED_SCREENING_COMMENT,
            id="refused-screening-not-admitted-is-O-at-once",
        ),
        pytest.param(
            Session.AM,
            None,
            RefusalKind.SEARCH,
            True,
            Code.REFUSED,
            REFUSED_SEARCH_COMMENT,
            id="refused-search-not-admitted-is-O-not-N",
        ),
        pytest.param(
            Session.AM, None, None, True, Code.NOT_SEEN, "", id="not-seen-after-close-is-N"
        ),
        pytest.param(
            Session.PM, None, None, True, Code.NOT_SEEN, "", id="pm-not-seen-after-close-is-N"
        ),
    ],
)
def test_admission_decides_else_refusal_gives_O_else_N_after_close(
    session: Session,
    admitted_at: time | None,
    refusal: RefusalKind | None,
    register_closed: bool,
    code: Code,
    comment: str,
) -> None:
    mark = decide_session_mark(
        admitted_at=admitted_at,
        refusal=refusal,
        register_closed=register_closed,
        session=session,
        times=TIMES[session],
    )
    assert mark is not None
    assert (mark.code, mark.comment) == (code, comment)


def test_no_mark_while_the_register_is_open_and_the_learner_is_not_seen() -> None:
    mark = decide_session_mark(
        admitted_at=None, refusal=None, register_closed=False, session=Session.AM, times=AM
    )
    assert mark is None


def test_admission_after_refusal_says_the_refusal_happened() -> None:
    mark = decide_session_mark(
        admitted_at=time(8, 50),
        refusal=RefusalKind.SCREENING,
        register_closed=False,
        session=Session.AM,
        times=AM,
    )
    assert mark is not None
    assert "Refused screening earlier" in mark.reasons[-1]


@pytest.mark.parametrize(
    ("session", "times", "expected"),
    [
        pytest.param(Session.AM, AM, "", id="am-30-minutes-is-fine"),
        pytest.param(
            Session.AM, SessionTimes(time(8, 40), time(8, 41)), "", id="am-1-minute-is-fine"
        ),
        pytest.param(
            Session.AM,
            SessionTimes(time(8, 40), time(9, 11)),
            "open 31 minutes",
            id="am-31-minutes-is-too-long",
        ),
        pytest.param(
            Session.AM,
            SessionTimes(time(8, 40), time(9, 10, 1)),
            "at most 30",
            id="am-30-minutes-and-a-second-is-too-long",
        ),
        pytest.param(
            Session.AM,
            SessionTimes(time(8, 40), time(8, 40)),
            "register_closes (08:40) must be after day_starts (08:40)",
            id="am-close-equal-to-start",
        ),
        pytest.param(
            Session.AM,
            SessionTimes(time(9, 10), time(8, 40)),
            "must be after",
            id="am-close-before-start",
        ),
        pytest.param(
            Session.PM,
            SessionTimes(time(13, 20), time(13, 50)),
            "",
            id="pm-30-minutes-is-fine",
        ),
        pytest.param(
            Session.PM,
            SessionTimes(time(13, 20), time(14, 0)),
            "PM session: the register is open 40 minutes",
            id="pm-40-minutes-names-the-session",
        ),
        pytest.param(
            Session.PM,
            SessionTimes(time(13, 20), time(13, 0)),
            "pm_register_closes (13:00) must be after pm_starts (13:20)",
            id="pm-close-before-start-names-the-keys",
        ),
    ],
)
def test_register_window_is_at_most_30_minutes_and_after_the_start(
    session: Session, times: SessionTimes, expected: str
) -> None:
    problems = register_window_problems(times, session)
    if expected:
        assert len(problems) == 1
        assert expected in problems[0]
        assert problems[0].startswith(f"{session} session")
    else:
        assert problems == ()


def test_max_register_open_is_30_minutes() -> None:
    assert MAX_REGISTER_OPEN.total_seconds() == 30 * 60


@pytest.mark.parametrize(
    ("pm", "differ"),
    [
        pytest.param(SessionTimes(time(13, 20), time(13, 50)), False, id="same-length"),
        pytest.param(SessionTimes(time(13, 20), time(13, 35)), True, id="pm-shorter"),
    ],
)
def test_register_stays_open_the_same_length_every_session(pm: SessionTimes, differ: bool) -> None:
    assert bool(register_windows_differ(AM, pm)) is differ


@pytest.mark.parametrize(
    ("local", "pm", "session"),
    [
        pytest.param(time(7, 0), PM, Session.AM, id="early-morning"),
        pytest.param(time(9, 30), PM, Session.AM, id="after-am-close-is-still-am"),
        pytest.param(time(11, 14, 59), PM, Session.AM, id="just-before-midpoint"),
        pytest.param(time(11, 15), PM, Session.PM, id="at-midpoint-is-pm"),
        pytest.param(time(13, 0), PM, Session.PM, id="before-pm-start"),
        pytest.param(time(15, 0), PM, Session.PM, id="afternoon"),
        pytest.param(time(15, 0), None, Session.AM, id="no-pm-session-is-always-am"),
    ],
)
def test_arrival_session_splits_halfway_between_am_close_and_pm_start(
    local: time, pm: SessionTimes | None, session: Session
) -> None:
    assert session_for(local, AM, pm) is session


def _mark(code: Code) -> Mark:
    return Mark(code, 35 if code is Code.LATE_AFTER_CLOSE else 0, "", ())


@pytest.mark.parametrize(
    ("code", "explained", "detention_minutes", "required", "minutes"),
    [
        pytest.param(Code.LATE_AFTER_CLOSE, False, 20, True, 20, id="U-unexplained-gets-20"),
        pytest.param(Code.LATE_AFTER_CLOSE, False, 30, True, 30, id="U-uses-school-length"),
        pytest.param(Code.LATE_AFTER_CLOSE, True, 20, False, 0, id="U-with-a-note-gets-none"),
        pytest.param(Code.LATE_AFTER_CLOSE, False, 0, False, 0, id="school-gives-none"),
        pytest.param(Code.LATE, False, 20, False, 0, id="L-before-close-gets-none"),
        pytest.param(Code.PRESENT_AM, False, 20, False, 0, id="on-time-gets-none"),
        pytest.param(Code.PRESENT_PM, False, 20, False, 0, id="pm-on-time-gets-none"),
        pytest.param(Code.REFUSED, False, 20, False, 0, id="refused-gets-none"),
        pytest.param(Code.NOT_SEEN, False, 20, False, 0, id="not-seen-gets-none"),
    ],
)
def test_late_detention_only_after_register_close_without_explanation(
    code: Code, explained: bool, detention_minutes: int, required: bool, minutes: int
) -> None:
    detention = late_detention(
        _mark(code), has_reasonable_explanation=explained, detention_minutes=detention_minutes
    )
    assert (detention.required, detention.minutes) == (required, minutes)
    assert detention.reasons


def test_late_detention_rejects_negative_minutes() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        late_detention(
            _mark(Code.LATE_AFTER_CLOSE), has_reasonable_explanation=False, detention_minutes=-1
        )
