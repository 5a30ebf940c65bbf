"""Local stand-ins for Wonde, Arbor and SIMS: check each request against the vendor's shapes.

Each runs on 127.0.0.1, port 0, in a thread. A request that breaks the shape the adapter was
built from is answered 400 and remembered in `broken`, so a test fails on it. Faults are
queued per method and played before the normal reply: any status with headers and a body,
or "timeout" (no reply until the test ends).
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "wonde-token-s3cr3t-7f2c"
USERNAME = "kiosk-app"
PASSWORD = "arbor-pa55word-9d1e"
CODES = {"/": "AC1", "\\": "AC2", "L": "AC3", "U": "AC4", "O": "AC5", "N": "AC6", "M": "AC7"}


@dataclass
class Fault:
    method: str
    status: int | str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    # Handle the request normally, then answer with this fault (the write landed, the reply
    # was lost on the way back).
    after_handling: bool = False


class FakeMis:
    """Common to the three: requests seen, faults, the marks held per student and session."""

    prefix = ""

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

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        raise NotImplementedError

    def bad(self, why: str) -> tuple[int, Any]:
        self.broken.append(why)
        return 400, {"error": why}


class Wonde(FakeMis):
    school = "A1930499544"

    def authorised(self, header: str) -> bool:
        return header == f"Bearer {TOKEN}"

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        root = f"/v1.0/schools/{self.school}"
        if method == "GET" and path == f"{root}/students":
            includes = set((query.get("include") or [""])[0].split(","))
            if "education_details" not in includes:
                return self.bad("students read without include=education_details (no UPNs)")
            page = int((query.get("page") or ["1"])[0])
            ids = sorted(self.students)
            chunk = ids[(page - 1) * 2 : page * 2]
            more = page * 2 < len(ids)
            following = None
            if more:
                wanted = ",".join(sorted(includes))
                following = f"{self.base_url}{root}/students?include={wanted}&page={page + 1}"
            return 200, {
                "data": [self.students[i] for i in chunk],
                "meta": {"pagination": {"next": following, "previous": None, "more": more}},
            }
        if method == "GET" and path == f"{root}/attendance-codes":
            return 200, {
                "data": [{"id": v, "code": k, "description": k} for k, v in CODES.items()],
                "meta": {"pagination": {"next": None, "more": False}},
            }
        if method == "GET" and path == f"{root}/attendance/session":
            day, session = query.get("date", [""])[0], query.get("session", [""])[0]
            data = [
                {
                    "student": {"data": {"id": student}},
                    "date": {"date": f"{d} 00:00:00.000000", "timezone": "UTC"},
                    "session": s,
                    "attendance_code": {"data": {"code": mark["code"]}},
                    "minutes_late": mark.get("minutes_late"),
                    "comment": mark.get("comment"),
                }
                for (student, d, s), mark in self.held.items()
                if d == day and s == session
            ]
            return 200, {"data": data, "meta": {"pagination": {"next": None, "more": False}}}
        if method == "POST" and path == f"{root}/attendance/session":
            if not isinstance(body, dict) or set(body) != {"attendance"}:
                return self.bad(f"body is not {{'attendance': [...]}}: {body!r}")
            allowed = {
                "student_id",
                "date",
                "session",
                "attendance_code_id",
                "comment",
                "minutes_late",
            }
            by_id = {v: k for k, v in CODES.items()}
            for record in body["attendance"]:
                if set(record) - allowed or not {
                    "student_id",
                    "date",
                    "session",
                    "attendance_code_id",
                } <= set(record):
                    return self.bad(f"attendance record of the wrong shape: {record!r}")
                if record["session"] not in ("AM", "PM"):
                    return self.bad(f"session must be AM or PM: {record!r}")
                if record["student_id"] not in {s["id"] for s in self.students.values()}:
                    return 404, {"error": "student not found"}
                if record["attendance_code_id"] not in by_id:
                    return 422, {"errors": {"attendance_code_id": ["invalid"]}}
            for record in body["attendance"]:
                self.held[(record["student_id"], record["date"], record["session"])] = {
                    "code": by_id[record["attendance_code_id"]],
                    "minutes_late": record.get("minutes_late"),
                    "comment": record.get("comment"),
                }
            return 200, {"writeback_id": f"W{len(self.writes())}"}
        return 404, {"error": f"no route {method} {path}"}


class Arbor(FakeMis):
    resource = "/rest-v2/attendance-roll-call-registrations"

    def authorised(self, header: str) -> bool:
        pair = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        return header == f"Basic {pair}"

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if method == "GET" and path == self.resource:
            key = (
                query.get("filters.student.id.equals", [""])[0],
                query.get("filters.rollCallDate.equals", [""])[0],
                query.get("filters.session.equals", [""])[0],
            )
            found = self.held.get(key)
            items = []
            if found:
                items = [
                    {
                        "entityType": "AttendanceRollCallRegistration",
                        "attendanceMark": {"entityType": "AttendanceMark", "code": found["code"]},
                        "minutesLate": found["minutes_late"],
                        "note": found["comment"],
                    }
                ]
            return 200, {"attendanceRollCallRegistrations": items}
        if method == "POST" and path == self.resource:
            try:
                record = body["request"]["attendanceRollCallRegistration"]
            except (KeyError, TypeError):
                return self.bad(f"not a request.attendanceRollCallRegistration body: {body!r}")
            need = {"student", "attendanceMark", "rollCallDate", "session", "minutesLate", "note"}
            if set(record) != need or record["student"].get("entityType") != "Student":
                return self.bad(f"registration of the wrong shape: {record!r}")
            student = str(record["student"]["id"])
            if student not in self.students:
                return 404, {"response": {"code": 404, "reason": "Not Found"}}
            if record["attendanceMark"].get("code") not in CODES:
                return 422, {"response": {"code": 422, "errors": [{"message": "bad mark"}]}}
            self.held[(student, record["rollCallDate"], record["session"])] = {
                "code": record["attendanceMark"]["code"],
                "minutes_late": record["minutesLate"],
                "comment": record["note"],
            }
            return 201, {"attendanceRollCallRegistration": {**record, "id": len(self.held)}}
        return 404, {"response": {"code": 404}}


class Sims(FakeMis):
    def authorised(self, header: str) -> bool:
        return Arbor.authorised(self, header)  # type: ignore[arg-type]

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if path != "/partner/SessionAttendance":
            return 404, {"error": "no route"}
        if method == "GET":
            key = tuple(
                query.get(k, [""])[0] for k in ("PersonID", "AttendanceDate", "SessionName")
            )
            found = self.held.get(key)  # type: ignore[arg-type]
            items = []
            if found:
                items = [
                    {
                        "PersonID": key[0],
                        "AttendanceDate": key[1],
                        "SessionName": key[2],
                        "AttendanceMark": found["code"],
                        "MinsLate": found["minutes_late"],
                        "Comments": found["comment"],
                    }
                ]
            return 200, {"SessionAttendance": items}
        need = {
            "PersonID",
            "AttendanceDate",
            "SessionName",
            "AttendanceMark",
            "Comments",
            "MinsLate",
        }
        if not isinstance(body, dict) or not all(
            set(r) == need for r in body.get("SessionAttendance", [None])
        ):
            return self.bad(f"not SessionAttendance records: {body!r}")
        for record in body["SessionAttendance"]:
            if record["PersonID"] not in self.students:
                return 404, {"error": f"no person {record['PersonID']}"}
            self.held[(record["PersonID"], record["AttendanceDate"], record["SessionName"])] = {
                "code": record["AttendanceMark"],
                "minutes_late": record["MinsLate"],
                "comment": record["Comments"],
            }
        return 200, {"written": len(body["SessionAttendance"])}


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
        fault = next((f for f in fake.faults if f.method == method), None)
        if fault is not None:
            fake.faults.remove(fault)
        if not fake.authorised(self.headers.get("Authorization", "")):
            return self._reply(401, {}, {"error": "Unauthenticated."})
        if fault is not None and not fault.after_handling:
            return self._play(fault)
        status, reply = fake.handle(method, parts.path, query, body)
        if fault is not None:
            return self._play(fault)
        self._reply(status, {}, reply)

    def _play(self, fault: Fault) -> None:
        if fault.status == "timeout":
            self.server.fake.release.wait(5)
            return
        assert isinstance(fault.status, int)
        self._reply(fault.status, fault.headers, fault.body)

    def _reply(self, status: int, headers: dict[str, str], body: Any) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
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
