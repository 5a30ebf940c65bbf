"""Wonde: session marks through its attendance write-back, learners from its students endpoint.

Built from Wonde's PHP and .NET clients (bearer token; lists paged by `meta.pagination.next`;
`POST schools/{id}/attendance/session` with an `attendance` list; the reply's `writeback_id`;
a 422 is a validation error). A school on SIMS reaches the kiosk through Wonde too: the same
adapter with the SIMS school's Wonde id. What is inferred rather than published is in
docs/mis.md; where the read-back says something the kiosk cannot read, it writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
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
    ReadBackDoubt,
    RosterEntry,
    Setup,
)

DEFAULT_BASE_URL = "https://api.wonde.com/v1.0"
PAGE_SIZE = "200"
# 500 pages of 200 is 100,000 records: more than any school; a longer chain is a loop.
MAX_PAGES = 500
# Wonde's SEN statuses: K (SEN support), E (EHC plan), S (statement); N or blank: none.
_SEN_YES = frozenset({"K", "E", "S"})
# Wonde's dates: "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS.ffffff" (alone or as {"date": ...}).
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2})(?:\.\d+)?)?$")


@dataclass
class _Session:
    """One session's read-back: each student's mark, and what could not be read."""

    marks: dict[str, HeldMark] = field(default_factory=dict)
    doubts: dict[str, str] = field(default_factory=dict)
    # An item whose student cannot be read may be anyone's: every learner's write stops.
    doubt_for_all: str = ""


class Wonde:
    name = "wonde"
    can_read_back = True

    def __init__(
        self,
        http: JsonHttp,
        school_id: str,
        *,
        label: str = "Wonde",
        marks: Mapping[str, str] | None = None,
    ) -> None:
        self.label = label
        self._http = http
        self._school_id = school_id
        self._school = f"schools/{school_id}"
        self._overrides = dict(marks or {})
        self._setup: Setup | None = None
        self._students: dict[str, str] | None = None
        self._code_ids: dict[str, str] = {}
        self._letters_by_id: dict[str, str] = {}
        self._sessions: dict[tuple[date, str], _Session] = {}

    # --- reading --------------------------------------------------------------------------

    def _pages(self, path: str, query: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Every item of a paged list; a reply not shaped as Wonde's lists stops the round."""
        reply = self._http.get(path, {**query, "per_page": PAGE_SIZE})
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            body = reply.body
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
                raise MisBadReply(
                    f"GET {path}: the reply is not a Wonde list (no data list of records): "
                    f"{brief(body)}"
                )
            yield from data
            following = dig(body, "meta", "pagination", "next")
            if following is None or following == "":
                return
            if not isinstance(following, str):
                raise MisBadReply(f"GET {path}: meta.pagination.next is not a link")
            if following in seen:
                raise MisBadReply(f"GET {path}: the next-page link repeats a page ({following})")
            seen.add(following)
            reply = self._http.get(following)
        raise MisBadReply(f"GET {path}: more than {MAX_PAGES} pages; stopped")

    def prepare(self) -> Setup:
        if self._setup is None:
            reply = self._http.get(self._school)
            school = reply.body.get("data") if isinstance(reply.body, dict) else None
            if not isinstance(school, dict):
                raise MisBadReply(f"GET {self._school}: not a Wonde school: {brief(reply.body)}")
            name = _text(school.get("name")) or self._school_id
            self._setup = Setup(f"{name} ({self._school_id})", self._map_codes())
        return self._setup

    def _map_codes(self) -> tuple[CodeMapping, ...]:
        try:
            items = list(self._pages(f"{self._school}/attendance-codes", {}))
        except MisNotFound:
            # The PHP client also reads the codes from the top-level list.
            items = list(self._pages("attendance-codes", {}))
        by_letter: dict[str, list[str]] = {}
        for item in items:
            code, code_id = _text(item.get("code")), _text(item.get("id"))
            if code and code_id:
                by_letter.setdefault(code, []).append(code_id)
                self._letters_by_id[code_id] = code
        known = {code_id for ids in by_letter.values() for code_id in ids}
        mapped = []
        for letter in KIOSK_CODES:
            chosen = self._overrides.get(letter)
            if chosen is not None:
                if chosen not in known:
                    raise MisConfigError(
                        f"[mis] marks: {letter!r} = {chosen!r}, but Wonde lists no attendance "
                        f"code with id {chosen!r} for this school",
                        "[mis] marks",
                    )
                mapped.append(CodeMapping(letter, chosen, "[mis] marks"))
                self._letters_by_id[chosen] = letter
            elif len(by_letter.get(letter, [])) == 1:
                mapped.append(CodeMapping(letter, by_letter[letter][0], "looked up"))
            elif letter in by_letter:
                ids = ", ".join(by_letter[letter])
                mapped.append(CodeMapping(letter, "", f"several codes ({ids}): set [mis] marks"))
            else:
                mapped.append(CodeMapping(letter, "", "not in Wonde's list: set [mis] marks"))
        self._code_ids = {m.letter: m.mis_code for m in mapped if m.mis_code}
        return tuple(mapped)

    def _student_ids(self) -> dict[str, str]:
        """Our MIS id (and UPN) to Wonde's student id, read once per run."""
        if self._students is None:
            found: dict[str, str] = {}
            for student in self._pages(
                f"{self._school}/students", {"include": "education_details"}
            ):
                wonde_id = _text(student.get("id"))
                if not wonde_id:
                    continue
                if _text(student.get("mis_id")):
                    found[_text(student.get("mis_id"))] = wonde_id
                upn = _upn(student)
                if upn:
                    found.setdefault(f"upn:{upn}", wonde_id)
            if not found:
                # An empty list is a school that has not shared its students, not a school
                # with none: no learner is judged unknown on it.
                raise MisConfigError(
                    f"Wonde lists no students for school {self._school_id}: check [mis] "
                    "school_id and that the school approved the kiosk's access to students",
                    "[mis] school_id",
                )
            self._students = found
        return self._students

    def matched(self, learners: list[tuple[str, str]]) -> int:
        ids = self._student_ids()
        return sum(1 for mis_id, upn in learners if mis_id in ids or (upn and f"upn:{upn}" in ids))

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

    def held(self, mark: MarkToSend) -> HeldMark | None:
        self.prepare()
        key = (mark.date, mark.session)
        if key not in self._sessions:
            self._sessions[key] = self._read_session(mark.date, mark.session)
        found = self._sessions[key]
        student = self._student(mark)
        if found.doubt_for_all:
            raise ReadBackDoubt(found.doubt_for_all)
        if student in found.doubts:
            raise ReadBackDoubt(found.doubts[student])
        return found.marks.get(student)

    def _read_session(self, day: date, session: str) -> _Session:
        found = _Session()
        query = {"date": day.isoformat(), "session": session, "include": "attendance_code"}
        for item in self._pages(f"{self._school}/attendance/session", query):
            student = _student_of(item)
            why = ""
            item_day = _day(item.get("date"))
            item_session = _text(item.get("session")).upper()
            if item_day is None:
                why = f"its date {brief(item.get('date'))} is not a day"
            elif item_session not in ("AM", "PM"):
                why = f"its session {brief(item.get('session'))} is not AM or PM"
            if not why and (item_day != day or item_session != session):
                continue  # another session: the filters are not relied on
            code = self._code_of(item) if not why else None
            if not why and code is None:
                why = f"its attendance code {brief(_code_field(item))} is not one Wonde lists"
            if why:
                said = (
                    f"Wonde's read-back of {day} {session} has a record the kiosk cannot read "
                    f"({why}), so a teacher's mark cannot be ruled out; not written"
                )
                if student is None:
                    found.doubt_for_all = said
                else:
                    found.doubts[student] = said
                continue
            if student is None:
                found.doubt_for_all = (
                    f"Wonde's read-back of {day} {session} has a record with no student the "
                    "kiosk can read, so a teacher's mark cannot be ruled out; not written"
                )
                continue
            assert code is not None
            late = item.get("minutes_late")
            comment = item.get("comment")
            found.marks[student] = HeldMark(
                code,
                late if isinstance(late, int) and not isinstance(late, bool) else None,
                comment if isinstance(comment, str) else None,
            )
        return found

    def _code_of(self, item: dict[str, Any]) -> str | None:
        """The letter of an item's code: included as `attendance_code.data`, or by its id."""
        included = dig(item, "attendance_code", "data")
        if isinstance(included, dict):
            code = _text(included.get("code"))
            if code:
                return code
            code_id = _text(included.get("id"))
        else:
            code_id = _text(_code_field(item)) if isinstance(_code_field(item), str) else ""
        return self._letters_by_id.get(code_id) if code_id else None

    # --- writing --------------------------------------------------------------------------

    def write(self, mark: MarkToSend) -> str:
        self.prepare()
        student = self._student(mark)
        code_id = self._code_ids.get(mark.code)
        if code_id is None:
            raise MisConfigError(
                f"no Wonde attendance code for the kiosk's {mark.code!r}: set it in [mis] marks "
                "(`kiosk mis check` lists the school's codes)",
                "[mis] marks",
            )
        record: dict[str, Any] = {
            "student_id": student,
            "date": mark.date.isoformat(),
            "session": mark.session,
            "attendance_code_id": code_id,
            # Always sent, empty included, as the .NET client sends it: an amendment that
            # clears the comment or the minutes late clears them in the MIS too.
            "comment": mark.comment,
            "minutes_late": mark.minutes_late,
        }
        reply = self._http.post(f"{self._school}/attendance/session", {"attendance": [record]})
        receipt = reply.body.get("writeback_id") if isinstance(reply.body, dict) else None
        if isinstance(receipt, bool) or not isinstance(receipt, str | int) or receipt == "":
            # The write may have landed: the next round reads the session back first.
            raise MisBadReply(
                f"POST {self._school}/attendance/session: the reply has no writeback_id: "
                f"{brief(reply.body)}"
            )
        self._sessions.setdefault((mark.date, mark.session), _Session()).marks[student] = HeldMark(
            mark.code, mark.minutes_late, mark.comment
        )
        return str(receipt)

    # --- the roster -----------------------------------------------------------------------

    def roster(self) -> Iterator[RosterEntry]:
        for student in self._pages(
            f"{self._school}/students",
            {"include": "education_details,extended_details,year,registration"},
        ):
            forename = _text(student.get("legal_forename")) or _text(student.get("forename"))
            surname = _text(student.get("legal_surname")) or _text(student.get("surname"))
            preferred = _text(student.get("forename"))
            sen = _text(dig(student, "extended_details", "data", "sen_status")).upper()
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
                    "year_group": _text(dig(student, "year", "data", "code"))
                    or _text(dig(student, "year", "data", "name")),
                    "reg_group": _text(dig(student, "registration", "data", "name")),
                    "badge": "",
                    "sen": "Y" if sen in _SEN_YES else "N",
                },
            )


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()


def _upn(student: dict[str, Any]) -> str:
    return _text(student.get("upn")) or _text(dig(student, "education_details", "data", "upn"))


def _student_of(item: dict[str, Any]) -> str | None:
    """The Wonde student id of a read-back item: `student_id`, or `student` as an id or
    included as {"data": {"id": ...}}."""
    for value in (item.get("student_id"), item.get("student")):
        if isinstance(value, dict):
            value = dig(value, "data", "id")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _code_field(item: dict[str, Any]) -> Any:
    return item.get("attendance_code", item.get("attendance_code_id"))


def _day(value: Any) -> date | None:
    """A read-back date as a day: "YYYY-MM-DD", alone or at midnight; anything else (an instant
    such as 23:00 the evening before, in UTC) is not read as a day."""
    if isinstance(value, dict):
        value = value.get("date")
    if not isinstance(value, str):
        return None
    found = _DATE.match(value.strip())
    if found is None or (found.group(2) not in (None, "00:00:00")):
        return None
    try:
        return date.fromisoformat(found.group(1))
    except ValueError:
        return None
