"""Arbor: session marks through its roll-call registration service (REST v2).

Built from Arbor's PHP SDK: HTTP basic auth as an application user; the SDK adds
`/rest-v2/...` to the school's address itself; `POST /rest-v2/attendance-roll-call-registration`
takes `{"request": {"marks": [...]}}`, each mark naming the student and the school's own
attendance mark by `entityType` and `href`, at `rollCallDateTime`; a note travels only through
`POST /rest-v2/attendance-registration`; a `response.code` in a reply is its status. Arbor
publishes no listing to read a roll-call mark back, so `held` cannot answer: without
`[mis] overwrite = true` the kiosk writes nothing (a teacher's mark cannot be ruled out).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import time
from typing import Any

from kiosk.mis.http import JsonHttp
from kiosk.mis.payload import brief, dig
from kiosk.mis.provider import (
    KIOSK_CODES,
    CodeMapping,
    HeldMark,
    MarkToSend,
    MisBadReply,
    MisConfigError,
    MisNotFound,
    MisUnknownStudent,
    NoReadBack,
    NotSupported,
    RosterEntry,
    Setup,
)

PREFIX = "/rest-v2"
ROLL_CALL = "rest-v2/attendance-roll-call-registration"
REGISTRATION = "rest-v2/attendance-registration"
PAGE_SIZE = 200
MAX_PAGES = 100
# A school has a few dozen attendance marks; each is read alone only when the listing is brief.
MAX_MARKS = 200


class Arbor:
    name = "arbor"
    label = "Arbor"
    can_read_back = False

    def __init__(
        self,
        http: JsonHttp,
        *,
        marks: Mapping[str, str] | None = None,
        roll_call_am: time = time(8, 40),
        roll_call_pm: time = time(13, 20),
        notes: bool = False,
    ) -> None:
        self._http = http
        self._overrides = dict(marks or {})
        self._times = {"AM": roll_call_am, "PM": roll_call_pm}
        self._notes = notes
        self._setup: Setup | None = None
        self._hrefs: dict[str, str] = {}
        self._students: dict[str, bool] = {}
        self._listed: set[str] | None = None

    # --- reading --------------------------------------------------------------------------

    def prepare(self) -> Setup:
        if self._setup is None:
            if self._http.base_path.endswith(PREFIX):
                raise MisConfigError(
                    f"[mis] base_url {self._http.base_url} ends in {PREFIX}, which the kiosk "
                    f"adds itself (every address would read {PREFIX}{PREFIX}/...): set "
                    f'base_url = "{self._http.base_url[: -len(PREFIX)]}"',
                    "[mis] base_url",
                )
            self._setup = Setup(self._http.base_url, self._map_marks())
        return self._setup

    def _listing(self, resource: str) -> Iterator[dict[str, Any]]:
        """A REST v2 listing page by page (`page-number`, `page-size`), stopping at a short page."""
        root = _root(resource)
        previous: list[Any] | None = None
        for number in range(1, MAX_PAGES + 1):
            query = {"page-size": str(PAGE_SIZE), "page-number": str(number)}
            reply = self._http.get(f"rest-v2/{resource}", query)
            items = reply.body.get(root) if isinstance(reply.body, dict) else None
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise MisBadReply(
                    f"GET {PREFIX}/{resource}: the reply has no {root} list: {brief(reply.body)}"
                )
            if items and items == previous:
                raise MisBadReply(f"GET {PREFIX}/{resource}: page {number} repeats the last one")
            yield from items
            if len(items) < PAGE_SIZE:
                return
            previous = items
        raise MisBadReply(f"GET {PREFIX}/{resource}: more than {MAX_PAGES} pages; stopped")

    def _map_marks(self) -> tuple[CodeMapping, ...]:
        by_code: dict[str, list[str]] = {}
        known: set[str] = set()
        for n, item in enumerate(self._listing("attendance-marks")):
            href = item.get("href")
            if not isinstance(href, str) or not href.startswith(f"{PREFIX}/attendance-marks/"):
                raise MisBadReply(f"GET {PREFIX}/attendance-marks: an item with no href: {item!r}")
            known.add(href)
            code = item.get("code")
            if code is None and n < MAX_MARKS:
                # A listing may hold only each record's reference; the record has its code.
                record = self._http.get(href).body
                code = dig(record, "attendanceMark", "code")
            if isinstance(code, str) and code.strip():
                by_code.setdefault(code.strip(), []).append(href)
        if not known:
            raise MisConfigError(
                "Arbor lists no attendance marks to this application user: check the user's "
                "permissions in Arbor ([mis] credentials_file names the user)",
                "[mis] credentials_file",
            )
        mapped = []
        for letter in KIOSK_CODES:
            chosen = self._overrides.get(letter)
            if chosen is not None:
                href = f"{PREFIX}/attendance-marks/{chosen}"
                if href not in known:
                    raise MisConfigError(
                        f"[mis] marks: {letter!r} = {chosen!r}, but Arbor lists no attendance "
                        f"mark {href}",
                        "[mis] marks",
                    )
                mapped.append(CodeMapping(letter, chosen, "[mis] marks"))
            elif len(by_code.get(letter, [])) == 1:
                mapped.append(CodeMapping(letter, _last(by_code[letter][0]), "looked up"))
            elif letter in by_code:
                ids = ", ".join(_last(h) for h in by_code[letter])
                mapped.append(CodeMapping(letter, "", f"several marks ({ids}): set [mis] marks"))
            else:
                mapped.append(
                    CodeMapping(letter, "", "no Arbor mark has this code: set [mis] marks")
                )
        self._hrefs = {
            m.letter: f"{PREFIX}/attendance-marks/{m.mis_code}" for m in mapped if m.mis_code
        }
        return tuple(mapped)

    def matched(self, learners: list[tuple[str, str]]) -> int:
        if self._listed is None:
            self._listed = {
                _last(item["href"])
                for item in self._listing("students")
                if isinstance(item.get("href"), str)
            }
        return sum(1 for mis_id, _ in learners if mis_id in self._listed)

    def _student(self, mark: MarkToSend) -> dict[str, str]:
        """The learner as Arbor's reference; an id Arbor does not hold is an unknown student."""
        href = f"{PREFIX}/students/{mark.mis_id}"
        if not mark.mis_id.isdigit():
            raise MisUnknownStudent(f"{mark.mis_id!r} is not an Arbor student id; check the roster")
        if mark.mis_id not in self._students:
            try:
                body = self._http.get(href).body
            except MisNotFound:
                # The address is proven by prepare(): a 404 here is this student alone.
                self._students[mark.mis_id] = False
            else:
                if not isinstance(dig(body, "student"), dict):
                    raise MisBadReply(f"GET {href}: not an Arbor student: {brief(body)}")
                self._students[mark.mis_id] = True
        if not self._students[mark.mis_id]:
            raise MisUnknownStudent(f"Arbor has no student {href}; check the roster")
        return {"entityType": "Student", "href": href}

    def held(self, mark: MarkToSend) -> HeldMark | None:
        raise NoReadBack(
            "Arbor publishes no listing to read a roll-call mark back, so the kiosk cannot tell "
            "a teacher's mark from none"
        )

    # --- writing --------------------------------------------------------------------------

    def write(self, mark: MarkToSend) -> str:
        self.prepare()
        href = self._hrefs.get(mark.code)
        if href is None:
            raise MisConfigError(
                f"no Arbor attendance mark for the kiosk's {mark.code!r}: set it in [mis] marks "
                "(`kiosk mis check` lists what was found)",
                "[mis] marks",
            )
        student = self._student(mark)
        at = f"{mark.date.isoformat()} {self._times[mark.session]:%H:%M:%S}"
        attendance_mark = {"entityType": "AttendanceMark", "href": href}
        late = mark.minutes_late or None
        if self._notes and mark.comment:
            # Only the registration service takes a note; it is asked for by the school.
            entry: dict[str, Any] = {
                "student": student,
                "attendanceMark": attendance_mark,
                "academicUnit": None,
                "includeAcademicUnit": False,
                "sessionStartTime": at,
                "note": mark.comment,
            }
            if late is not None:
                entry["minutesLate"] = late
            self._http.post(REGISTRATION, {"request": {"marks": [entry]}})
            return ""
        entry = {
            "student": student,
            "attendanceMark": attendance_mark,
            "minutesLate": late,
            "recordDate": None,
            "rollCall": None,
            "rollCallDateTime": at,
        }
        self._http.post(ROLL_CALL, {"request": {"marks": [entry]}})
        return ""

    def roster(self) -> Iterator[RosterEntry]:
        raise NotSupported(
            "roster pull is not built for Arbor yet; use `kiosk roster import` with Arbor's "
            "student export"
        )


def _root(resource: str) -> str:
    """The SDK's resource root: "attendance-marks" -> "attendanceMarks"."""
    head, *rest = resource.split("-")
    return head + "".join(part.capitalize() for part in rest)


def _last(href: str) -> str:
    return href.rstrip("/").rsplit("/", 1)[-1]
