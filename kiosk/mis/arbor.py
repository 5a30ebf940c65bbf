"""Arbor: session marks as roll-call registrations through its REST API (rest-v2).

Built from Arbor's published PHP SDK (HTTP basic auth as an application user; a new resource
is POSTed to `/rest-v2/<plural-dashed-name>` as `{"request": {"<resourceName>": {...}}}`; a 422
carries validation errors; a 404 is a resource not found). The roll-call registration's field
names and the query filters are assumed; docs/mis.md says which.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kiosk.mis.http import JsonHttp
from kiosk.mis.provider import (
    HeldMark,
    MarkToSend,
    MisRejected,
    MisUnknownStudent,
    NotSupported,
    RosterEntry,
)

RESOURCE = "attendance-roll-call-registrations"
ROOT = "attendanceRollCallRegistration"


class Arbor:
    name = "arbor"

    def __init__(self, http: JsonHttp) -> None:
        self._http = http

    def held(self, mark: MarkToSend) -> HeldMark | None:
        reply = self._http.get(
            f"rest-v2/{RESOURCE}",
            {
                "filters.student.id.equals": mark.mis_id,
                "filters.rollCallDate.equals": mark.date.isoformat(),
                "filters.session.equals": mark.session,
            },
        )
        _raise_inner_error(reply.body)
        found = reply.body.get(f"{ROOT}s") if isinstance(reply.body, dict) else None
        for item in found or []:
            code = (item.get("attendanceMark") or {}).get("code")
            if code:
                late = item.get("minutesLate")
                return HeldMark(
                    str(code), late if isinstance(late, int) else None, item.get("note")
                )
        return None

    def write(self, mark: MarkToSend) -> None:
        registration: dict[str, Any] = {
            "student": {"entityType": "Student", "id": _student_id(mark.mis_id)},
            "attendanceMark": {"entityType": "AttendanceMark", "code": mark.code},
            "rollCallDate": mark.date.isoformat(),
            "session": mark.session,
            "minutesLate": mark.minutes_late,
            "note": mark.comment,
        }
        reply = self._http.post(f"rest-v2/{RESOURCE}", {"request": {ROOT: registration}})
        _raise_inner_error(reply.body)

    def roster(self) -> Iterator[RosterEntry]:
        raise NotSupported(
            "roster pull is not built for Arbor yet; use `kiosk roster import` with Arbor's "
            "student export"
        )


def _student_id(mis_id: str) -> int | str:
    # Arbor's ids are numbers; a roster from another source may not be.
    return int(mis_id) if mis_id.isdigit() else mis_id


def _raise_inner_error(body: Any) -> None:
    """Arbor may answer 200 with the real status in `response.code` (its SDK reads it there)."""
    response = body.get("response") if isinstance(body, dict) else None
    if not isinstance(response, dict):
        return
    code = response.get("code")
    if not isinstance(code, int) or code < 400:
        return
    errors = response.get("errors") or []
    said = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
    said = said or str(response.get("reason") or "")
    if code == 404:
        raise MisUnknownStudent(f"Arbor: not found ({said})")
    raise MisRejected(f"Arbor refused the mark: HTTP {code} ({said})")
