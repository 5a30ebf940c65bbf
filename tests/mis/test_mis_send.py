"""Session marks written to each MIS's stand-in: once, never over a teacher's, errors survived."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.mis import send
from kiosk.mis.connect import open_provider
from kiosk.mis.queue import enqueue_mark, queue_unsent_marks, queued_marks
from kiosk.mis.send import send_due
from records.models import MisWriteRecord, SessionMarkRecord
from tests.mis import fakemis
from tests.mis.conftest import DAY, MORNING, NOW, School


def _send(school: School, *, at: Any = NOW, **mis: Any) -> send.SendReport:
    with school.sessions.begin() as session:
        queue_unsent_marks(session, DAY, at=NOW)
    config = school.mis_config(**mis)
    provider = open_provider(config, sleep=school.slept.append)
    assert provider is not None
    return send_due(school.sessions, provider, overwrite=config.overwrite, now=at)


def _student(school: School, mis_id: str) -> str:
    return f"A{mis_id}00"  # Wonde's id for the learner (a SIMS school is reached through Wonde)


def _held(school: School, mis_id: str) -> dict[str, Any] | None:
    return school.fake.held.get((_student(school, mis_id), DAY.isoformat(), "AM"))


def _states(school: School) -> dict[str, str]:
    with school.sessions() as session:
        return {row.mis_id: row.state for row in queued_marks(session)}


def test_a_mornings_marks_reach_the_mis_with_late_minutes_and_comments(school: School) -> None:
    school.add_marks(MORNING)

    report = _send(school)

    assert (report.written, report.rejected, report.failed) == (3, 0, 0), report.summary()
    assert school.fake.broken == []
    assert _held(school, "1001")["code"] == "/"  # type: ignore[index]
    assert _held(school, "1002") == {"code": "L", "minutes_late": 12, "comment": "late: bus"}
    refused = _held(school, "1003")
    assert refused is not None and refused["code"] == "O"
    assert refused["comment"] == "refused screening: not admitted"
    assert set(_states(school).values()) == {"sent"}
    with school.sessions() as session:
        receipts = {row.mis_id: row.writeback_id for row in queued_marks(session)}
    assert sorted(receipts.values()) == sorted(school.fake.writeback_ids), (  # type: ignore[attr-defined]
        "Wonde applies a write later: its writeback_id is kept with the mark"
    )


def test_marks_are_written_once_across_a_crash_after_the_mis_took_them(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    school.add_marks(MORNING)
    real_record = send._record

    def die_once(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(send, "_record", real_record)
        raise KeyboardInterrupt("the kiosk lost power after the MIS took the first mark")

    monkeypatch.setattr(send, "_record", die_once)
    with pytest.raises(KeyboardInterrupt):
        _send(school)
    assert len(school.fake.writes()) == 1, "the MIS received the first mark before the crash"

    too_soon = _send(school, at=NOW + timedelta(seconds=30))
    assert too_soon.not_due == 1, "the interrupted mark waits for its back-off"
    retried = _send(school, at=NOW + timedelta(minutes=3))

    assert retried.confirmed == 1, retried.summary()
    assert len(school.fake.writes()) == 3, "each mark reached the MIS exactly once"
    assert set(_states(school).values()) == {"sent"}


def test_a_mark_the_mis_already_holds_is_kept_not_overwritten(school: School) -> None:
    school.fake.held[(_student(school, "1002"), DAY.isoformat(), "AM")] = {
        "code": "M",
        "minutes_late": None,
        "comment": "medical appointment (teacher)",
    }
    school.add_marks(MORNING)

    report = _send(school)

    assert (report.written, report.kept) == (2, 1)
    assert _held(school, "1002")["code"] == "M"  # type: ignore[index]
    assert _states(school)["1002"] == "kept"
    with school.sessions() as session:
        kept = next(r for r in queued_marks(session) if r.mis_id == "1002")
    assert "'M'" in kept.last_error and "overwrite" in kept.last_error


def test_a_school_that_chooses_overwrite_gets_its_mark_written(school: School) -> None:
    school.fake.held[(_student(school, "1002"), DAY.isoformat(), "AM")] = {
        "code": "M",
        "minutes_late": None,
        "comment": "",
    }
    school.add_marks({"1002": MORNING["1002"]})

    report = _send(school, overwrite=True)

    assert report.written == 1
    assert _held(school, "1002")["code"] == "L"  # type: ignore[index]


def test_an_amended_mark_is_queued_again_and_replaces_the_kiosks_own(school: School) -> None:
    school.add_marks({"1002": MORNING["1002"]})
    _send(school)

    with school.sessions.begin() as session:
        mark = session.scalars(select(SessionMarkRecord)).one()
        mark.code, mark.minutes_late, mark.comment = "U", 35, "late: amended by the office"
        assert enqueue_mark(session, mark, at=NOW)
    report = _send(school, at=NOW + timedelta(minutes=1))

    assert report.written == 1, report.summary()
    assert _held(school, "1002") == {
        "code": "U",
        "minutes_late": 35,
        "comment": "late: amended by the office",
    }
    assert len(school.fake.writes()) == 2


def test_a_comment_cleared_by_an_amendment_is_cleared_in_the_mis(school: School) -> None:
    school.add_marks({"1002": MORNING["1002"]})
    _send(school)
    with school.sessions.begin() as session:
        mark = session.scalars(select(SessionMarkRecord)).one()
        mark.code, mark.minutes_late, mark.comment = "/", 0, ""
        assert enqueue_mark(session, mark, at=NOW)

    report = _send(school, at=NOW + timedelta(minutes=1))

    assert report.written == 1, report.summary()
    assert _held(school, "1002") == {"code": "/", "minutes_late": 0, "comment": ""}
    assert school.fake.broken == []


def test_a_429_is_waited_out_for_its_retry_after_then_sent(school: School) -> None:
    school.add_marks({"1001": MORNING["1001"]})
    school.fake.fail_next("POST", 429, headers={"Retry-After": "7"}, body={"error": "slow down"})

    report = _send(school)

    assert school.slept == [7.0]
    assert report.written == 1
    assert _held(school, "1001") is not None


def test_an_unknown_student_is_reported_and_the_rest_are_sent(school: School) -> None:
    school.add_marks({**MORNING, "9999": ("/", 0, "")})

    report = _send(school)

    assert report.written == 3
    assert report.rejected == 1
    assert any("9999" in p and "unknown student" in p for p in report.problems), report.problems
    assert _states(school)["9999"] == "rejected"


@pytest.mark.parametrize(
    ("status", "state", "says"),
    [
        (401, "pending", "credentials"),
        (422, "rejected", "refused"),
        (500, "pending", "failed"),
        ("timeout", "pending", "no reply"),
    ],
)
def test_error_replies_leave_the_mark_where_a_person_can_see_why(
    school: School, status: int | str, state: str, says: str
) -> None:
    school.add_marks({"1001": MORNING["1001"], "1002": MORNING["1002"]})
    body = {"errors": {"attendance_code_id": ["invalid"]}} if status == 422 else {"error": "x"}
    school.fake.fail_next("POST", status, body=body)

    report = _send(school)

    rows = _states(school)
    assert rows["1001"] == state
    with school.sessions() as session:
        first = next(r for r in queued_marks(session) if r.mis_id == "1001")
    assert says in first.last_error
    if status == 401:
        assert report.stopped and rows["1002"] == "pending", "nothing more is tried"
        assert "[mis] credentials_file" in report.stopped
        assert len(school.fake.writes()) == 1
    else:
        assert rows["1002"] == "sent", "one mark's failure does not hold back the next"
    if state == "pending":
        assert first.next_attempt_at > NOW, "retried later, with back-off"


def test_each_mark_is_queued_once_and_the_sweep_finds_what_the_call_sites_missed(
    school: School,
) -> None:
    school.add_marks(MORNING)
    with school.sessions.begin() as session:
        mark = session.scalars(select(SessionMarkRecord)).first()
        assert mark is not None
        assert enqueue_mark(session, mark, at=NOW)
        assert not enqueue_mark(session, mark, at=NOW), "the same mark twice is one row"
        assert queue_unsent_marks(session, DAY, at=NOW) == 2
        assert queue_unsent_marks(session, DAY, at=NOW) == 0
        assert len(session.scalars(select(MisWriteRecord)).all()) == 3
    assert school.fake.requests == [], "queueing never talks to the MIS"


def test_credentials_never_appear_in_logs(school: School, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    school.add_marks({**MORNING, "9999": ("/", 0, "")})
    school.fake.fail_next("GET", 401, body={"error": "Unauthenticated."})
    _send(school)
    _send(school, at=NOW + timedelta(hours=2))

    logged = caplog.text
    assert "kiosk.mis" in {r.name for r in caplog.records}
    for secret in (fakemis.TOKEN, fakemis.PASSWORD):
        assert secret not in logged
    assert "Authorization" not in logged and "Basic " not in logged and "Bearer" not in logged


def test_a_mark_amended_on_a_later_day_reaches_the_mis_with_that_days_round(
    school: School,
) -> None:
    school.add_marks({"1002": MORNING["1002"]})
    _send(school)
    next_day = NOW + timedelta(days=1)
    with school.sessions.begin() as session:
        mark = session.scalars(select(SessionMarkRecord)).one()
        mark.code, mark.minutes_late, mark.comment = "/", 0, "bus company letter"
        mark.updated_at = next_day  # as `kiosk mark amend` leaves it

    with school.sessions.begin() as session:
        assert queue_unsent_marks(session, DAY + timedelta(days=1), at=next_day) == 1
    config = school.mis_config()
    provider = open_provider(config, sleep=school.slept.append)
    assert provider is not None
    report = send_due(school.sessions, provider, overwrite=config.overwrite, now=next_day)

    assert report.written == 1, report.summary()  # its own earlier write is replaced
    held = _held(school, "1002")
    assert held is not None
    assert (held["code"], held["comment"]) == ("/", "bus company letter")
    with school.sessions.begin() as session:
        assert (
            queue_unsent_marks(session, DAY + timedelta(days=5), at=next_day + timedelta(days=4))
            == 0
        )
