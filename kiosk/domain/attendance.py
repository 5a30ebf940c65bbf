"""The attendance mark for a session (England, 2024 regulations) and the late detention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum

REFUSED_SCREENING_COMMENT = "refused screening: not admitted"
REFUSED_SEARCH_COMMENT = "refused search: not admitted"
# R28: suspected of being under the influence: not admitted, a parent or carer collects them.
# The register's comment is read by every teacher: why is the DSL's to know (R35), not theirs.
INFLUENCE_COMMENT = "not admitted: awaiting collection by a parent or carer"

# The 2024 regulations: a register may stay open at most 30 minutes after the session starts.
MAX_REGISTER_OPEN = timedelta(minutes=30)

_MINUTE = timedelta(minutes=1)


class Session(StrEnum):
    AM = "AM"
    PM = "PM"


class Code(StrEnum):
    """The codes the kiosk writes; the office may later change any of them in the MIS."""

    PRESENT_AM = "/"
    PRESENT_PM = "\\"
    LATE = "L"
    LATE_AFTER_CLOSE = "U"
    REFUSED = "O"
    NOT_SEEN = "N"


_PRESENT_CODES = frozenset({Code.PRESENT_AM, Code.PRESENT_PM, Code.LATE})


@dataclass(frozen=True)
class SessionTimes:
    """A session's start and register close, as local wall-clock times in the school's timezone."""

    starts: time
    register_closes: time


class RefusalKind(StrEnum):
    """Why a learner was not admitted: they refused screening or a search, or staff suspected
    them of being under the influence (R28). Each is `O`, never an exclusion."""

    SCREENING = "screening"
    SEARCH = "search"
    INFLUENCE = "influence"

    @property
    def comment(self) -> str:
        """The mark's comment, as the MIS gets it."""
        return {
            RefusalKind.SCREENING: REFUSED_SCREENING_COMMENT,
            RefusalKind.SEARCH: REFUSED_SEARCH_COMMENT,
            RefusalKind.INFLUENCE: INFLUENCE_COMMENT,
        }[self]

    @property
    def described(self) -> str:
        """What happened, for a sentence: "refused screening", "suspected under the influence"."""
        if self is RefusalKind.INFLUENCE:
            return "suspected under the influence"
        return f"refused {self.value}"


@dataclass(frozen=True)
class Mark:
    """One learner's mark for one session, with the comment the MIS gets and the reasons why."""

    code: Code
    minutes_late: int
    comment: str
    reasons: tuple[str, ...]

    @property
    def counts_as_present(self) -> bool:
        """`/`, `\\` and `L` are present; `U` is an unauthorised absence under the 2024 codes."""
        return self.code in _PRESENT_CODES


def _clock(t: time) -> str:
    """HH:MM, with seconds only when they matter to the reader."""
    if t.second or t.microsecond:
        return t.strftime("%H:%M:%S")
    return t.strftime("%H:%M")


def _since_midnight(t: time) -> timedelta:
    # Wall-clock times cannot be subtracted; as durations since midnight they can, with no date.
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _require_wall_clock(t: time, what: str) -> None:
    # Aware and naive times cannot be compared: the caller converts to school local time first.
    if t.tzinfo is not None:
        raise ValueError(f"{what} must be a local wall-clock time without a timezone, got {t}")


def register_window_problems(times: SessionTimes, session: Session) -> tuple[str, ...]:
    """What is wrong with a session's start and register close; empty when they are lawful."""
    starts_key, closes_key = (
        ("day_starts", "register_closes")
        if session is Session.AM
        else ("pm_starts", "pm_register_closes")
    )
    open_for = _since_midnight(times.register_closes) - _since_midnight(times.starts)
    if open_for <= timedelta(0):
        return (
            f"{session} session: {closes_key} ({_clock(times.register_closes)}) must be after "
            f"{starts_key} ({_clock(times.starts)})",
        )
    if open_for > MAX_REGISTER_OPEN:
        limit = MAX_REGISTER_OPEN // _MINUTE
        return (
            f"{session} session: the register is open {open_for // _MINUTE} minutes "
            f"({_clock(times.starts)} to {_clock(times.register_closes)}); the 2024 regulations "
            f"allow at most {limit}: set {closes_key} no later than {limit} minutes after "
            f"{starts_key}",
        )
    return ()


def register_windows_differ(am: SessionTimes, pm: SessionTimes) -> tuple[str, ...]:
    """The 2024 guidance keeps the register open for the same length in every session."""
    am_open = _since_midnight(am.register_closes) - _since_midnight(am.starts)
    pm_open = _since_midnight(pm.register_closes) - _since_midnight(pm.starts)
    if am_open == pm_open:
        return ()
    return (
        f"the register is open {am_open // _MINUTE} minutes in the AM session but "
        f"{pm_open // _MINUTE} in the PM session; keep it the same length in every session",
    )


def mark_for_admission(arrived: time, session: Session, times: SessionTimes) -> Mark:
    """The mark for a learner's first admission of the session at local time `arrived`.

    The full time value is compared, seconds and microseconds included: an admission exactly at
    `register_closes` is `L`, one a microsecond after it is `U`. Minutes late are whole minutes
    since `starts`, rounded down: 08:40:59 after an 08:40 start is `L` with 0 minutes late.
    """
    _require_wall_clock(arrived, "the arrival time")
    when = _clock(arrived)
    if arrived < times.starts:
        code = Code.PRESENT_AM if session is Session.AM else Code.PRESENT_PM
        reason = (
            f"Arrived {when}, before the {session} start at {_clock(times.starts)}: "
            f"present ({code})."
        )
        return Mark(code, 0, "", (reason,))
    minutes = (_since_midnight(arrived) - _since_midnight(times.starts)) // _MINUTE
    late_by = f"{minutes} minute{'' if minutes == 1 else 's'} after the start"
    if arrived <= times.register_closes:
        reason = (
            f"Arrived {when}, after the {session} start at {_clock(times.starts)} and by the "
            f"register close at {_clock(times.register_closes)}: late ({Code.LATE}), {late_by}; "
            f"counts as present."
        )
        return Mark(Code.LATE, minutes, "", (reason,))
    reason = (
        f"Arrived {when}, after the {session} register closed at "
        f"{_clock(times.register_closes)}: arrived after registers closed "
        f"({Code.LATE_AFTER_CLOSE}), {late_by}; an unauthorised absence for the session."
    )
    return Mark(Code.LATE_AFTER_CLOSE, minutes, "", (reason,))


def mark_for_refusal(kind: RefusalKind) -> Mark:
    """`O` for a learner not admitted: refused screening or a search, or suspected of being
    under the influence (seed 000: an unauthorised absence, not an exclusion)."""
    told = (
        "the attendance officer and the designated safeguarding lead are told, and a parent or "
        "carer collects them"
        if kind is RefusalKind.INFLUENCE
        else "the attendance officer is told"
    )
    return Mark(
        Code.REFUSED,
        0,
        kind.comment,
        (
            f"{kind.described.capitalize()} and was not admitted: an unauthorised absence "
            f"({Code.REFUSED}), not an exclusion; {told}.",
        ),
    )


def mark_not_seen() -> Mark:
    """`N` for a learner not seen by the time the register closed, for the office to resolve."""
    return Mark(
        Code.NOT_SEEN,
        0,
        "",
        (
            f"Not seen by the time the register closed: no reason yet ({Code.NOT_SEEN}); "
            f"the office resolves it.",
        ),
    )


def decide_session_mark(
    *,
    admitted_at: time | None,
    refusal: RefusalKind | None,
    register_closed: bool,
    session: Session,
    times: SessionTimes,
) -> Mark | None:
    """The mark so far for one learner and session, or None while there is nothing to write yet.

    An admission decides, even after a refusal: a learner who complies later gets the admission's
    mark and the refusal stays on record elsewhere. Pass the first admission only; a later tap the
    same session changes nothing.
    """
    if admitted_at is not None:
        mark = mark_for_admission(admitted_at, session, times)
        if refusal is not None:
            note = (
                f"{refusal.described.capitalize()} earlier, then "
                f"{'' if refusal is RefusalKind.INFLUENCE else 'complied and '}was admitted: "
                "the admission decides."
            )
            return Mark(mark.code, mark.minutes_late, mark.comment, (*mark.reasons, note))
        return mark
    if refusal is not None:
        return mark_for_refusal(refusal)
    if register_closed:
        return mark_not_seen()
    return None


def session_for(local: time, am: SessionTimes, pm: SessionTimes | None) -> Session:
    """Which session an arrival at local time `local` belongs to.

    Without a PM session every arrival is AM. Otherwise the day splits halfway between the AM
    register close and the PM start: before that point is AM, at or after it is PM. A learner who
    arrives just after the AM register closes is an AM `U`, not an early PM arrival.
    """
    _require_wall_clock(local, "the arrival time")
    if pm is None:
        return Session.AM
    am_closes = _since_midnight(am.register_closes)
    split = am_closes + (_since_midnight(pm.starts) - am_closes) / 2
    return Session.AM if _since_midnight(local) < split else Session.PM


@dataclass(frozen=True)
class LateDetention:
    """Whether an arrival earns a same-day late detention, and for how long."""

    required: bool
    minutes: int
    reasons: tuple[str, ...]


def late_detention(
    mark: Mark, *, has_reasonable_explanation: bool, detention_minutes: int
) -> LateDetention:
    """Seed 003: after the register closes (`U`) without a note or reasonable explanation,
    a same-day detention of `detention_minutes`; 0 means the school gives none."""
    if detention_minutes < 0:
        raise ValueError(f"detention minutes cannot be negative, got {detention_minutes}")
    if mark.code is not Code.LATE_AFTER_CLOSE:
        return LateDetention(
            False,
            0,
            (f"No late detention: the mark is {mark.code}, not after the register closed.",),
        )
    if detention_minutes == 0:
        return LateDetention(False, 0, ("No late detention: this school does not give them.",))
    if has_reasonable_explanation:
        return LateDetention(
            False,
            0,
            (
                "No late detention: arrived after the register closed with a note or a reasonable "
                "explanation.",
            ),
        )
    return LateDetention(
        True,
        detention_minutes,
        (
            f"A {detention_minutes}-minute late detention today: arrived after the register closed "
            f"without a note or a reasonable explanation.",
        ),
    )


# Sending a child home for discipline is lawful only as a formal suspension (DfE suspension and
# exclusion guidance; seeds 003 s12 and 004 App C): the register then says so.
SENT_HOME = "sent home"
FORMAL_SUSPENSION = "formal suspension"
SUSPENSION_CODE = "E"


@dataclass(frozen=True)
class SentHomeCheck:
    """Whether a sign-out may be recorded with this reason, and whether it is a suspension."""

    allowed: bool
    suspension: bool
    reasons: tuple[str, ...]


def sent_home_check(reason: str) -> SentHomeCheck:
    """A sign-out "sent home" is allowed only as a formal suspension; never a silent one."""
    words = " ".join(reason.casefold().split())
    if not words.startswith(SENT_HOME):
        return SentHomeCheck(True, False, ())
    if FORMAL_SUSPENSION in words:
        return SentHomeCheck(
            True,
            True,
            (
                f"Recorded as a formal suspension (code {SUSPENSION_CODE}); the attendance "
                "officer is told.",
            ),
        )
    return SentHomeCheck(
        False,
        False,
        (
            "Sending a learner home for discipline is unlawful unless it is a formal "
            "suspension: record it as one, or do not send the learner home.",
        ),
    )
