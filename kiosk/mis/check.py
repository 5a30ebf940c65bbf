"""`kiosk mis check`: read (never write) the MIS with the configured settings, and say whether
a write would work: the school, its codes for the kiosk's letters, the roster, today's marks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.mis.provider import (
    MarkToSend,
    MisConfigError,
    MisError,
    MisUnknownStudent,
    NoReadBack,
    Provider,
)
from records.models import LearnerRecord

log = logging.getLogger("kiosk.mis")


@dataclass(frozen=True)
class CheckLine:
    """One thing checked: what, what was found, and whether it lets a write work."""

    what: str
    found: str
    ok: bool = True


@dataclass(frozen=True)
class MisCheck:
    provider: str
    lines: tuple[CheckLine, ...]

    @property
    def works(self) -> bool:
        """A write would work: every line is fine."""
        return all(line.ok for line in self.lines)

    def text(self) -> list[str]:
        return [f"{'ok ' if line.ok else 'NO '} {line.what}: {line.found}" for line in self.lines]


def check_mis(
    sessions: sessionmaker[Session], provider: Provider, *, today: date, overwrite: bool
) -> MisCheck:
    """Read the MIS as a round would, write nothing; each finding a line."""
    lines: list[CheckLine] = []
    with sessions() as session:
        learners = [
            (row.mis_id, row.upn or "", f"{row.forename} {row.surname}")
            for row in session.scalars(
                select(LearnerRecord)
                .where(LearnerRecord.left_on.is_(None))
                .order_by(LearnerRecord.surname, LearnerRecord.forename)
            )
        ]
    try:
        setup = provider.prepare()
    except MisError as exc:
        setting = f" (fix {exc.setting})" if isinstance(exc, MisConfigError) else ""
        return MisCheck(provider.label, (CheckLine("the MIS", f"{exc}{setting}", ok=False),))
    except Exception as exc:  # an odd reply is reported, never a traceback
        log.error("MIS check: the reply could not be read", exc_info=True)
        said = f"the reply could not be read ({type(exc).__name__})"
        return MisCheck(provider.label, (CheckLine("the MIS", said, ok=False),))
    lines.append(CheckLine("school", setup.school))
    for code in setup.codes:
        found = f"{code.mis_code} ({code.how})" if code.mis_code else code.how
        lines.append(
            CheckLine(f"the kiosk's {code.letter!r} is written as", found, bool(code.mis_code))
        )
    try:
        matched = provider.matched([(mis_id, upn) for mis_id, upn, _ in learners])
    except MisError as exc:
        lines.append(CheckLine("learners", str(exc), ok=False))
        return MisCheck(provider.label, tuple(lines))
    lines.append(
        CheckLine(
            "learners",
            f"{matched} of the kiosk's {len(learners)} learners on roll are found in the MIS",
            ok=matched > 0 or not learners,
        )
    )
    lines.extend(_todays_marks(provider, learners, today, overwrite))
    return MisCheck(provider.label, tuple(lines))


def _todays_marks(
    provider: Provider, learners: list[tuple[str, str, str]], today: date, overwrite: bool
) -> list[CheckLine]:
    """One learner's marks for today, as the read-back before a write sees them: the first
    learner the MIS holds a mark for (of the first 200 it knows), else the first it knows."""
    first: CheckLine | None = None
    for mis_id, upn, name in learners[:200]:
        found = []
        any_mark = False
        for school_session in ("AM", "PM"):
            probe = MarkToSend(mis_id, upn, today, school_session, "", 0, "")
            try:
                held = provider.held(probe)
            except MisUnknownStudent:
                break
            except NoReadBack as exc:
                if overwrite:
                    return [CheckLine("today's marks", f"{exc}; [mis] overwrite = true: written")]
                return [
                    CheckLine(
                        "today's marks",
                        f"{exc}; nothing is written while [mis] overwrite = false",
                        ok=False,
                    )
                ]
            except MisError as exc:
                return [CheckLine(f"today's marks for {name} ({mis_id})", str(exc), ok=False)]
            if held is None:
                found.append(f"{school_session} none")
            else:
                any_mark = True
                late = f", {held.minutes_late} min late" if held.minutes_late else ""
                found.append(f"{school_session} {held.code}{late}")
        else:
            line = CheckLine(f"today's marks for {name} ({mis_id})", "; ".join(found))
            if any_mark:
                return [line]
            first = first or line
    if first is not None:
        return [first]
    return [CheckLine("today's marks", "no learner on roll is found in the MIS", ok=not learners)]
