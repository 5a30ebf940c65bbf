"""Local stand-ins for Wonde and Arbor, built from what each vendor publishes.

The shapes come from the recorded examples in tests/mis/fixtures/ (each names its public
source), never from the kiosk's adapters: a request outside them is refused the way the
vendor refuses it (Wonde: 422 with the record; Arbor: `response.code` in the body, here under
an HTTP 200 as Arbor's SDK allows) and remembered in `broken`, so a test fails on it. Each
runs on 127.0.0.1, port 0, in a thread. Faults are queued per method and played before the
normal reply: any status with headers and a body, raw bytes (a proxy's HTML page, a huge
reply), or "timeout" (no reply until the test ends).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "wonde-token-s3cr3t-7f2c"
USERNAME = "kiosk-app"
PASSWORD = "arbor-pa55word-9d1e"


def fixture(name: str) -> dict[str, Any]:
    """A recorded example; its `source` names where the shape is published."""
    found: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert found.get("source"), f"{name}.json names no source"
    return found


def _mark_keys(name: str) -> set[str]:
    keys: set[str] = set()
    for record in fixture(name)["body"]["request"]["marks"]:
        keys |= set(record)
    return keys


# Wonde's published record: the PHP client's keys plus employee_id (both clients).
WONDE_RECORD_KEYS = {
    *fixture("wonde_session_register_request")["body"]["attendance"][0],
    *fixture("wonde_session_register_request_dotnet")["body"]["attendance"][0],
    "employee_id",
}
WONDE_REQUIRED = {"date", "session", "student_id", "attendance_code_id"}
ARBOR_ROLL_CALL_KEYS = _mark_keys("arbor_roll_call_request")
ARBOR_REGISTRATION_KEYS = _mark_keys("arbor_registration_request") | {"includeExtraMarks"}
ARBOR_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The school's codes in Wonde: the DfE letter and Wonde's id for it (several MIS add more).
WONDE_CODES = {
    "/": "AC1",
    "\\": "AC2",
    "L": "AC3",
    "U": "AC4",
    "O": "AC5",
    "N": "AC6",
    "M": "AC7",
}
# The school's marks in Arbor: its own mark id and the DfE code each carries.
ARBOR_MARKS = {
    "PRESENT_AM": "/",
    "PRESENT_PM": "\\",
    "LATE": "L",
    "LATE_AFTER_CLOSE": "U",
    "UNAUTHORISED_OTHER": "O",
    "NO_REASON_YET": "N",
    "MEDICAL": "M",
}


@dataclass
class Fault:
    method: str
    status: int | str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    # Raw bytes sent as they are (a proxy's page, a reply too large to be one the vendor sends).
    raw: bytes | None = None
    content_type: str = "application/json"
    # Handle the request normally, then answer with this fault (the write landed, the reply
    # was lost on the way back).
    after_handling: bool = False
    # Only for requests whose path ends so; "" for any.
    path_ends: str = ""


class FakeMis:
    """Common to both: requests seen, faults, the marks held per student and session."""

    def __init__(self, students: dict[str, dict[str, Any]]) -> None:
        self.students = students
        self.held: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]], Any]] = []
        self.broken: list[str] = []
        self.faults: list[Fault] = []
        self.release = threading.Event()
        self.base_url = ""

    def writes(self) -> list[Any]:
        return [body for method, _, _, body in self.requests if method == "POST"]

    def fail_next(self, method: str, status: int | str, **kwargs: Any) -> None:
        self.faults.append(Fault(method, status, **kwargs))

    def authorised(self, header: str) -> bool:
        raise NotImplementedError

    def unauthorised(self) -> tuple[int, Any]:
        return 401, {"error": "Unauthenticated."}

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        raise NotImplementedError


class Wonde(FakeMis):
    school = "A1930499544"

    def __init__(self, students: dict[str, dict[str, Any]]) -> None:
        super().__init__(students)
        self.codes = dict(WONDE_CODES)
        # Read-back items given as they are, for shapes the kiosk must not misread.
        self.raw_session_items: list[dict[str, Any]] = []
        self.writeback_ids: list[str] = []
        # A broken server whose students page names itself as the next page, for ever.
        self.loop_pages = False

    def authorised(self, header: str) -> bool:
        # Bearer is preferred; the PHP client sends Basic with the token as the user name.
        basic = base64.b64encode(f"{TOKEN}:".encode()).decode()
        return header in (f"Bearer {TOKEN}", f"Basic {basic}")

    def _invalid(self, why: str, record: Any) -> tuple[int, Any]:
        self.broken.append(why)
        return 422, {"errors": {"attendance": [why]}, "record": record}

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        root = f"/v1.0/schools/{self.school}"
        if not path.startswith("/v1.0/schools/") and path != "/v1.0/attendance-codes":
            return 404, {"error": "Not found"}
        if path.rstrip("/") == root and method == "GET":
            return 200, fixture("wonde_school")["body"]
        if method == "GET" and path == f"{root}/students":
            return 200, self._students_page(root, query)
        if method == "GET" and path.rstrip("/") == f"{root}/attendance-codes":
            data = [{"id": v, "code": k, "description": k} for k, v in self.codes.items()]
            return 200, {"data": data, "meta": {"pagination": {"next": None, "more": False}}}
        if method == "GET" and path.rstrip("/") == f"{root}/attendance/session":
            return 200, {"data": self._session_items(query), "meta": {"pagination": {"next": None}}}
        if method == "POST" and path.rstrip("/") == f"{root}/attendance/session":
            return self._write(body)
        return 404, {"error": f"Not found: {path}"}

    def _students_page(self, root: str, query: dict[str, list[str]]) -> dict[str, Any]:
        includes = set((query.get("include") or [""])[0].split(","))
        page = int((query.get("page") or ["1"])[0])
        ids = sorted(self.students)
        chunk = ids[(page - 1) * 2 : page * 2]
        more = page * 2 < len(ids)
        following = None
        if more:
            wanted = ",".join(sorted(includes))
            following = f"{self.base_url}{root}/students?include={wanted}&page={page + 1}"
        if self.loop_pages:
            following = f"{self.base_url}{root}/students?page=1"
        data = []
        for mis_id in chunk:
            student = dict(self.students[mis_id])
            for relation in ("education_details", "extended_details", "year", "registration"):
                if relation not in includes:
                    # Without include= Wonde leaves the relation out.
                    student.pop(relation, None)
            data.append(student)
        return {"data": data, "meta": {"pagination": {"next": following, "more": more}}}

    def _session_items(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        included = "attendance_code" in (query.get("include") or [""])[0].split(",")
        items = []
        for (student, day, session), mark in self.held.items():
            code_id = self.codes[mark["code"]]
            items.append(
                {
                    "id": f"S{len(items) + 1}",
                    "student": student,
                    "date": {
                        "date": f"{day} 00:00:00.000000",
                        "timezone_type": 3,
                        "timezone": "UTC",
                    },
                    "session": session,
                    "attendance_code": {"data": {"id": code_id, "code": mark["code"]}}
                    if included
                    else code_id,
                    "comment": mark.get("comment"),
                    "minutes_late": mark.get("minutes_late"),
                }
            )
        return items + self.raw_session_items

    def _write(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or set(body) != {"attendance"}:
            return self._invalid(f"body is not {{'attendance': [...]}}: {body!r}", body)
        records = body["attendance"]
        if not isinstance(records, list) or not records:
            return self._invalid("attendance is not a list of records", body)
        student_ids = {s["id"] for s in self.students.values()}
        by_id = {v: k for k, v in self.codes.items()}
        for record in records:
            if not isinstance(record, dict):
                return self._invalid(f"not a record: {record!r}", record)
            extra = set(record) - WONDE_RECORD_KEYS
            missing = {k for k in WONDE_REQUIRED if not record.get(k)}
            if extra or missing:
                return self._invalid(f"unpublished {extra} or missing {missing}", record)
            if not isinstance(record["date"], str) or not DAY.match(record["date"]):
                return self._invalid(f"date is not YYYY-MM-DD: {record['date']!r}", record)
            if record["session"] not in ("AM", "PM"):
                return self._invalid(f"session is not AM or PM: {record['session']!r}", record)
            if record.get("comment") is not None and not isinstance(record["comment"], str):
                return self._invalid(f"comment is not text: {record['comment']!r}", record)
            late = record.get("minutes_late")
            if late is not None and (isinstance(late, bool) or not isinstance(late, int)):
                return self._invalid(f"minutes_late is not a number: {late!r}", record)
            if record["student_id"] not in student_ids:
                # Not a broken request: Wonde's validation names the unknown student.
                return 422, {"errors": {"student_id": ["not found"]}, "record": record}
            if record["attendance_code_id"] not in by_id:
                return 422, {"errors": {"attendance_code_id": ["invalid"]}, "record": record}
        for record in records:
            self.held[(record["student_id"], record["date"], record["session"])] = {
                "code": by_id[record["attendance_code_id"]],
                "minutes_late": record.get("minutes_late"),
                "comment": record.get("comment"),
            }
        receipt = f"WB{len(self.writeback_ids) + 1}"
        self.writeback_ids.append(receipt)
        return 200, {"writeback_id": receipt}


class Arbor(FakeMis):
    def __init__(self, students: dict[str, dict[str, Any]]) -> None:
        super().__init__(students)
        self.marks = dict(ARBOR_MARKS)
        # A listing may give each record's reference alone; the record itself has the code.
        self.brief_listings = False
        # (student id, rollCallDateTime or sessionStartTime) -> what was written
        self.registered: dict[tuple[str, str], dict[str, Any]] = {}

    def authorised(self, header: str) -> bool:
        pair = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        return header == f"Basic {pair}"

    def unauthorised(self) -> tuple[int, Any]:
        return 401, {"response": {"code": 401, "reason": "Unauthorized"}}

    def _refuse(self, why: str, code: int = 422) -> tuple[int, Any]:
        self.broken.append(why)
        error = {"exception": "ValidationException", "message": why, "trace": ""}
        return 200, {
            "response": {"code": code, "reason": "Unprocessable Entity", "errors": [error]}
        }

    @staticmethod
    def _not_found() -> tuple[int, Any]:
        return 404, {"response": {"code": 404, "reason": "Not Found"}}

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if method == "GET" and path == "/rest-v2/attendance-marks":
            items = [
                {"entityType": "AttendanceMark", "href": f"/rest-v2/attendance-marks/{mark_id}"}
                | ({} if self.brief_listings else {"code": code})
                for mark_id, code in self.marks.items()
            ]
            return 200, {"attendanceMarks": self._page(items, query)}
        if method == "GET" and path.startswith("/rest-v2/attendance-marks/"):
            mark_id = path.rsplit("/", 1)[-1]
            if mark_id not in self.marks:
                return self._not_found()
            return 200, {
                "attendanceMark": {
                    "entityType": "AttendanceMark",
                    "href": path,
                    "code": self.marks[mark_id],
                }
            }
        if method == "GET" and path == "/rest-v2/students":
            items = [
                {"entityType": "Student", "href": f"/rest-v2/students/{student_id}"}
                for student_id in sorted(self.students)
            ]
            return 200, {"students": self._page(items, query)}
        if method == "GET" and path.startswith("/rest-v2/students/"):
            student_id = path.rsplit("/", 1)[-1]
            if student_id not in self.students:
                return self._not_found()
            return 200, {"student": {"entityType": "Student", "href": path, "id": int(student_id)}}
        if method == "POST" and path == "/rest-v2/attendance-roll-call-registration":
            return self._register(body, ARBOR_ROLL_CALL_KEYS, "rollCallDateTime")
        if method == "POST" and path == "/rest-v2/attendance-registration":
            return self._register(body, ARBOR_REGISTRATION_KEYS, "sessionStartTime")
        return self._not_found()

    @staticmethod
    def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
        size = int((query.get("page-size") or ["50"])[0])
        number = int((query.get("page-number") or ["1"])[0])
        return items[(number - 1) * size : number * size]

    def _reference(self, value: Any, entity: str, prefix: str) -> str | None:
        if (
            not isinstance(value, dict)
            or set(value) != {"entityType", "href"}
            or value["entityType"] != entity
            or not isinstance(value["href"], str)
            or not value["href"].startswith(prefix)
        ):
            return None
        return str(value["href"][len(prefix) :])

    def _register(self, body: Any, allowed: set[str], when: str) -> tuple[int, Any]:
        marks = body.get("request", {}).get("marks") if isinstance(body, dict) else None
        if not isinstance(body, dict) or set(body) != {"request"} or not isinstance(marks, list):
            return self._refuse(f"not a request.marks body: {body!r}", 400)
        for mark in marks:
            if not isinstance(mark, dict) or set(mark) - allowed:
                return self._refuse(f"unpublished field(s) {set(mark) - allowed}", 400)
            student = self._reference(mark.get("student"), "Student", "/rest-v2/students/")
            mark_id = self._reference(
                mark.get("attendanceMark"), "AttendanceMark", "/rest-v2/attendance-marks/"
            )
            at = mark.get(when)
            late = mark.get("minutesLate")
            if student is None or mark_id is None:
                return self._refuse(f"student and attendanceMark are not references: {mark!r}")
            if not isinstance(at, str) or not ARBOR_DATETIME.match(at):
                return self._refuse(f"{when} is not 'YYYY-MM-DD HH:MM:SS': {at!r}")
            if late is not None and (isinstance(late, bool) or not isinstance(late, int)):
                return self._refuse(f"minutesLate is not a whole number: {late!r}")
            if student not in self.students:
                return 200, {"response": {"code": 404, "reason": f"Student {student} not found"}}
            if mark_id not in self.marks:
                return self._refuse(f"no attendance mark {mark_id}")
        for mark in marks:
            student = str(mark["student"]["href"]).rsplit("/", 1)[-1]
            mark_id = str(mark["attendanceMark"]["href"]).rsplit("/", 1)[-1]
            self.registered[(student, mark[when])] = {
                "code": self.marks[mark_id],
                "minutes_late": mark.get("minutesLate"),
                "note": mark.get("note"),
            }
        return 200, {"response": {"code": 200, "reason": "OK"}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        if method == "POST" and self.headers.get("Content-Type") != "application/json":
            fake.broken.append(f"POST without Content-Type: application/json: {self.path}")
        fake.requests.append((method, parts.path, query, body))
        fault = next(
            (f for f in fake.faults if f.method == method and parts.path.endswith(f.path_ends)),
            None,
        )
        if fault is not None:
            fake.faults.remove(fault)
        if not fake.authorised(self.headers.get("Authorization", "")):
            return self._reply(*fake.unauthorised(), {})
        if fault is not None and not fault.after_handling:
            return self._play(fault)
        status, reply = fake.handle(method, parts.path, query, body)
        if fault is not None:
            return self._play(fault)
        self._reply(status, reply, {})

    def _play(self, fault: Fault) -> None:
        if fault.status == "timeout":
            self.server.fake.release.wait(5)
            return
        assert isinstance(fault.status, int)
        self._reply(fault.status, fault.body, fault.headers, fault.raw, fault.content_type)

    def _reply(
        self,
        status: int,
        body: Any,
        headers: dict[str, str],
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> None:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeMis


def serve(fake: FakeMis) -> tuple[_Server, threading.Thread]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-mis", daemon=True)
    thread.start()
    return server, thread
