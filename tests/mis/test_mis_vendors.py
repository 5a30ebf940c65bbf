"""Each vendor as it publishes itself: Arbor's roll-call service, Wonde's read-back read closed,
settings that are wrong stopping the round, and replies no vendor sends never judging a learner.

Stand-ins: tests/mis/fakemis.py, from the recorded examples in tests/mis/fixtures/."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.mis.connect import open_provider
from kiosk.mis.queue import queue_unsent_marks, queued_marks
from kiosk.mis.send import SendReport, send_due
from tests.mis import fakemis
from tests.mis.conftest import DAY, MORNING, NOW, School


def _send(school: School, **mis: Any) -> SendReport:
    with school.sessions.begin() as session:
        queue_unsent_marks(session, DAY, at=NOW)
    config = school.mis_config(**mis)
    provider = open_provider(config, sleep=school.slept.append)
    assert provider is not None
    return send_due(school.sessions, provider, overwrite=config.overwrite, now=NOW)


def _rows(school: School) -> dict[str, tuple[str, str]]:
    with school.sessions() as session:
        return {row.mis_id: (row.state, row.last_error) for row in queued_marks(session)}


def _posts(school: School) -> list[str]:
    return [path for method, path, _, _ in school.fake.requests if method == "POST"]


# --- Arbor ------------------------------------------------------------------------------------


def test_arbor_marks_land_through_the_roll_call_service_in_the_published_shape(
    arbor_school: School,
) -> None:
    arbor_school.add_marks(MORNING)

    report = _send(arbor_school, overwrite=True)

    assert (report.written, report.rejected, report.failed) == (3, 0, 0), report.summary()
    assert arbor_school.fake.broken == []
    assert set(_posts(arbor_school)) == {"/rest-v2/attendance-roll-call-registration"}
    registered = arbor_school.fake.registered  # type: ignore[attr-defined]
    assert registered[("1002", "2026-03-09 08:40:00")] == {
        "code": "L",
        "minutes_late": 12,
        "note": None,
    }, "at the AM roll call (day_starts), the school's own LATE mark, no note"
    assert registered[("1001", "2026-03-09 08:40:00")]["code"] == "/"


def test_arbor_writes_nothing_it_cannot_prove_is_not_a_teachers_mark(arbor_school: School) -> None:
    arbor_school.add_marks(MORNING)

    report = _send(arbor_school)

    assert report.written == 0 and report.rejected == 0 and report.held == 3
    assert _posts(arbor_school) == [], "no write without a read-back"
    rows = _rows(arbor_school)
    assert {state for state, _ in rows.values()} == {"held"}
    assert "overwrite = true" in rows["1001"][1] and "teacher" in rows["1001"][1]


def test_held_marks_go_once_the_office_chooses_overwrite(arbor_school: School) -> None:
    arbor_school.add_marks(MORNING)
    _send(arbor_school)

    report = _send(arbor_school, overwrite=True)

    assert report.written == 3, report.summary()
    assert {state for state, _ in _rows(arbor_school).values()} == {"sent"}


def test_an_arbor_base_url_ending_in_rest_v2_is_a_setting_not_unknown_students(
    arbor_school: School,
) -> None:
    arbor_school.add_marks(MORNING)

    report = _send(arbor_school, overwrite=True, base_url=f"{arbor_school.fake.base_url}/rest-v2")

    assert "[mis] base_url" in report.stopped and "/rest-v2/rest-v2" in report.stopped
    assert report.rejected == 0 and report.written == 0
    assert {state for state, _ in _rows(arbor_school).values()} == {"pending"}
    assert arbor_school.fake.requests == [], "stopped before any request"


def test_arbor_validation_in_response_code_refuses_that_mark_alone(arbor_school: School) -> None:
    arbor_school.add_marks(MORNING)
    refusal = fakemis.fixture("arbor_error_reply")
    arbor_school.fake.fail_next("POST", refusal["status"], body=refusal["body"])

    report = _send(arbor_school, overwrite=True)

    rows = _rows(arbor_school)
    assert rows["1001"][0] == "rejected"
    assert "rollCallDateTime is not a roll call of the school" in rows["1001"][1]
    assert rows["1002"][0] == rows["1003"][0] == "sent"
    assert report.rejected == 1


def test_arbor_unknown_student_is_that_learner_alone(arbor_school: School) -> None:
    arbor_school.add_marks({**MORNING, "9999": ("/", 0, "")})

    report = _send(arbor_school, overwrite=True)

    assert (report.written, report.rejected) == (3, 1)
    assert _rows(arbor_school)["9999"][0] == "rejected"
    assert "unknown student" in _rows(arbor_school)["9999"][1]


def test_arbor_notes_go_through_the_registration_service_only_when_asked(
    arbor_school: School,
) -> None:
    arbor_school.add_marks(MORNING)

    report = _send(arbor_school, overwrite=True, arbor_notes=True)

    assert report.written == 3 and arbor_school.fake.broken == []
    registered = arbor_school.fake.registered  # type: ignore[attr-defined]
    assert registered[("1003", "2026-03-09 08:40:00")]["note"] == "refused screening: not admitted"
    assert _posts(arbor_school).count("/rest-v2/attendance-registration") == 2
    assert _posts(arbor_school).count("/rest-v2/attendance-roll-call-registration") == 1


def test_arbor_marks_are_looked_up_one_by_one_when_the_listing_is_brief(
    arbor_school: School,
) -> None:
    arbor_school.fake.brief_listings = True  # type: ignore[attr-defined]
    arbor_school.add_marks({"1002": MORNING["1002"]})

    report = _send(arbor_school, overwrite=True)

    assert report.written == 1 and arbor_school.fake.broken == []


def test_a_mark_mapping_to_an_id_the_mis_does_not_have_stops_the_round(
    arbor_school: School,
) -> None:
    arbor_school.add_marks(MORNING)

    report = _send(arbor_school, overwrite=True, marks=(("L", "LATE_BEFORE_CLOSE"),))

    assert "[mis] marks" in report.stopped and "LATE_BEFORE_CLOSE" in report.stopped
    assert report.rejected == 0 and _posts(arbor_school) == []


def test_a_letter_the_mis_has_no_code_for_stops_the_round_naming_the_setting(
    wonde_school: School,
) -> None:
    del wonde_school.fake.codes["O"]  # type: ignore[attr-defined]
    wonde_school.add_marks(MORNING)

    report = _send(wonde_school)

    assert "[mis] marks" in report.stopped and "'O'" in report.stopped
    assert report.rejected == 0
    assert _rows(wonde_school)["1003"][0] == "pending"


# --- Wonde's read-back, read closed ------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "says"),
    [
        (
            {  # midnight in London in summer, written as the UTC instant before it
                "student": "A100200",
                "date": {
                    "date": "2026-03-08 23:00:00.000000",
                    "timezone_type": 3,
                    "timezone": "UTC",
                },
                "session": "AM",
                "attendance_code": {"data": {"id": "AC7", "code": "M"}},
            },
            "not a day",
        ),
        (
            {
                "student": "A100200",
                "date": "2026-03-09",
                "session": "AM",
                "attendance_code": "X-UNLISTED",
            },
            "attendance code",
        ),
        (
            {"student": "A100200", "date": "2026-03-09", "session": "morning"},
            "not AM or PM",
        ),
    ],
    ids=["utc-instant", "bare-unknown-id", "odd-session"],
)
def test_a_read_back_item_the_kiosk_cannot_read_stops_that_learners_write(
    wonde_school: School, item: dict[str, Any], says: str
) -> None:
    wonde_school.fake.raw_session_items.append(item)  # type: ignore[attr-defined]
    wonde_school.add_marks(MORNING)

    report = _send(wonde_school)

    rows = _rows(wonde_school)
    assert rows["1002"][0] == "rejected" and says in rows["1002"][1]
    assert "teacher" in rows["1002"][1]
    assert ("A100200", DAY.isoformat(), "AM") not in wonde_school.fake.held
    assert rows["1001"][0] == rows["1003"][0] == "sent", "the others still go"
    assert report.written == 2


def test_a_read_back_item_with_no_student_stops_every_write_of_that_session(
    wonde_school: School,
) -> None:
    wonde_school.fake.raw_session_items.append(  # type: ignore[attr-defined]
        {"date": "2026-03-09", "session": "AM", "attendance_code": {"data": {"code": "M"}}}
    )
    wonde_school.add_marks(MORNING)

    report = _send(wonde_school)

    assert report.written == 0 and report.rejected == 3
    assert _posts(wonde_school) == []


def test_a_wonde_school_listing_no_students_is_a_setting_not_unknown_students(
    wonde_school: School,
) -> None:
    wonde_school.fake.students.clear()
    wonde_school.add_marks(MORNING)

    report = _send(wonde_school)

    assert "[mis] school_id" in report.stopped
    assert report.rejected == 0


# --- settings that are wrong stop the round; no learner is judged -----------------------------


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"base_url": "WITHOUT_VERSION"}, "[mis] base_url"),
        ({"school_id": "A0000000000"}, "[mis] school_id"),
    ],
)
def test_a_404_on_the_path_stops_the_round_naming_the_setting(
    wonde_school: School, change: dict[str, str], setting: str
) -> None:
    if change.get("base_url") == "WITHOUT_VERSION":
        change = {"base_url": wonde_school.fake.base_url}
    wonde_school.add_marks(MORNING)

    report = _send(wonde_school, **change)

    assert setting in report.stopped and "HTTP 404" in report.stopped
    assert report.rejected == 0 and _posts(wonde_school) == []
    assert {state for state, _ in _rows(wonde_school).values()} == {"pending"}


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_stop_the_round_naming_the_credentials_file(
    wonde_school: School, status: int
) -> None:
    wonde_school.add_marks(MORNING)
    wonde_school.fake.fail_next("GET", status, body={"error": "no access"})

    report = _send(wonde_school)

    assert "[mis] credentials_file" in report.stopped
    assert report.rejected == 0 and _posts(wonde_school) == []


# --- replies no vendor sends: the round fails, to be tried again; no learner is judged --------


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ({"status": 200, "body": {"data": 5}}, "not a Wonde list"),
        (
            {
                "status": 200,
                "raw": b"<html><body>Please sign in to the school proxy</body></html>",
                "content_type": "text/html",
            },
            "not JSON",
        ),
        ({"status": 200, "raw": b'{"data": [' + b" " * (5 * 1024 * 1024) + b"]}"}, "larger than"),
        ({}, "repeats a page"),
    ],
    ids=["data-5", "proxy-html", "huge", "self-link"],
)
def test_a_reply_of_the_wrong_shape_fails_the_round_without_refusing_a_learner(
    wonde_school: School, fault: dict[str, Any], says: str
) -> None:
    wonde_school.add_marks(MORNING)
    if fault:
        wonde_school.fake.fail_next("GET", path_ends="/students", **fault)
    else:
        wonde_school.fake.loop_pages = True  # type: ignore[attr-defined]

    report = _send(wonde_school)

    assert says in report.stopped, report.stopped
    assert report.rejected == 0 and _posts(wonde_school) == []
    assert {state for state, _ in _rows(wonde_school).values()} == {"pending"}
    gets = [p for m, p, _, _ in wonde_school.fake.requests if m == "GET"]
    assert len(gets) < 20, "the pages are bounded"


def test_a_write_reply_of_the_wrong_shape_is_tried_again_not_refused(wonde_school: School) -> None:
    wonde_school.add_marks({"1001": MORNING["1001"]})
    wonde_school.fake.fail_next("POST", 200, body={"data": 5}, after_handling=True)

    report = _send(wonde_school)

    assert "writeback_id" in report.stopped
    state, error = _rows(wonde_school)["1001"]
    assert state == "pending" and "writeback_id" in error
