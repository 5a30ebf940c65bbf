"""What each notification says and to whom: queued in the caller's transaction, never committed.

Split out of kiosk.notify.send, which reads the outbox and sends it by email: the use cases that
refuse a learner, record a search, sign a learner out or confiscate a phone write their
message here, with the transaction that records what happened, so a message is never lost
and never sent for something that was rolled back.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from sqlalchemy.orm import Session

from kiosk.domain.phones import ConfiscatedItem
from kiosk.notify.send import ATTENDANCE, DSL
from records.models import NotificationRecord


def _local(at: datetime, zone: tzinfo | None) -> str:
    # The zone's abbreviation is printed so that a UTC time is never read as local (or back).
    return f"{(at.astimezone(zone) if zone else at):%H:%M %Z on %Y-%m-%d}"


def _queue(
    session: Session,
    *,
    at: datetime,
    role: str,
    subject: str,
    body: str,
    search_id: int | None = None,
    refusal_id: int | None = None,
) -> int:
    record = NotificationRecord(
        created_at=at,
        role=role,
        subject=subject,
        body=body,
        search_id=search_id,
        refusal_id=refusal_id,
    )
    session.add(record)
    session.flush()
    return record.id


def queue_refusal(
    session: Session,
    *,
    at: datetime,
    day: date,
    learner: str,
    mis_id: str,
    comment: str,
    zone: tzinfo | None = None,
    then: str = "",
) -> int:
    """Tell the attendance officer a learner was not admitted (the O mark); no search detail.

    `learner` names the learner to staff, e.g. "Aoife Ní Bhriain (A1001, 7R)"; `then`, a line
    on what happens next (a parent or carer called to collect them).
    """
    return _queue(
        session,
        at=at,
        role=ATTENDANCE,
        subject=f"Not admitted: {learner}",
        body=(
            f"{learner}: {comment} at {_local(at, zone)} (school day {day}).\n"
            "The absence is recorded as unauthorised (O). This is not an exclusion.\n"
            + (f"{then}\n" if then else "")
            + f"Learner MIS id: {mis_id}\n"
        ),
    )


def queue_influence(
    session: Session,
    *,
    at: datetime,
    learner: str,
    mis_id: str,
    note: str = "",
    recorded_by: str = "",
    zone: tzinfo | None = None,
    refusal_id: int | None = None,
) -> int:
    """Tell the DSL a learner suspected of being under the influence was not admitted (R28: a
    drug and substance incident); its delivery is written on the refusal."""
    lines = [
        f"{learner} was not admitted at {_local(at, zone)}: suspected under the influence.",
        "They are kept apart from other learners until a parent or carer collects them.",
    ]
    return _queue(
        session,
        at=at,
        role=DSL,
        subject=f"Not admitted, suspected under the influence{_ref(mis_id)}",
        body=_body(lines, ("Recorded by: ", recorded_by), ("What staff saw:\n", note)),
        refusal_id=refusal_id,
    )


def queue_exception_used(
    session: Session,
    *,
    at: datetime,
    learner: str,
    searcher: str,
    reason: str,
    mis_id: str = "",
    zone: tzinfo | None = None,
    search_id: int | None = None,
) -> int:
    """Flag to the DSL a search made without a same-sex searcher or a witness, with the reason."""
    return _queue(
        session,
        at=at,
        search_id=search_id,
        role=DSL,
        # Subjects show on lock screens and in shared mailbox lists: the kind and the MIS id only.
        subject=f"Search exception used{_ref(mis_id)}",
        body=(
            f"A search of {learner} at {_local(at, zone)} was made by {searcher} using the "
            "exception (risk of serious harm if not searched urgently; a same-sex searcher or "
            "a witness was not reasonably practicable in the time available).\n\n"
            f"Justification recorded:\n{reason}\n"
        ),
    )


def queue_police_item(
    session: Session,
    *,
    at: datetime,
    learner: str,
    category: str,
    description: str,
    searcher: str,
    handed_to: str = "",
    police_reference: str = "",
    mis_id: str = "",
    zone: tzinfo | None = None,
    search_id: int | None = None,
) -> int:
    """Tell the DSL an item found in a search went (or must go) to the police."""
    lines = [
        f"An item found in a search of {learner} at {_local(at, zone)} is for the police.",
        f"Category: {category}",
        f"Description: {description}",
        f"Searcher: {searcher}",
    ]
    return _queue(
        session,
        at=at,
        role=DSL,
        subject=f"Item for the police{_ref(mis_id)}",
        body=_body(lines, ("Handed to: ", handed_to), ("Police reference: ", police_reference)),
        search_id=search_id,
    )


def queue_dsl_item(
    session: Session,
    *,
    at: datetime,
    learner: str,
    category: str,
    description: str,
    disposition: str,
    searcher: str,
    reason: str = "",
    handed_to: str = "",
    mis_id: str = "",
    zone: tzinfo | None = None,
    search_id: int | None = None,
) -> int:
    """Tell the DSL of an item they must know of (a drug or substance, a stolen item), whatever
    became of it."""
    lines = [
        f"An item found in a search of {learner} at {_local(at, zone)} must be known to the "
        "designated safeguarding lead.",
        f"Category: {category}",
        f"Description: {description}",
        f"What became of it: {disposition}",
        f"Searcher: {searcher}",
    ]
    return _queue(
        session,
        at=at,
        role=DSL,
        subject=f"Search: {category}{_ref(mis_id)}",
        body=_body(lines, ("Reason: ", reason), ("Handed to: ", handed_to)),
        search_id=search_id,
    )


def queue_physical_intervention(
    session: Session,
    *,
    at: datetime,
    learner: str,
    what: str,
    mis_id: str = "",
    zone: tzinfo | None = None,
    search_id: int | None = None,
) -> int:
    """Tell the DSL that physical contact or force was used in a search (what, by whom, why)."""
    return _queue(
        session,
        at=at,
        role=DSL,
        subject=f"Physical intervention in a search{_ref(mis_id)}",
        body=(
            f"Physical intervention was used in a search of {learner} at {_local(at, zone)}.\n"
            f"What, by whom and why:\n{what}\n"
        ),
        search_id=search_id,
    )


def queue_attendance(session: Session, *, at: datetime, subject: str, body: str) -> int:
    """A plain message for the attendance officer (a sign-out sent home, a phone collected)."""
    return _queue(session, at=at, role=ATTENDANCE, subject=subject, body=body)


def queue_third_confiscation(
    session: Session,
    *,
    at: datetime,
    learner: str,
    mis_id: str,
    slot: str = "",
    zone: tzinfo | None = None,
    item: ConfiscatedItem = ConfiscatedItem.PHONE,
) -> int:
    """Tell the attendance officer of a third confiscation: a parent or carer must collect it.

    The occurrence counts phones and earphones alike (seed 003); the message names what was
    taken this time."""
    it = item.it
    they = "They are" if item is ConfiscatedItem.EARPHONES else "It is"
    where = f" {they} in {slot}." if slot else ""
    return _queue(
        session,
        at=at,
        role=ATTENDANCE,
        subject=f"{item.noun.capitalize()} to be collected by a parent or carer: {learner}",
        body=(
            f"{learner}'s {item.noun} {item.were} confiscated for the third time at "
            f"{_local(at, zone)}.{where}\nUnder the school's policy a parent or carer must "
            f"collect {it}; please contact them.\n"
            f"Learner MIS id: {mis_id}\n"
        ),
    )


def _body(lines: list[str], *optional: tuple[str, str]) -> str:
    """The lines, then each optional (label, value) that has a value, one a line."""
    return "\n".join([*lines, *(label + value for label, value in optional if value)]) + "\n"


def _ref(mis_id: str) -> str:
    return f": {mis_id}" if mis_id else ""
