"""Push this door's other facts to the hub: sign-outs, mark amendments, staff sign-ons and
sign-offs, phones handed in and given back, and cards enrolled here.

These only ever accrue. Each is keyed by what names it at this door (door, person, time) and
offered again from a day before the newest the hub holds, so a round cut short loses nothing
and doubles nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.hub.engine import utc
from records.hub import (
    HubAmendmentRecord,
    HubBadgeEnrolmentRecord,
    HubBadgeRecord,
    HubPhoneRecord,
    HubSignOutRecord,
    HubStaffPresenceRecord,
)
from records.models import (
    BadgeRecord,
    LearnerRecord,
    MarkAmendmentRecord,
    PhoneHandinRecord,
    SessionMarkRecord,
    SignOutRecord,
    StaffRecord,
    StaffSignOnRecord,
)

log = logging.getLogger(__name__)

# --- sign-outs, amendments, staff presence, phones, badges: facts that only ever accrue ----------

# Facts are offered again from this long before the newest one the hub holds from this door
# (by the door's own clock), so a round cut short anywhere sends the rest next time.
_FACTS_LOOKBACK = timedelta(days=1)
Since = datetime | None


@dataclass(frozen=True)
class _Facts:
    """One kind of fact a door pushes: its hub table, the columns that name a row (the unique
    constraint, station first), the door-clock column that says how far the door has got, and
    the door's rows of it from `since` on."""

    record: type[Any]
    key: tuple[str, ...]
    progress: str
    rows: Callable[[Session, str, str, Since], Iterable[dict[str, Any]]]


def push_door_facts(
    reader: sessionmaker[Session], hub: Engine, station: str, store: str, batch_size: int
) -> int:
    """Sign-outs, amendments (where this door's login may add them), staff presence, phones and
    the cards enrolled here: how many the hub did not have before."""
    facts = _FACTS if _may_add_amendments(hub) else _DOOR_FACTS
    others = sum(_push_facts(reader, hub, station, store, f, batch_size) for f in facts)
    others += _push_enrolments(reader, hub, station, batch_size)
    return others


def _push_facts(
    reader: sessionmaker[Session],
    hub: Engine,
    station: str,
    store: str,
    facts: _Facts,
    batch_size: int,
) -> int:
    record = facts.record
    progress = getattr(record, facts.progress)
    with hub.connect() as conn:
        newest: datetime | None = conn.execute(
            select(func.max(progress)).where(record.station == station)
        ).scalar_one()
        since = None if newest is None else newest - _FACTS_LOOKBACK
        held_query = select(*(getattr(record, name) for name in facts.key)).where(
            record.station == station
        )
        if since is not None:
            held_query = held_query.where(progress >= since)
        held = {tuple(utc(v) for v in row) for row in conn.execute(held_query)}
    with reader() as db:
        rows = [
            r
            for r in facts.rows(db, station, store, since)
            if tuple(utc(r[name]) for name in facts.key) not in held
        ]
    # Oldest first, so the newest fact the hub holds is only reached once those before it are in.
    rows.sort(key=lambda r: utc(r[facts.progress]))
    if record is HubAmendmentRecord:
        return _insert_amendments(hub, rows)
    return _insert_new(hub, record, facts.key, rows, batch_size)


def _may_add_amendments(hub: Engine) -> bool:
    """Whether this door's login may add amendments: only an office login may (hub0003). A
    door's amendments wait in its own book, and its exports, until made at the office."""
    with hub.connect() as conn:
        allowed = bool(
            conn.execute(
                text("SELECT has_table_privilege(CAST('hub_amendments' AS text), 'INSERT')")
            ).scalar_one()
        )
    if not allowed:
        log.debug("this door's hub login may not add amendments: they stay in its own book")
    return allowed


def _insert_amendments(hub: Engine, rows: list[dict[str, Any]]) -> int:
    """One at a time: the hub refuses an amendment by someone its roster does not hold as
    office, dsl or admin, and that one refusal must not hold up the rest of the round."""
    sent = 0
    key = ["station", "mis_id", "date", "session", "amended_at"]
    for row in rows:
        try:
            with hub.begin() as conn:
                result = conn.execute(
                    pg_insert(HubAmendmentRecord)
                    .values(row)
                    .on_conflict_do_nothing(index_elements=key)
                    .returning(HubAmendmentRecord.id)
                )
                sent += len(result.all())
        except ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
                raise
            named = tuple(str(row[name]) for name in key)
            if named in _REFUSED_AMENDMENTS:
                continue  # said once; it is offered again every round while in reach
            _REFUSED_AMENDMENTS.add(named)
            log.warning(
                "the hub refused the amendment of %s %s %s by %s: %s",
                row["mis_id"],
                row["date"],
                row["session"],
                row["amended_by"],
                str(exc.orig).splitlines()[0],
            )
    return sent


def _insert_new(
    hub: Engine, record: Any, key: Sequence[str], rows: list[dict[str, Any]], batch_size: int
) -> int:
    sent = 0
    for start in range(0, len(rows), batch_size):
        with hub.begin() as conn:
            result = conn.execute(
                pg_insert(record)
                .values(rows[start : start + batch_size])
                .on_conflict_do_nothing(index_elements=list(key))
                .returning(record.id)
            )
            sent += len(result.all())
    return sent


def _sign_out_rows(db: Session, station: str, store: str, since: Since) -> Iterator[dict[str, Any]]:
    query = (
        select(SignOutRecord, LearnerRecord.mis_id, StaffRecord.staff_id)
        .join(LearnerRecord, LearnerRecord.id == SignOutRecord.learner_id)
        .outerjoin(StaffRecord, StaffRecord.id == SignOutRecord.recorded_by_id)
    )
    if since is not None:
        query = query.where(SignOutRecord.signed_out_at >= since)
    for record, mis_id, staff_id in db.execute(query):
        yield {
            "station": station,
            "mis_id": mis_id,
            "date": record.date,
            "session": record.session,
            "signed_out_at": record.signed_out_at,
            "reason": record.reason,
            "recorded_by": staff_id,
        }


def _amendment_rows(
    db: Session, station: str, store: str, since: Since
) -> Iterator[dict[str, Any]]:
    query = (
        select(MarkAmendmentRecord, SessionMarkRecord, LearnerRecord.mis_id, StaffRecord.staff_id)
        .join(SessionMarkRecord, SessionMarkRecord.id == MarkAmendmentRecord.mark_id)
        .join(LearnerRecord, LearnerRecord.id == SessionMarkRecord.learner_id)
        .outerjoin(StaffRecord, StaffRecord.id == MarkAmendmentRecord.amended_by_id)
    )
    if since is not None:
        query = query.where(MarkAmendmentRecord.amended_at >= since)
    for amendment, mark, mis_id, staff_id in db.execute(query):
        yield {
            "station": station,
            "mis_id": mis_id,
            "date": mark.date,
            "session": mark.session,
            "original_code": amendment.original_code,
            "original_minutes_late": amendment.original_minutes_late,
            "original_comment": amendment.original_comment,
            "new_code": amendment.new_code,
            "new_minutes_late": amendment.new_minutes_late,
            "new_comment": amendment.new_comment,
            "reason": amendment.reason,
            "amended_at": amendment.amended_at,
            "amended_by": staff_id,
        }


def _presence_rows(db: Session, station: str, store: str, since: Since) -> Iterator[dict[str, Any]]:
    query = select(StaffSignOnRecord, StaffRecord.staff_id).join(
        StaffRecord, StaffRecord.id == StaffSignOnRecord.staff_id
    )
    if since is not None:
        query = query.where(
            or_(
                StaffSignOnRecord.signed_on_at >= since,
                StaffSignOnRecord.signed_off_at >= since,
            )
        )
    for spell, staff_id in db.execute(query):
        spell_row = {
            "station": station,
            "staff_id": staff_id,
            "date": spell.date,
            "signed_on_at": spell.signed_on_at,
        }
        yield from _events(spell_row, since, on=spell.signed_on_at, off=spell.signed_off_at)


def _phone_rows(db: Session, station: str, store: str, since: Since) -> Iterator[dict[str, Any]]:
    query = select(PhoneHandinRecord, LearnerRecord.mis_id).join(
        LearnerRecord, LearnerRecord.id == PhoneHandinRecord.learner_id
    )
    if since is not None:
        query = query.where(
            or_(PhoneHandinRecord.handed_in_at >= since, PhoneHandinRecord.returned_at >= since)
        )
    for phone, mis_id in db.execute(query):
        row = {
            "station": station,
            "store": store,
            "mis_id": mis_id,
            "date": phone.date,
            "slot": phone.slot,
            "no_phone": phone.no_phone,
            "confiscated": phone.confiscated,
            "item": phone.item,
            "handed_in_at": phone.handed_in_at,
        }
        yield from _events(row, since, handed_in=phone.handed_in_at, returned=phone.returned_at)


def _events(row: dict[str, Any], since: Since, **at: datetime | None) -> Iterator[dict[str, Any]]:
    """The row once for each event (its kind, when) that has happened, at or after `since`."""
    for kind, when in at.items():
        if when is not None and (since is None or when >= since):
            yield {**row, "kind": kind, "at": when}


_FACTS = (
    _Facts(
        HubSignOutRecord, ("station", "mis_id", "signed_out_at"), "signed_out_at", _sign_out_rows
    ),
    _Facts(
        HubAmendmentRecord,
        ("station", "mis_id", "date", "session", "amended_at"),
        "amended_at",
        _amendment_rows,
    ),
    _Facts(
        HubStaffPresenceRecord,
        ("station", "staff_id", "signed_on_at", "kind"),
        "at",
        _presence_rows,
    ),
    _Facts(HubPhoneRecord, ("station", "mis_id", "handed_in_at", "kind"), "at", _phone_rows),
)
_DOOR_FACTS = tuple(f for f in _FACTS if f.record is not HubAmendmentRecord)
# PostgreSQL's "permission denied" and "new row violates row-level security policy".
_INSUFFICIENT_PRIVILEGE = "42501"
# Amendments the hub refused, by the columns that name them: logged once per process.
_REFUSED_AMENDMENTS: set[tuple[str, ...]] = set()


def _push_enrolments(
    reader: sessionmaker[Session], hub: Engine, station: str, batch_size: int
) -> int:
    """Cards enrolled here that the hub has from nowhere yet: neither another door's enrolment
    nor the office's roster (a card copied from the hub is not sent back as this door's)."""
    enrolments = HubBadgeEnrolmentRecord
    with hub.connect() as conn:
        newest: datetime | None = conn.execute(
            select(func.max(enrolments.enrolled_at)).where(enrolments.station == station)
        ).scalar_one()
        if newest is None:
            # Nothing from this door yet: what is older than the hub's newest card came from
            # the roster, not from an enrolment here (so a door that only copies the roster
            # does not read every card every round).
            newest = max(
                (
                    stamp
                    for table in (enrolments, HubBadgeRecord)
                    if (stamp := conn.execute(select(func.max(table.enrolled_at))).scalar_one())
                    is not None
                ),
                default=None,
            )
        since = None if newest is None else newest - _FACTS_LOOKBACK
        held: set[tuple[str, datetime]] = set()
        for table in (enrolments, HubBadgeRecord):
            on_hub = select(table.enrolled_as, table.enrolled_at)
            if since is not None:
                on_hub = on_hub.where(table.enrolled_at >= since)
            held.update((as_, at.astimezone(UTC)) for as_, at in conn.execute(on_hub))
    query = (
        select(
            BadgeRecord.enrolled_as,
            BadgeRecord.enrolled_at,
            LearnerRecord.mis_id,
            StaffRecord.staff_id,
        )
        .outerjoin(LearnerRecord, LearnerRecord.id == BadgeRecord.learner_id)
        .outerjoin(StaffRecord, StaffRecord.id == BadgeRecord.staff_id)
        .distinct()
    )
    if since is not None:
        query = query.where(BadgeRecord.enrolled_at >= since)
    with reader() as db:
        found = db.execute(query).all()
    rows = {
        (enrolled_as, enrolled_at.astimezone(UTC)): {
            "station": station,
            "date": enrolled_at.astimezone(UTC).date(),
            "enrolled_as": enrolled_as,
            "learner_mis_id": mis_id,
            "staff_id": staff_id,
            "enrolled_at": enrolled_at,
        }
        for enrolled_as, enrolled_at, mis_id, staff_id in found
        if (enrolled_as, enrolled_at.astimezone(UTC)) not in held
    }
    new = sorted(rows.values(), key=lambda r: utc(r["enrolled_at"]))
    return _insert_new(hub, enrolments, ("station", "enrolled_as", "enrolled_at"), new, batch_size)
