"""The office web page without a browser: sign-in and its lockout, the guard (Host, Origin,
CSRF), the cookie, roles, idle sign-off, any day and session, sorting, filtering, actions and
downloads, through Starlette's TestClient on a real keyed SQLite book."""

from __future__ import annotations

import argparse
import csv
import io
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from starlette.routing import Route
from starlette.testclient import TestClient

from kiosk.cli.io import KioskError
from kiosk.cli.office_web import cmd_office
from kiosk.database import open_school_book
from kiosk.exports import ATTENDANCE_HEADER
from kiosk.office_web import make_office_web
from kiosk.office_web.reports import DETENTION_HEADER
from kiosk.people.duty import sign_on
from records.queries import staff_by_staff_id
from tests.office.conftest import MailServer
from tests.office.web_school import (
    DAY,
    DSL_PIN,
    FORMULA_SURNAME,
    NOW,
    OFFICE_PIN,
    SCREENER_PIN,
    make_school,
    write_config,
)

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    client: TestClient
    clock: Clock
    folder: Path

    def token(self, path: str = "/sign-in") -> str:
        page = self.client.get(path).text
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found, f"no form token on {path}"
        return found.group(1)

    def post(self, url: str, data: dict[str, str], *, origin: str | None = BASE) -> object:
        headers = {"origin": origin} if origin else {}
        return self.client.post(url, data=data, headers=headers, follow_redirects=False)

    def sign_in(self, staff_id: str, pin: str) -> object:
        return self.post("/sign-in", {"csrf": self.token(), "staff_id": staff_id, "pin": pin})


def _desk(tmp_path: Path, extra: str = "") -> Iterator[Desk]:
    tmp_path.chmod(0o700)
    config = make_school(tmp_path, PORT, extra=extra)
    book = open_school_book(config.database)
    clock = Clock()
    try:
        with TestClient(make_office_web(config, book, clock=clock), base_url=BASE) as client:
            yield Desk(client, clock, tmp_path)
    finally:
        book.close()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    yield from _desk(tmp_path)


def staff_record(desk: Desk, staff_id: str) -> tuple[int, datetime | None]:
    book = open_school_book(make_config(desk))
    try:
        with book.reads() as session:
            record = staff_by_staff_id(session, staff_id)
            assert record is not None
            return record.failed_pin_attempts, record.locked_until
    finally:
        book.close()


def make_config(desk: Desk):  # type: ignore[no-untyped-def]
    from kiosk.config import load_config

    return load_config(desk.folder / "kiosk.toml").database


def test_sign_in_sets_a_strict_http_only_session_cookie(desk: Desk) -> None:
    answer = desk.sign_in("OF1", OFFICE_PIN)

    assert answer.status_code == 303  # type: ignore[attr-defined]
    cookie = answer.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "Amir Haddad" in desk.client.get("/").text


def test_a_tampered_cookie_signs_nobody_in(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)
    value = desk.client.cookies["kiosk_office"]
    desk.client.cookies.set("kiosk_office", value[:-4] + "AAAA")

    assert desk.client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_every_failed_sign_in_reads_the_same(desk: Desk) -> None:
    said = set()
    for staff_id, pin in (("NOBODY", OFFICE_PIN), ("OF1", "0000"), ("SC1", SCREENER_PIN)):
        answer = desk.sign_in(staff_id, pin)
        assert answer.status_code == 401  # type: ignore[attr-defined]
        said.add(re.search(r'role="alert">([^<]*)<', answer.text).group(1))  # type: ignore
    # An unknown id, a wrong PIN and a screener's right PIN cannot be told apart.
    assert said == {"Staff id or PIN not recognised, or not for the office."}


def test_a_screener_whose_roles_were_changed_outside_the_kiosk_is_not_let_in(desk: Desk) -> None:
    """Write access to the database file, no key: the screener's row given the DSL's roles."""
    from sqlalchemy import create_engine, text

    engine = create_engine(make_config(desk).url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE staff SET roles = 'dsl;office' WHERE staff_id = 'SC1'"))
    engine.dispose()
    answer = desk.sign_in("SC1", SCREENER_PIN)
    assert answer.status_code == 401  # type: ignore[attr-defined]
    assert "Safeguarding" not in desk.client.get("/").text


def test_five_wrong_pins_lock_the_web_sign_in_but_never_the_badge_at_the_door(
    desk: Desk,
) -> None:
    for _ in range(5):
        desk.sign_in("OF1", "0000")

    locked = desk.sign_in("OF1", OFFICE_PIN)

    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert "Too many tries. Try again in 1 minute(s)." in locked.text  # type: ignore
    assert staff_record(desk, "OF1") == (0, None)  # nothing written to the staff record
    book = open_school_book(make_config(desk))
    try:
        with book.reads() as session:
            record_id = staff_by_staff_id(session, "OF1").id  # type: ignore[union-attr]
        assert sign_on(book.sessions, record_id, OFFICE_PIN, at=NOW).accepted  # the door
    finally:
        book.close()
    desk.clock.now += timedelta(seconds=61)
    assert desk.sign_in("OF1", OFFICE_PIN).status_code == 303  # type: ignore[attr-defined]


def test_the_lock_backs_off_and_holds_per_address(desk: Desk) -> None:
    for _ in range(5):
        desk.sign_in("OF1", "0000")
    desk.clock.now += timedelta(seconds=61)
    for _ in range(5):
        desk.sign_in("OF1", "1111")
    # Ten wrong tries lock this address for any id; the staff id's second lock is twice
    # as long as its first.
    assert desk.sign_in("DS1", DSL_PIN).status_code == 429  # type: ignore[attr-defined]
    desk.clock.now += timedelta(seconds=61)
    assert desk.sign_in("OF1", OFFICE_PIN).status_code == 429  # type: ignore[attr-defined]
    assert desk.sign_in("DS1", DSL_PIN).status_code == 303  # type: ignore[attr-defined]
    desk.clock.now += timedelta(seconds=60)
    assert desk.sign_in("OF1", OFFICE_PIN).status_code == 303  # type: ignore[attr-defined]


def post_routes(desk: Desk) -> list[str]:
    app = desk.client.app
    return sorted(
        {
            route.path
            for route in app.routes  # type: ignore[attr-defined]
            if isinstance(route, Route) and "POST" in (route.methods or ())
        }
    )


def test_every_form_without_its_token_is_refused(desk: Desk) -> None:
    desk.sign_in("DS1", DSL_PIN)
    routes = post_routes(desk)
    assert {"/lists/phones/return", "/mis/send", "/sign-out", "/sign-in"} <= set(routes)

    for url in routes:
        answer = desk.post(url, {"id": "1"})
        assert answer.status_code == 403, url  # type: ignore[attr-defined]
    assert "Amir Haddad" in desk.client.get("/lists/phones").text  # still held, still signed in


def test_a_form_from_another_origin_is_refused_and_does_nothing(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)
    token = desk.token("/lists/phones")

    for origin in ("http://evil.example", None):
        answer = desk.post("/lists/phones/return", {"csrf": token, "id": "1"}, origin=origin)
        assert answer.status_code == 403  # type: ignore[attr-defined]
        assert "did not come from the office" in answer.text  # type: ignore[attr-defined]
    assert "slot 12" not in desk.client.get("/lists/phones").text
    done = desk.post("/lists/phones/return", {"csrf": token, "id": "1"})
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert "Handed back from slot 12." in desk.client.get("/lists/phones").text


def test_a_request_for_another_host_is_refused(desk: Desk) -> None:
    answer = desk.client.get("/sign-in", headers={"host": "evil.example"})

    assert answer.status_code == 400
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")


def test_office_staff_are_refused_search_detail_that_the_dsl_sees(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)
    for url in ("/lists/parents-not-told", "/lists/police",
                f"/downloads/searches?from={DAY}&to={DAY}"):  # fmt: skip
        assert desk.client.get(url).status_code == 403, url
    token = desk.token("/")
    for url, field in (("/lists/police/reference", "reference"),
                       ("/lists/parents-not-told/told", "how")):  # fmt: skip
        refused = desk.post(url, {"csrf": token, "id": "1", field: "x"})
        assert refused.status_code == 403, url  # type: ignore[attr-defined]
    assert "Searches" not in desk.client.get(f"/?day={DAY}").text
    messages = desk.client.get("/lists/messages").text
    assert "Search exception" not in messages and "police" not in messages.lower()
    assert messages.count("Not yet delivered to the DSL: tell them in person") == 2
    desk.post("/sign-out", {"csrf": desk.token("/")})

    desk.sign_in("DS1", DSL_PIN)
    assert "Blade seen; nobody else free" in desk.client.get(f"/?day={DAY}&show=searches").text
    assert "Amir Haddad" in desk.client.get(f"/lists/parents-not-told?from={DAY}&to={DAY}").text
    assert "Search exception used" in desk.client.get("/lists/messages").text


def test_a_browser_left_idle_is_signed_off(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)
    desk.clock.now += timedelta(seconds=100)
    assert desk.client.get("/").status_code == 200  # used within the idle time: still in
    desk.clock.now += timedelta(seconds=121)

    answer = desk.client.get("/")

    assert answer.url.path == "/sign-in"
    assert "Signed off after a while with no use." in answer.text


def rows_of(page: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]*)</th>', page)


def test_any_day_and_session_sorted_and_filtered(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)

    morning = desk.client.get(f"/?day={DAY}&session=AM").text
    afternoon = desk.client.get(f"/?day={DAY}&session=PM").text
    by_minutes = desk.client.get(f"/?day={DAY}&show=arrived&sort=minutes&desc=1").text
    year_8 = desk.client.get(f"/?day={DAY}&show=arrived&year=8").text
    named = desk.client.get(f"/?day={DAY}&show=arrived&q=zoe").text

    assert "Not in yet (1)" in morning and "Ola Nowak" not in rows_of(morning)
    assert rows_of(afternoon) == ["Ola Nowak"]
    assert rows_of(by_minutes)[0] == "Ben Late"
    assert rows_of(year_8) == ["Ben Late"] and "1 of 3 shown" in year_8
    assert rows_of(named) == [f"Zoe {FORMULA_SURNAME}"]


def test_the_lists_show_detentions_and_persistent_late_comers(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)

    detentions = desk.client.get(f"/lists/detentions?day={DAY}").text
    late_comers = desk.client.get(f"/lists/late-comers?to={DAY}&weeks=6&at_least=3").text
    fewer_weeks = desk.client.get(f"/lists/late-comers?to={DAY}&weeks=1&at_least=3").text

    assert rows_of(detentions) == ["Ben Late"]
    assert rows_of(late_comers) == ["Ben Late"] and ">3</td>" in late_comers
    assert rows_of(fewer_weeks) == []


def test_attendance_downloads_for_a_range_as_csv_and_excel(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)
    first = DAY - timedelta(weeks=2)

    answer = desk.client.get(f"/downloads/attendance?from={first}&to={DAY}&session=AM")
    workbook = desk.client.get(f"/downloads/attendance?from={DAY}&to={DAY}&format=xlsx")

    assert answer.headers["content-disposition"] == (
        f'attachment; filename="attendance-{first}-to-{DAY}.csv"'
    )
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == ATTENDANCE_HEADER
    # Only the days the register was taken: two Mondays before, and the day itself.
    assert sorted({row[4] for row in rows[1:]}) == [
        str(first),
        str(DAY - timedelta(weeks=1)),
        str(DAY),
    ]
    assert [row[2] for row in rows[1:] if row[0] == "A1002"][:1] == ["'" + FORMULA_SURNAME]
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}  # type: ignore[union-attr]
    zoe = cells["A1002"][2]
    assert zoe.value == FORMULA_SURNAME and zoe.data_type == "s"  # text, never a formula
    assert cells["A1005"][6].value == "O"


def test_the_dsl_downloads_the_search_log(desk: Desk) -> None:
    desk.sign_in("DS1", DSL_PIN)

    answer = desk.client.get(f"/downloads/searches?from={DAY}&to={DAY}")

    rows = list(csv.reader(io.StringIO(answer.text)))
    assert len(rows) == 2 and rows[1][4] == "Amir Haddad"


def test_send_now_delivers_the_messages(tmp_path: Path, mail_server: MailServer) -> None:
    mail_server.start()
    extra = (
        f'[notify]\nsmtp_host = "127.0.0.1"\nsmtp_port = {mail_server.port}\nstarttls = false\n'
        'sender = "kiosk@school.example"\nattendance = "att@school.example"\n'
        'dsl = "dsl@school.example"\n'
    )
    for desk in _desk(tmp_path, extra):
        desk.sign_in("OF1", OFFICE_PIN)
        before = desk.client.get("/lists/messages").text
        assert "Not admitted: Rae Refuser" in before

        desk.post("/lists/messages/send", {"csrf": desk.token("/lists/messages")})

        after = desk.client.get("/lists/messages").text
        assert "sent 3" in after and "Not admitted: Rae Refuser" not in after
        assert len(mail_server.inbox.messages) == 3


def test_the_office_refuses_a_network_address_without_a_proxy(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    config = write_config(tmp_path, PORT)
    config.write_text(
        config.read_text(encoding="utf-8").replace("127.0.0.1:", "0.0.0.0:"), encoding="utf-8"
    )

    with pytest.raises(KioskError, match="TLS reverse proxy"):
        cmd_office(argparse.Namespace(config=str(config)))


def audit_actions(desk: Desk) -> list[str]:
    from records.audit import AuditRecord

    book = open_school_book(make_config(desk))
    try:
        with book.reads() as session:
            return [a.action for a in session.query(AuditRecord).order_by(AuditRecord.id)]
    finally:
        book.close()


def test_phones_are_confiscated_and_collected_by_a_parent(desk: Desk) -> None:
    desk.sign_in("OF1", OFFICE_PIN)
    token = desk.token("/lists/phones")
    assert "Zoe" in desk.client.get("/lists/phones").text  # the learners to pick from

    desk.post("/lists/phones/confiscate",
              {"csrf": token, "learner": f"Zoe {FORMULA_SURNAME} (A1002)", "slot": "E7",
               "note": "on her phone in maths"})  # fmt: skip
    confiscated = desk.client.get("/lists/phones").text
    nobody = desk.post("/lists/phones/collected", {"csrf": token, "id": "2", "collected_by": " "})
    refused = desk.client.get("/lists/phones").text
    desk.post("/lists/phones/collected",
              {"csrf": token, "id": "2", "collected_by": "Mrs Okafor (mother)"})  # fmt: skip
    collected = desk.client.get("/lists/phones").text

    assert "Confiscated." in confiscated and "until the end of 2026-11-23" in confiscated
    assert "Collected by a parent: Zoe" in confiscated  # on her row alone
    assert "Collected by a parent: Amir" not in confiscated
    assert nobody.status_code == 303  # type: ignore[attr-defined]
    assert "Not recorded: Write the name of the parent or carer" in refused
    assert "Collected by Mrs Okafor (mother) from slot E7." in collected
    assert rows_of(collected) == ["Amir Haddad"]
    assert audit_actions(desk)[-2:] == ["phone.confiscated", "phone.collected_by_parent"]


def test_the_dsl_adds_a_police_reference_and_records_parents_told(desk: Desk) -> None:
    desk.sign_in("DS1", DSL_PIN)
    pending = desk.client.get("/lists/police").text
    item = re.search(r'name="id" value="(\d+)"', pending)
    assert item and rows_of(pending) == ["Amir Haddad"]
    assert "the officer will phone with a reference" in pending
    token = desk.token("/lists/police")

    desk.post("/lists/police/reference", {"csrf": token, "id": item.group(1), "reference": ""})
    empty = desk.client.get("/lists/police").text
    desk.post("/lists/police/reference",
              {"csrf": token, "id": item.group(1), "reference": "CAD 4411/23"})  # fmt: skip
    added = desk.client.get("/lists/police").text
    search = re.search(r'name="id" value="(\d+)"',
                       desk.client.get(f"/lists/parents-not-told?from={DAY}").text)  # fmt: skip
    assert search
    desk.post("/lists/parents-not-told/told",
              {"csrf": token, "id": search.group(1), "how": "phone, to his father"})  # fmt: skip
    told = desk.client.get(f"/lists/parents-not-told?from={DAY}").text
    log = desk.client.get(f"/downloads/searches?from={DAY}&to={DAY}").text

    assert "Not added: Write the reference the police gave." in empty
    assert "Police reference CAD 4411/23 added." in added and rows_of(added) == []
    assert "Recorded: the parents were told." in told and rows_of(told) == []
    row = next(csv.DictReader(io.StringIO(log)))
    assert "CAD 4411/23" in row["police_references"]
    assert row["parent_informed"] == "Y" and row["parent_informed_how"] == "phone, to his father"
    acts = [a for a in audit_actions(desk) if a != "search_log.read"]  # the reads: R35's test
    assert acts[-2:] == ["search.police_reference_added", "search.parents_told"]


def test_mis_send_now_runs_a_round_and_says_what_it_did(tmp_path: Path) -> None:
    """No MIS answers at its address: the round fails (to be tried again), the page says so
    and stays up."""
    tmp_path.chmod(0o700)
    token = tmp_path / "mis-token"
    token.write_text('token = "secret-token"\n', encoding="utf-8")
    token.chmod(0o600)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    extra = (
        f'[mis]\nprovider = "wonde"\nbase_url = "http://127.0.0.1:{closed}"\n'
        f'school_id = "A1930499544"\ncredentials_file = "{token}"\ntimeout_seconds = 2\n'
    )
    for desk in _desk(tmp_path, extra):
        desk.sign_in("OF1", OFFICE_PIN)
        before = desk.client.get("/mis").text
        sent = desk.post("/mis/send", {"csrf": desk.token("/mis")})
        after = desk.client.get("/mis").text

        assert "Send now" in before
        assert sent.status_code == 303  # type: ignore[attr-defined]
        flash = re.findall(r'class="flash"[^>]*>([^<]*)<', after)
        assert len(flash) == 1 and "cannot connect" in flash[0]
        assert "tried again next round" in flash[0]
        assert "MIS: marks sent and waiting" in after and "Amir Haddad (A1001)" in rows_of(after)


def _search_log_reads(desk: Desk) -> list[tuple[str | None, datetime, dict[str, object]]]:
    import json

    from sqlalchemy import select

    from kiosk.exports import SEARCH_LOG_READ
    from records.audit import AuditRecord

    book = open_school_book(make_config(desk))
    try:
        with book.reads() as session:
            found = session.scalars(
                select(AuditRecord).where(AuditRecord.action == SEARCH_LOG_READ)
                .order_by(AuditRecord.id)
            ).all()  # fmt: skip
            return [(e.actor_staff_id, e.at, json.loads(e.detail)) for e in found]
    finally:
        book.close()


def test_r35_every_view_and_download_of_the_search_log_is_recorded(desk: Desk) -> None:
    """R35: each search page the DSL opens and each search-log download names who, when and
    the days read; pages that show no search are not recorded."""
    desk.sign_in("DS1", DSL_PIN)
    desk.client.get(f"/?day={DAY}")  # the day's arrivals: no search shown
    assert _search_log_reads(desk) == []

    assert "Blade seen" in desk.client.get(f"/?day={DAY}&show=searches").text
    desk.client.get(f"/lists/parents-not-told?from={DAY}&to={DAY}")
    desk.client.get("/lists/police")
    desk.clock.now = NOW + timedelta(minutes=1)
    answer = desk.client.get(f"/downloads/searches?from=2026-11-01&to={DAY}&format=xlsx")
    assert answer.headers["content-disposition"].endswith('.xlsx"')

    reads = _search_log_reads(desk)
    assert [who for who, _, _ in reads] == ["DS1"] * 4
    assert [(d["from"], d["to"]) for _, _, d in reads] == [
        (str(DAY), str(DAY)), (str(DAY), str(DAY)), ("", ""), ("2026-11-01", str(DAY)),
    ]  # fmt: skip
    assert "download" in str(reads[3][2]["where"]) and reads[3][2]["rows"] == 1
    assert reads[3][1] == NOW + timedelta(minutes=1)


def test_r35_the_search_log_refused_to_office_staff_leaves_no_read(desk: Desk) -> None:
    """R35: a refused request reads nothing and records nothing."""
    desk.sign_in("OF1", OFFICE_PIN)
    assert desk.client.get(f"/downloads/searches?from={DAY}&to={DAY}").status_code == 403
    desk.client.get(f"/?day={DAY}&show=searches")
    assert _search_log_reads(desk) == []


def test_r27_the_late_comers_list_follows_the_policy_in_the_config(desk: Desk) -> None:
    """R27: with no choice on the page, the list uses `[policy] late_comers_weeks` and
    `late_comers_at_least`, and says what the policy is."""
    from dataclasses import replace

    office = desk.client.app.state.office  # type: ignore[attr-defined]
    desk.sign_in("OF1", OFFICE_PIN)
    by_default = desk.client.get(f"/lists/late-comers?to={DAY}").text
    office.config = replace(
        office.config, policy=replace(office.config.policy, late_comers_weeks=1)
    )
    one_week = desk.client.get(f"/lists/late-comers?to={DAY}").text
    office.config = replace(
        office.config, policy=replace(office.config.policy, late_comers_weeks=6,
                                      late_comers_at_least=4)
    )  # fmt: skip
    four = desk.client.get(f"/lists/late-comers?to={DAY}").text

    assert rows_of(by_default) == ["Ben Late"] and "3 or more in 6 weeks" in by_default
    assert rows_of(one_week) == [] and "3 or more in 1 weeks" in one_week
    assert rows_of(four) == [] and "4 or more late marks in the 6 weeks" in four


def test_r26_the_days_detentions_download_as_csv_and_excel_and_never_run(desk: Desk) -> None:
    """R26: the session's late detentions as a download, a formula in a name kept as text."""
    from sqlalchemy import select, update

    from records.models import LearnerRecord, SessionMarkRecord

    book = open_school_book(make_config(desk))
    try:  # Zoe (whose surname is a formula) was given a detention too
        with book.sessions.begin() as session:
            zoe = session.scalars(select(LearnerRecord.id).where(LearnerRecord.mis_id == "A1002"))
            session.execute(
                update(SessionMarkRecord)
                .where(SessionMarkRecord.learner_id == zoe.one(), SessionMarkRecord.date == DAY)
                .values(late_detention=True, late_reason="=cmd|'/c calc'!A1")
            )  # fmt: skip
    finally:
        book.close()
    desk.sign_in("OF1", OFFICE_PIN)
    assert "/downloads/detentions" in desk.client.get("/downloads").text

    answer = desk.client.get(f"/downloads/detentions?day={DAY}&session=AM")
    workbook = desk.client.get(f"/downloads/detentions?day={DAY}&session=AM&format=xlsx")
    other_day = desk.client.get(f"/downloads/detentions?day={DAY - timedelta(days=1)}")

    assert 'filename="detentions-2026-11-23-AM.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    by_id = {row["mis_id"]: row for row in rows}
    assert by_id.keys() == {"A1002", "A1004"} and by_id["A1004"]["name"] == "Ben Late"
    assert by_id["A1004"]["date"] == str(DAY) and by_id["A1004"]["session"] == "AM"
    assert not by_id["A1002"]["name"].startswith("=")
    assert not by_id["A1002"]["reason"].startswith("=")
    cells = list(load_workbook(io.BytesIO(workbook.content)).active.iter_rows())
    assert all(c.data_type == "s" for row in cells for c in row if c.value is not None)
    assert list(csv.reader(io.StringIO(other_day.text))) == [list(DETENTION_HEADER)]


def _in_book(desk: Desk, job) -> None:  # type: ignore[no-untyped-def]
    from kiosk.config import load_config

    config = load_config(desk.folder / "kiosk.toml")
    book = open_school_book(config.database)
    try:
        with book.sessions.begin() as session:
            job(session, config)
    finally:
        book.close()


def test_r7_searchers_whose_training_is_not_up_to_date_are_listed_for_the_office(
    desk: Desk,
) -> None:
    """R7: the office's "Searchers' training" lists each authorised searcher, the one past
    their training (or with no date) first, with the school's policy said."""
    from datetime import date

    from records.models import StaffRecord

    def searchers(session, config) -> None:  # type: ignore[no-untyped-def]
        session.add(StaffRecord(staff_id="SR2", surname="Current", forename="Cara", sex="F",
                                roles="searcher", search_trained_on=date(2026, 9, 1),
                                created_at=NOW, updated_at=NOW))  # fmt: skip
        lead = staff_by_staff_id(session, "DS1")
        assert lead is not None
        lead.search_trained_on = date(2025, 10, 1)

    _in_book(desk, searchers)
    desk.sign_in("OF1", OFFICE_PIN)
    page = desk.client.get("/lists/training").text
    assert "Searchers&#39; training" in page or "Searchers' training" in page
    assert rows_of(page) == ["Sam Lead", "Cara Current"]  # not up to date first
    assert "2026-10-01" in page and "lapsed" in page and "up to date" in page
    assert "12 months" in page and "still search, warned" in page
    # Office and screening staff are not searchers: not listed.


def test_r28_a_learner_not_admitted_under_the_influence_is_collected_from_the_office_list(
    desk: Desk,
) -> None:
    """R28: the office lists learners not admitted under the influence until a parent or
    carer collects them; the collection is recorded (who, when, by whom) and audited."""
    from kiosk.domain.attendance import RefusalKind
    from kiosk.door.arrivals import refuse
    from records.models import LearnerRecord, RefusalRecord

    def not_admitted(session, config) -> None:  # type: ignore[no-untyped-def]
        learner = LearnerRecord(mis_id="A1006", surname="Unsteady", forename="Uma", sex="F",
                                reg_group="9C", created_at=NOW, updated_at=NOW)  # fmt: skip
        session.add(learner)
        session.flush()
        refuse(session, learner.id, at=NOW.replace(hour=8, minute=45),
               kind=RefusalKind.INFLUENCE, school=config.school, by=None)  # fmt: skip

    _in_book(desk, not_admitted)
    desk.sign_in("OF1", OFFICE_PIN)
    waiting = desk.client.get("/lists/collection").text
    assert rows_of(waiting) == ["Unsteady, Uma"] and "08:45" in waiting
    refusal = re.search(r'name="id" value="(\d+)"', waiting)
    assert refusal
    token = desk.token("/lists/collection")
    collector = {"collected_by": "Mr Unsteady, father"}
    desk.post("/lists/collection/collected", {"csrf": token, "id": refusal.group(1), **collector})
    done = desk.client.get("/lists/collection").text
    assert "Uma Unsteady collected by Mr Unsteady, father at 14:00." in done
    assert rows_of(done) == []
    found: list[tuple[str, object, str]] = []
    _in_book(desk, lambda s, c: found.extend(
        (r.collected_by, r.collected_at, r.collected_recorded_by.staff_id)
        for r in s.query(RefusalRecord).filter_by(kind="influence")
    ))  # fmt: skip
    assert found == [("Mr Unsteady, father", NOW, "OF1")]
    assert audit_actions(desk)[-1] == "learner.collected_by_parent"
