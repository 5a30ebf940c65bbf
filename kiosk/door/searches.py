"""The lawful search, as a use case: who may search this learner now, and recording a search.

The rules are in kiosk.domain.search and kiosk.domain.items; this module reads the people from
the database, asks the rules, and writes the search only when they allow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.items import (
    Disposition,
    DispositionCheck,
    FoundItem,
    check_disposition,
    permission_problem,
)
from kiosk.domain.people import Sex, StaffMember, StaffRef, parse_roles
from kiosk.domain.search import (
    AppropriateAdult,
    SearchCheck,
    SearchLevel,
    SearchRequirement,
    UrgentException,
    check_search,
    search_requirement,
)
from kiosk.domain.search_record import Consent, consent_problems, parent_informed_problems
from kiosk.domain.search_training import SearchTraining, TrainingPolicy, search_training
from kiosk.notify.queue import (
    queue_dsl_item,
    queue_exception_used,
    queue_physical_intervention,
    queue_police_item,
)
from kiosk.notify.send import dsl_told
from records.audit import append_audit
from records.models import FoundItemRecord, LearnerRecord, SearchRecord, StaffRecord
from records.queries import active_staff


class SearchNotAllowed(Exception):
    """The search breaks the rules; nothing was recorded. `reasons` say why, for the screen."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = tuple(reasons)


def staff_member(record: StaffRecord) -> StaffMember:
    """The rules' view of a member of staff."""
    return StaffMember(
        staff_id=record.staff_id,
        name=f"{record.forename} {record.surname}",
        sex=Sex(record.sex) if record.sex else None,
        roles=parse_roles(record.roles),
        search_trained_on=record.search_trained_on,
    )


def _learner_sex(learner: LearnerRecord) -> Sex | None:
    return Sex(learner.sex) if learner.sex else None


def on_duty(session: Session, staff_ids: Iterable[str]) -> list[StaffMember]:
    """The staff signed on at the station, as the rules see them (inactive staff are not)."""
    ids = list(staff_ids)
    records = session.scalars(
        select(StaffRecord).where(StaffRecord.staff_id.in_(ids), StaffRecord.active.is_(True))
    )
    order = {staff_id: n for n, staff_id in enumerate(ids)}
    return sorted((staff_member(r) for r in records), key=lambda m: order[m.staff_id])


def who_may_search(
    session: Session,
    learner_id: int,
    duty_staff_ids: Iterable[str],
    *,
    today: date | None = None,
    training: TrainingPolicy | None = None,
) -> SearchRequirement:
    """Before a search starts: the same-sex authorised searchers and the witnesses on duty;
    with `today` and `training` (R7), searchers whose training is not up to date are said,
    and left out where the school's policy does not let them search."""
    learner = session.get_one(LearnerRecord, learner_id)
    return search_requirement(
        _learner_sex(learner),
        on_duty(session, duty_staff_ids),
        today=today,
        training=training,
    )


def searchers_training(
    session: Session, *, today: date, training: TrainingPolicy
) -> list[SearchTraining]:
    """R7: every active authorised searcher's training on `today`, those not up to date first
    (no date, then the longest lapsed), then by when it runs out."""
    found = [
        search_training(staff_member(record), today=today, policy=training)
        for record in session.scalars(
            select(StaffRecord)
            .where(StaffRecord.active.is_(True))
            .order_by(StaffRecord.surname, StaffRecord.forename, StaffRecord.staff_id)
        )
    ]
    searchers = [t for t in found if t.member.may_search]
    return sorted(
        searchers,
        key=lambda t: (not t.warned, t.due_on is not None, t.due_on or date.min),
    )


@dataclass(frozen=True)
class SearchForm:
    """What staff enter on the search record screen."""

    learner_id: int
    searcher_staff_id: str
    witness_staff_id: str | None
    level: SearchLevel
    place: str
    grounds: str
    sought: str
    outcome: str
    items: tuple[FoundItem, ...] = ()
    parent_informed: bool = False
    # How the parent or carer was told, or why they were not (yet).
    parent_informed_how: str = ""
    parent_not_informed_reason: str = ""
    # The member of staff recording it confirms they told the DSL themselves (in person, by
    # phone). Otherwise the DSL is told by the notification, and the record says so only once
    # it is delivered.
    dsl_told_by_recorder: bool = False
    exception: UrgentException | None = None
    screening_id: int | None = None
    consent: Consent | None = None
    physical_intervention: str = ""
    adjustments: str = ""
    # R6: where the risk is significant, a named family member or appropriate adult who is not
    # a member of staff witnesses instead (then `witness_staff_id` is None).
    witness_adult: AppropriateAdult | None = None


@dataclass(frozen=True)
class RecordedSearch:
    search_id: int
    check: SearchCheck
    items: tuple[DispositionCheck, ...]
    notify_dsl: bool
    # The DSL notifications queued: serious incidents, sent at once rather than on the timer.
    dsl_notifications: tuple[int, ...] = ()


def _staff(session: Session, staff_id: str) -> StaffRecord:
    # SearchNotAllowed carries a list of reasons: this one is the only reason.
    return active_staff(session, staff_id, lambda message: SearchNotAllowed([message]))


def check_form(
    session: Session,
    form: SearchForm,
    *,
    today: date | None = None,
    training: TrainingPolicy | None = None,
) -> tuple[SearchCheck, list[DispositionCheck]]:
    """Every rule the form must meet; raises SearchNotAllowed naming each one it breaks.

    `today` and `training`: the searcher's training is checked against the school's policy (R7).
    """
    learner = session.get_one(LearnerRecord, form.learner_id)
    searcher = _staff(session, form.searcher_staff_id)
    witness = _staff(session, form.witness_staff_id) if form.witness_staff_id else None
    check = check_search(
        learner_sex=_learner_sex(learner),
        searcher=staff_member(searcher),
        witness=staff_member(witness) if witness else None,
        exception=form.exception,
        adult_witness=form.witness_adult,
        today=today,
        training=training,
    )
    problems = [] if check.allowed else list(check.reasons)
    for field, label in (
        (form.place, "place (away from other learners)"),
        (form.grounds, "grounds"),
        (form.sought, "what was sought"),
    ):
        if not field.strip():
            problems.append(f"Write down the {label}.")
    if form.consent is not None:  # the search screen will not save without it
        problems.extend(consent_problems(form.consent, form.sought))
    problems.extend(parent_informed_problems(form.parent_informed, form.parent_informed_how))
    item_checks = []
    for item in form.items:
        if not item.description.strip():
            problems.append(f"Describe the {item.category.label} found.")
        permitted = permission_problem(
            item.category, earphones_permitted=learner.earphones_permitted
        )
        if permitted:
            problems.append(permitted)
        item_check = check_disposition(
            item.category,
            item.disposition,
            police_reference=item.police_reference,
            reason=item.reason,
            description=item.description,
        )
        if not item_check.allowed:
            problems.extend(item_check.reasons)
        item_checks.append(item_check)
    if problems:
        raise SearchNotAllowed(problems)
    return check, item_checks


def record_search(
    session: Session,
    form: SearchForm,
    *,
    at: datetime,
    by: StaffRef,
    zone: tzinfo | None = None,
    training: TrainingPolicy | None = None,
) -> RecordedSearch:
    """Write the search and each item found, in the caller's transaction, or nothing at all.

    The safeguarding lead is told (through the outbox) of the exception and of police items.
    `training`: the school's policy on searchers' training (R7), checked on the local day of
    `at` (in `zone`).
    """
    today = (at.astimezone(zone) if zone else at).date()
    check, item_checks = check_form(session, form, today=today, training=training)
    searcher = _staff(session, form.searcher_staff_id)
    witness = _staff(session, form.witness_staff_id) if form.witness_staff_id else None
    adult = form.witness_adult if witness is None and check.witness_present else None
    recorder = _staff(session, by.staff_id)
    search = _search_record(form, check, searcher, witness, adult, recorder, at)
    session.add(search)
    session.flush()
    force = form.physical_intervention.strip()
    notify_dsl = check.notify_dsl or any(c.notify_dsl for c in item_checks) or bool(force)
    queued = _tell_dsl(session, form, check, item_checks, search, searcher, at=at, zone=zone)
    if form.dsl_told_by_recorder:
        dsl_told(
            session,
            search.id,
            at=at,
            by=f"confirmed by {recorder.forename} {recorder.surname} ({recorder.staff_id})",
        )
    append_audit(
        session,
        at=at,
        actor_staff_id=recorder.staff_id,
        action="search.recorded",
        entity="searches",
        entity_id=str(search.id),
        detail={
            "learner_id": form.learner_id,
            "searcher": searcher.staff_id,
            "witness": witness.staff_id if witness else None,
            # R6: a witness who is not staff is named on the search, never only in the log.
            "witness_not_staff": bool(adult),
            "exception_used": check.exception_used,
            "items": len(form.items),
        },
    )
    return RecordedSearch(search.id, check, tuple(item_checks), notify_dsl, tuple(queued))


def _search_record(
    form: SearchForm,
    check: SearchCheck,
    searcher: StaffRecord,
    witness: StaffRecord | None,
    adult: AppropriateAdult | None,
    recorder: StaffRecord,
    at: datetime,
) -> SearchRecord:
    """The search as it is written, with each item found."""
    search = SearchRecord(
        learner_id=form.learner_id,
        screening_id=form.screening_id,
        started_at=at,
        place=form.place.strip(),
        searcher_id=searcher.id,
        witness_id=witness.id if witness and check.witness_present else None,
        witness_name=" ".join(adult.name.split()) if adult else "",
        witness_relation=" ".join(adult.relation.split()) if adult else "",
        level=form.level.value,
        grounds=form.grounds.strip(),
        sought=form.sought.strip(),
        same_sex_searcher=check.same_sex_searcher,
        witness_present=check.witness_present,
        exception_used=check.exception_used,
        exception_reason=form.exception.reason.strip()
        if form.exception and check.exception_used
        else "",
        outcome=form.outcome.strip(),
        parent_informed=form.parent_informed,
        parent_informed_at=at if form.parent_informed else None,
        parent_informed_how=form.parent_informed_how.strip() if form.parent_informed else "",
        parent_not_informed_reason=""
        if form.parent_informed
        else form.parent_not_informed_reason.strip(),
        # Never a tick: told only when a notification is delivered or staff confirm it.
        dsl_informed=False,
        consent=form.consent.value if form.consent else "",
        physical_intervention=form.physical_intervention.strip(),
        adjustments=form.adjustments.strip(),
        recorded_by_id=recorder.id,
        created_at=at,
    )
    for item in form.items:
        search.items.append(
            FoundItemRecord(
                category=item.category.value,
                description=item.description.strip(),
                disposition=item.disposition.value,
                handed_to=item.handed_to.strip(),
                police_reference=item.police_reference.strip(),
                disposition_reason=item.reason.strip(),
            )
        )
    return search


def _tell_dsl(
    session: Session,
    form: SearchForm,
    check: SearchCheck,
    item_checks: Sequence[DispositionCheck],
    search: SearchRecord,
    searcher: StaffRecord,
    *,
    at: datetime,
    zone: tzinfo | None,
) -> list[int]:
    """Queue what the DSL must be told of this search: the exception used, physical
    intervention, and each item for the police or that they must know of; the ids queued."""
    force = form.physical_intervention.strip()
    learner = session.get_one(LearnerRecord, form.learner_id)
    who = f"{learner.forename} {learner.surname}"
    by = f"{searcher.forename} {searcher.surname}"
    queued: list[int] = []
    if check.exception_used and form.exception is not None:
        queued.append(
            queue_exception_used(
                session,
                at=at,
                learner=who,
                searcher=by,
                reason=form.exception.reason.strip(),
                mis_id=learner.mis_id,
                zone=zone,
                search_id=search.id,
            )
        )
    if force:
        queued.append(
            queue_physical_intervention(
                session,
                at=at,
                learner=who,
                what=force,
                mis_id=learner.mis_id,
                zone=zone,
                search_id=search.id,
            )
        )
    for item, item_check in zip(form.items, item_checks, strict=True):
        if item.disposition is Disposition.POLICE:
            queued.append(
                queue_police_item(
                    session,
                    at=at,
                    learner=who,
                    category=item.category.label,
                    description=item.description.strip(),
                    searcher=by,
                    handed_to=item.handed_to.strip(),
                    police_reference=item.police_reference.strip(),
                    mis_id=learner.mis_id,
                    zone=zone,
                    search_id=search.id,
                )
            )
        elif item_check.notify_dsl:
            queued.append(
                queue_dsl_item(
                    session,
                    at=at,
                    learner=who,
                    category=item.category.label,
                    description=item.description.strip(),
                    disposition=str(item.disposition),
                    searcher=by,
                    reason=item.reason.strip(),
                    handed_to=item.handed_to.strip(),
                    mis_id=learner.mis_id,
                    zone=zone,
                    search_id=search.id,
                )
            )
    return queued
