"""Recording a screening: the arch's alarm or clear, or the wand result the operator enters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from kiosk.domain.people import StaffRef
from kiosk.domain.screening import ScreeningMethod, ScreeningResult
from records.audit import append_audit
from records.models import ScreeningRecord
from records.queries import staff_by_staff_id

METHODS = tuple(ScreeningMethod)
RESULTS = tuple(ScreeningResult)


def record_screening(
    session: Session,
    learner_id: int,
    *,
    day: date,
    at: datetime,
    method: ScreeningMethod,
    result: ScreeningResult,
    by: StaffRef | None,
    zone: str | None = None,
    randomly_selected: bool = False,
) -> int:
    """Write one screening in the caller's transaction and return its id (a search may cite it).

    `by` is None for an arch that reported a passage with nobody at the screen.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if result not in RESULTS:
        raise ValueError(f"result must be one of {', '.join(RESULTS)}, got {result!r}")
    operator = None if by is None else staff_by_staff_id(session, by.staff_id)
    if by is not None and operator is None:
        raise ValueError(f"no member of staff with staff_id {by.staff_id!r}")
    record = ScreeningRecord(
        learner_id=learner_id,
        date=day,
        screened_at=at,
        method=method,
        result=result,
        zone=zone,
        operator_id=None if operator is None else operator.id,
        randomly_selected=randomly_selected,
    )
    session.add(record)
    session.flush()
    append_audit(
        session,
        at=at,
        actor_staff_id=None if operator is None else operator.staff_id,
        action=f"screening.{result}",
        entity="screenings",
        entity_id=str(record.id),
        detail={"learner_id": learner_id, "method": method, "zone": zone},
    )
    return record.id
