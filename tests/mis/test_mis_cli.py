"""`kiosk mis send`, `kiosk mis status` and `kiosk roster pull` through the real parser."""

from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy import select

from records.models import BadgeRecord, LearnerRecord
from tests.mis import fakemis
from tests.mis.conftest import MORNING, School

Kiosk = Callable[..., tuple[int, str, str]]


def test_mis_send_then_status_show_the_mornings_marks_sent(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config()
    wonde_school.add_marks({**MORNING, "9999": ("/", 0, "")})

    code, out, err = kiosk("mis", "send", "--date", "2026-03-09", "--config", str(config))

    assert code == 1, "a rejected mark fails the timer's run so the journal shows it"
    assert "queued 4 mark(s) of 2026-03-09" in out
    assert "written 3" in out and "rejected 1" in out
    assert "9999" in err and "unknown student" in err
    code, out, err = kiosk("mis", "status", "--config", str(config))
    assert code == 0
    assert "3 sent, 0 waiting, 0 kept the MIS's own mark, 1 rejected" in out
    assert "rejected" in out and "Known Nobody (9999)" in out
    assert fakemis.TOKEN not in out + err


def test_no_request_leaves_when_no_mis_is_configured(wonde_school: School, kiosk: Kiosk) -> None:
    config = wonde_school.write_config(provider="none")
    wonde_school.add_marks(MORNING)

    code, out, _ = kiosk("mis", "send", "--date", "2026-03-09", "--config", str(config))

    assert code == 0
    assert "no MIS is configured" in out and "kiosk export attendance" in out
    assert wonde_school.fake.requests == []
    code, _, err = kiosk("roster", "pull", "--config", str(config))
    assert code == 2 and "no MIS is configured" in err
    assert wonde_school.fake.requests == []


def test_the_timers_run_with_nothing_to_send_succeeds_and_asks_the_mis_nothing(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config()

    code, out, err = kiosk("mis", "send", "--date", "2026-03-09", "--config", str(config))

    assert (code, err) == (0, "")
    assert "nothing to send" in out
    assert wonde_school.fake.requests == []


def test_without_a_mis_the_timers_run_does_not_open_the_database(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config(provider="none")
    text = config.read_text(encoding="utf-8")
    gone = wonde_school.tmp / "no-such-folder" / "school.db"
    config.write_text(text.replace(wonde_school.url, f"sqlite:///{gone}"), encoding="utf-8")

    code, out, _ = kiosk("mis", "send", "--config", str(config))

    assert code == 0
    assert "no MIS is configured" in out
    assert not gone.exists()
    assert wonde_school.fake.requests == []


def test_a_credentials_file_others_can_read_is_refused(wonde_school: School, kiosk: Kiosk) -> None:
    config = wonde_school.write_config()
    wonde_school.add_marks(MORNING)
    os.chmod(wonde_school.credentials, 0o644)

    code, out, err = kiosk("mis", "send", "--date", "2026-03-09", "--config", str(config))

    assert code == 2
    assert "readable by group or others" in err and "chmod 600" in err
    assert fakemis.TOKEN not in out + err
    assert wonde_school.fake.requests == []


def test_a_429_in_the_command_is_waited_out_with_the_injected_sleep(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config()
    wonde_school.add_marks({"1001": MORNING["1001"]})
    wonde_school.fake.fail_next("POST", 429, headers={"Retry-After": "3"})
    slept: list[float] = []

    code, out, _ = kiosk(
        "mis", "send", "--date", "2026-03-09", "--config", str(config), slept=slept
    )

    assert code == 0, out
    assert slept == [3.0]
    assert "written 1" in out


def test_roster_pull_imports_wonde_students_with_the_csv_imports_rules(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config()
    students = wonde_school.fake.students
    students["1002"]["legal_surname"] = "Okafor-Reid"
    students["2001"] = {
        "id": "A200100",
        "mis_id": "2001",
        "forename": "Ola",
        "surname": "Nowak",
        "legal_forename": "Aleksandra",
        "legal_surname": "Nowak",
        "gender": "FEMALE",
        "education_details": {"data": {"upn": "D123456789012"}},
        "year": {"data": {"code": "7"}},
        "registration": {"data": {"name": "7R"}},
    }
    students["2002"] = {"id": "A200200", "mis_id": "2002", "forename": "No", "surname": "Sex"}

    code, out, err = kiosk("roster", "pull", "--config", str(config))

    assert code == 1, "a bad record makes the command exit 1"
    assert "1 added" in out and "1 marked as left" in out and "1 rejected" in out
    assert "Wonde student A200200 (No Sex)" in err and "sex" in err
    gets = [path for method, path, _, _ in wonde_school.fake.requests if method == "GET"]
    assert len(gets) >= 3, "every page of students was read"
    with wonde_school.sessions() as session:
        found = {r.mis_id: r for r in session.scalars(select(LearnerRecord))}
        assert found["1002"].surname == "Okafor-Reid"
        assert found["1003"].sen is True and found["1003"].reg_group == "9K"
        assert found["2001"].forename == "Aleksandra" and found["2001"].preferred_name == "Ola"
        assert found["2001"].upn == "D123456789012" and found["2001"].year_group == "7"
        assert found["9999"].left_on is not None, "a learner gone from the MIS is marked left"
        assert "2002" not in found
        assert session.scalars(select(BadgeRecord)).all() == []


def test_roster_pull_dry_run_saves_nothing(wonde_school: School, kiosk: Kiosk) -> None:
    config = wonde_school.write_config()

    code, out, _ = kiosk("roster", "pull", "--dry-run", "--config", str(config))

    assert code == 0
    assert "dry run" in out
    with wonde_school.sessions() as session:
        assert all(r.left_on is None for r in session.scalars(select(LearnerRecord)))


def test_roster_pull_says_where_an_adapter_cannot(tmp_path, kiosk: Kiosk) -> None:  # type: ignore[no-untyped-def]
    from tests.mis.conftest import _school

    for school in _school(tmp_path, "arbor"):
        config = school.write_config()
        code, _, err = kiosk("roster", "pull", "--config", str(config))
        assert code == 2
        assert "not built for Arbor" in err and "kiosk roster import" in err


# --- `kiosk mis check`: reads, never writes; exit 0 only when a write would work --------------


def test_mis_check_reads_the_school_codes_roster_and_todays_marks_and_writes_nothing(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config()
    wonde_school.fake.held[("A100100", "2026-03-09", "AM")] = {"code": "/", "comment": None}

    code, out, err = kiosk("mis", "check", "--date", "2026-03-09", "--config", str(config))

    assert code == 0, out + err
    assert "Example Academy (A1930499544)" in out
    assert "the kiosk's 'L' is written as: AC3 (looked up)" in out
    assert "3 of the kiosk's 4 learners on roll are found in the MIS" in out
    assert "today's marks for Aoife Ní Bhriain (1001): AM /; PM none" in out
    assert "a write would work" in out
    assert wonde_school.fake.writes() == [], "a check never writes"
    assert fakemis.TOKEN not in out + err


def test_mis_check_names_a_letter_the_school_has_no_code_for(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config()
    del wonde_school.fake.codes["N"]  # type: ignore[attr-defined]

    code, out, err = kiosk("mis", "check", "--config", str(config))

    assert code == 1
    assert "NO  the kiosk's 'N' is written as: not in Wonde's list: set [mis] marks" in out
    assert "a write would not work" in err


def test_mis_check_on_arbor_says_nothing_is_written_without_overwrite(
    arbor_school: School, kiosk: Kiosk
) -> None:
    config = arbor_school.write_config()

    code, out, _ = kiosk("mis", "check", "--config", str(config))

    assert code == 1
    assert "the kiosk's 'L' is written as: LATE (looked up)" in out
    assert "3 of the kiosk's 4 learners on roll are found in the MIS" in out
    assert "nothing is written while [mis] overwrite = false" in out
    config = arbor_school.write_config(overwrite=True)
    code, out, _ = kiosk("mis", "check", "--config", str(config))
    assert code == 0, out
    assert arbor_school.fake.writes() == []


def test_mis_check_names_an_arbor_base_url_that_doubles_the_prefix(
    arbor_school: School, kiosk: Kiosk
) -> None:
    config = arbor_school.write_config(base_url=f"{arbor_school.fake.base_url}/rest-v2")

    code, out, _ = kiosk("mis", "check", "--config", str(config))

    assert code == 1
    assert "[mis] base_url" in out and "/rest-v2/rest-v2" in out


def test_a_reply_of_the_wrong_shape_is_one_line_not_a_traceback(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config()
    wonde_school.add_marks(MORNING)
    wonde_school.fake.fail_next("GET", 200, body={"data": 5}, path_ends="/attendance-codes")

    code, out, err = kiosk("mis", "send", "--date", "2026-03-09", "--config", str(config))

    assert code == 1
    assert "Traceback" not in out + err
    assert "not a Wonde list" in err and "tried again next round" in err
    code, out, _ = kiosk("mis", "status", "--config", str(config))
    assert "0 rejected" in out


def test_sims_goes_through_wonde_with_the_schools_wonde_id(
    wonde_school: School, kiosk: Kiosk
) -> None:
    config = wonde_school.write_config(provider="sims")
    wonde_school.add_marks(MORNING)

    code, out, _ = kiosk("mis", "send", "--date", "2026-03-09", "--config", str(config))

    assert code == 0, out
    assert "written 3" in out
    posted = {path for method, path, _, _ in wonde_school.fake.requests if method == "POST"}
    assert posted == {f"/v1.0/schools/{fakemis.Wonde.school}/attendance/session"}
