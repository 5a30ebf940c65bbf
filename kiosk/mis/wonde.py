"""Wonde: session marks through its attendance write-back, learners from its students endpoint.

Built from Wonde's published API documentation and its PHP client (bearer token; pagination
by `meta.pagination.next`; `POST schools/{id}/attendance/session` with an `attendance` list;
a 422 is a validation error). Read-back filters and some field names are assumed; docs/mis.md
says which.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from kiosk.mis.http import JsonHttp
from kiosk.mis.provider import (
    HeldMark,
    MarkToSend,
    MisRejected,
    MisUnknownStudent,
    RosterEntry,
)

DEFAULT_BASE_URL = "https://api.wonde.com/v1.0"
PAGE_SIZE = "200"
# Wonde's SEN statuses: K (SEN support), E (EHC plan), S (statement); N or blank: none.
_SEN_YES = frozenset({"K", "E", "S"})


class Wonde:
    name = "wonde"

    def __init__(self, http: JsonHttp, school_id: str) -> None:
        self._http = http
        self._school = f"schools/{school_id}"
        self._students: dict[str, str] | None = None
        self._code_ids: dict[str, str] | None = None
        self._held: dict[tuple[date, str], dict[str, HeldMark]] = {}

    # --- reading --------------------------------------------------------------------------

    def _pages(self, path: str, query: dict[str, str]) -> Iterator[dict[str, Any]]:
        reply = self._http.get(path, {**query, "per_page": PAGE_SIZE})
        while True:
            body = reply.body if isinstance(reply.body, dict) else {}
            for item in body.get("data") or []:
                if isinstance(item, dict):
                    yield item
            following = _dig(body, "meta", "pagination", "next")
            if not isinstance(following, str) or not following:
                return
            reply = self._http.get(following)

    def _student_ids(self) -> dict[str, str]:
        """Our MIS id (and UPN) to Wonde's student id, read once per run."""
        if self._students is None:
            found: dict[str, str] = {}
            for student in self._pages(
                f"{self._school}/students", {"include": "education_details"}
            ):
                wonde_id = str(student.get("id") or "")
                if not wonde_id:
                    continue
                if student.get("mis_id"):
                    found[str(student["mis_id"])] = wonde_id
                upn = _upn(student)
                if upn:
                    found.setdefault(f"upn:{upn}", wonde_id)
            self._students = found
        return self._students

    def _student(self, mark: MarkToSend) -> str:
        ids = self._student_ids()
        wonde_id = ids.get(mark.mis_id) or (ids.get(f"upn:{mark.upn}") if mark.upn else None)
        if wonde_id is None:
            raise MisUnknownStudent(
                f"no student with MIS id {mark.mis_id}"
                + (f" or UPN {mark.upn}" if mark.upn else "")
                + " in Wonde; check the roster"
            )
        return wonde_id

    def _codes(self) -> dict[str, str]:
        """Attendance code (`/`, `L` ...) to Wonde's attendance code id."""
        if self._code_ids is None:
            try:
                items = list(self._pages(f"{self._school}/attendance-codes", {}))
            except MisUnknownStudent:
                # The PHP client reads the codes from the top-level endpoint instead.
                items = list(self._pages("attendance-codes", {}))
            self._code_ids = {
                str(item["code"]): str(item["id"])
                for item in items
                if item.get("code") is not None and item.get("id") is not None
            }
        return self._code_ids

    def held(self, mark: MarkToSend) -> HeldMark | None:
        key = (mark.date, mark.session)
        if key not in self._held:
            by_id = {v: k for k, v in self._codes().items()}
            marks: dict[str, HeldMark] = {}
            for item in self._pages(
                f"{self._school}/attendance/session",
                {
                    "date": mark.date.isoformat(),
                    "session": mark.session,
                    "include": "attendance_code",
                },
            ):
                if str(item.get("session") or mark.session).upper() != mark.session:
                    continue
                if not _on_day(item.get("date"), mark.date):
                    continue
                student = item.get("student_id") or item.get("student")
                if isinstance(student, dict):
                    student = _dig(student, "data", "id") or student.get("id")
                code = _dig(item, "attendance_code", "data", "code") or by_id.get(
                    str(item.get("attendance_code_id") or "")
                )
                if student and code:
                    late = item.get("minutes_late")
                    marks[str(student)] = HeldMark(
                        str(code), late if isinstance(late, int) else None, item.get("comment")
                    )
            self._held[key] = marks
        return self._held[key].get(self._student(mark))

    # --- writing --------------------------------------------------------------------------

    def write(self, mark: MarkToSend) -> None:
        student = self._student(mark)
        code_id = self._codes().get(mark.code)
        if code_id is None:
            raise MisRejected(f"Wonde lists no attendance code {mark.code!r} for this school")
        record: dict[str, Any] = {
            "student_id": student,
            "date": mark.date.isoformat(),
            "session": mark.session,
            "attendance_code_id": code_id,
        }
        if mark.comment:
            record["comment"] = mark.comment
        if mark.minutes_late:
            record["minutes_late"] = mark.minutes_late
        self._http.post(f"{self._school}/attendance/session", {"attendance": [record]})
        self._held.setdefault((mark.date, mark.session), {})[student] = HeldMark(
            mark.code, mark.minutes_late, mark.comment
        )

    # --- the roster -----------------------------------------------------------------------

    def roster(self) -> Iterator[RosterEntry]:
        for student in self._pages(
            f"{self._school}/students",
            {"include": "education_details,extended_details,year,registration"},
        ):
            forename = _text(student.get("legal_forename")) or _text(student.get("forename"))
            surname = _text(student.get("legal_surname")) or _text(student.get("surname"))
            preferred = _text(student.get("forename"))
            sen = _text(_dig(student, "extended_details", "data", "sen_status")).upper()
            name = f"{forename} {surname}".strip() or "no name"
            yield RosterEntry(
                source=f"Wonde student {student.get('id') or '?'} ({name})",
                row={
                    "mis_id": _text(student.get("mis_id")),
                    "upn": _upn(student),
                    "surname": surname,
                    "forename": forename,
                    "preferred_name": preferred if preferred != forename else "",
                    "sex": _text(student.get("gender")),
                    "year_group": _text(_dig(student, "year", "data", "code"))
                    or _text(_dig(student, "year", "data", "name")),
                    "reg_group": _text(_dig(student, "registration", "data", "name")),
                    "badge": "",
                    "sen": "Y" if sen in _SEN_YES else "N",
                },
            )


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _upn(student: dict[str, Any]) -> str:
    return _text(student.get("upn")) or _text(_dig(student, "education_details", "data", "upn"))


def _on_day(value: Any, day: date) -> bool:
    """Wonde dates come as "YYYY-MM-DD ..." text or as {"date": "YYYY-MM-DD ..."}; absent: yes."""
    if isinstance(value, dict):
        value = value.get("date")
    if not value:
        return True
    return str(value).startswith(day.isoformat())
