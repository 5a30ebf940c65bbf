"""SIMS: session marks through a partner interface's session attendance write.

SIMS's partner interface is documented only to approved partners, so this adapter follows the
record it names (`SessionAttendance` with PersonID, AttendanceDate, SessionName,
AttendanceMark, Comments, MinsLate) over JSON with HTTP basic auth; the URL layout, the
read-back and the reply shapes are assumed. A school without partner access keeps the CSV
export (`kiosk export attendance`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kiosk.mis.http import JsonHttp
from kiosk.mis.provider import HeldMark, MarkToSend, NotSupported, RosterEntry

RESOURCE = "SessionAttendance"


class Sims:
    name = "sims"

    def __init__(self, http: JsonHttp) -> None:
        self._http = http

    def held(self, mark: MarkToSend) -> HeldMark | None:
        reply = self._http.get(
            RESOURCE,
            {
                "PersonID": mark.mis_id,
                "AttendanceDate": mark.date.isoformat(),
                "SessionName": mark.session,
            },
        )
        items = reply.body.get(RESOURCE) if isinstance(reply.body, dict) else None
        for item in items or []:
            if str(item.get("SessionName", mark.session)).upper() != mark.session:
                continue
            code = str(item.get("AttendanceMark") or "").strip()
            if code:
                late = item.get("MinsLate")
                return HeldMark(code, late if isinstance(late, int) else None, item.get("Comments"))
        return None

    def write(self, mark: MarkToSend) -> None:
        record: dict[str, Any] = {
            "PersonID": mark.mis_id,
            "AttendanceDate": mark.date.isoformat(),
            "SessionName": mark.session,
            "AttendanceMark": mark.code,
            "Comments": mark.comment,
            "MinsLate": mark.minutes_late,
        }
        self._http.post(RESOURCE, {RESOURCE: [record]})

    def roster(self) -> Iterator[RosterEntry]:
        raise NotSupported(
            "roster pull is not built for SIMS; use `kiosk roster import` with a SIMS export"
        )
