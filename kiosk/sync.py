"""Sync between this door's own book and the school's hub: push what happened here, pull the rest.

The door never waits for the hub. It records everything locally in one transaction, as it
always has; a sync round, on its own thread, then
- pushes this door's new visit events to the hub in the order they were recorded, a batch per
  hub transaction, each row `ON CONFLICT (event_id) DO NOTHING`. How far the door has got is read
  back from the hub (the largest local id it holds for this door), not trusted to a local note:
  a round cut short anywhere (the network, the hub restarting, the kiosk killed) just offers
  the unconfirmed batch again, and the hub keeps each event once;
- pushes its admissions and refusals (the facts behind its marks) the same way, keyed by door,
  learner, session and time; the hub's `hub_session_marks` view then gives the one mark;
- pushes its sign-outs, mark amendments, staff sign-ons and sign-offs, phones handed in and
  given back, and cards enrolled here, each keyed by what names it at this door (door, person,
  time) and offered again from a day before the newest the hub holds, so a round cut short
  loses nothing and doubles nothing;
- pulls other doors' admissions today into `remote_arrivals` (by MIS id), so a learner who came
  in at the side gate is greeted as already in here (`already_in`);
- pulls the slots holding a phone today at the other doors of this door's phone store into
  `remote_phone_slots`, which the lane never hands out (`slots_taken_elsewhere`);
- pulls the roster, staff (with PIN hashes) and badges, and the cards enrolled at the doors,
  when the hub's copy has changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.config import Config, HubConfig
from kiosk.domain.attendance import RefusalKind
from kiosk.domain.badges import badge_keys
from records.database import SQLITE_BEGIN
from records.hub import (
    ADMISSION,
    REFUSAL,
    HubAmendmentRecord,
    HubBadgeEnrolmentRecord,
    HubBadgeRecord,
    HubEventRecord,
    HubLearnerRecord,
    HubMarkRecord,
    HubPhoneRecord,
    HubSignOutRecord,
    HubStaffPresenceRecord,
    HubStaffRecord,
    hub_phones_held,
)
from records.models import (
    BadgeRecord,
    LearnerRecord,
    MarkAmendmentRecord,
    PhoneHandinRecord,
    RefusalRecord,
    SessionMarkRecord,
    SignOutRecord,
    StaffRecord,
    StaffSignOnRecord,
    VisitEventRecord,
)
from records.remote import HubSyncRecord, RemoteArrivalRecord, RemotePhoneSlotRecord

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500
# Marks are offered again from this long before the newest day the hub holds from this door,
# so a refusal overturned or a mark written the day after still reaches it.
_MARKS_LOOKBACK = timedelta(days=1)
# How long the worker waits between rounds while the hub is out of reach, at most.
_MAX_BACKOFF_SECONDS = 15.0
# The local note of progress is rewritten at least this often even when nothing moved.
_NOTE_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SyncReport:
    """What one round did."""

    sent: int  # events the hub did not have before
    offered: int  # events offered (sent plus those it already had)
    marks_sent: int  # admissions and refusals the hub did not have before
    received: int  # other doors' arrivals new to this door
    roster: int  # learners, staff and badges added or changed here
    roster_version: str  # the hub roster this door now holds
    waiting: int  # this door's events the hub does not hold yet (new since the round began)
    synced_at: datetime
    # Sign-outs, amendments, staff sign-ons and -offs, phones and enrolled cards new to the hub.
    others_sent: int = 0
    slots: int = 0  # changes to the phone slots held at doors sharing this door's store

    def lines(self) -> list[str]:
        return [
            f"sent {self.sent} event(s) to the hub ({self.offered - self.sent} it already had), "
            f"{self.marks_sent} admission(s) and refusal(s), {self.others_sent} other "
            "record(s) (sign-outs, amendments, staff on and off, phones, cards)",
            f"received {self.received} arrival(s) at other doors, {self.roster} roster change(s), "
            f"{self.slots} phone slot change(s)",
            f"{self.waiting} event(s) waiting",
        ]


@dataclass(frozen=True)
class SyncStatus:
    """What the staff status line shows about the hub."""

    online: bool | None  # None: no round has finished yet
    waiting: int
    last_sync_at: datetime | None
    error: str = ""

    def line(self, zone: ZoneInfo) -> str:
        when = (
            f"last sync {self.last_sync_at.astimezone(zone):%H:%M:%S}"
            if self.last_sync_at is not None
            else "never synced"
        )
        if self.online:
            waiting = f", {self.waiting} events waiting" if self.waiting else ""
            return f"hub online{waiting}, {when}"
        if self.online is None:
            return f"hub: connecting, {self.waiting} events waiting, {when}"
        return f"hub offline, {self.waiting} events waiting, {when}"


def hub_engine(hub: HubConfig | str, **kwargs: Any) -> Engine:
    """An engine for the hub that gives up quickly: an unreachable hub is offline, not a wait.

    pool_pre_ping: a pooled connection from before a hub restart is replaced, not used.
    """
    url = hub if isinstance(hub, str) else hub.url
    timeout = 3.0 if isinstance(hub, str) else hub.connect_timeout_seconds
    connect_args = {"connect_timeout": max(1, round(timeout))}
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _reader(local: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions that read without taking SQLite's write lock (the door's writer keeps it)."""
    bind = local.kw.get("bind")
    if isinstance(bind, Engine):
        bind = bind.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
    return sessionmaker(bind=bind, expire_on_commit=False)


# --- one round --------------------------------------------------------------------------------


def sync_once(
    local: sessionmaker[Session],
    hub: Engine,
    station: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    batch_size: int = DEFAULT_BATCH,
    roster_version: str = "",
    on_batch: Callable[[int], None] | None = None,
    store: str = "",
) -> SyncReport:
    """One round: push events, marks and the door's other facts (sign-outs, amendments, staff
    presence, phones, enrolled cards); pull arrivals, the phone slots in use at doors sharing
    `store` (default: this door's own, shared with none) and (if it changed) the roster.

    Raises SQLAlchemyError (OperationalError when the hub cannot be reached); what was
    committed at the hub before that stays, and the next round carries on from there.
    `on_batch(sent)` is called after each committed batch of events.
    """
    reader = _reader(local)
    offered, sent, pushed_to = _push_events(reader, hub, station, batch_size, on_batch)
    marks_sent = _push_marks(reader, hub, station, batch_size)
    store = store or station
    facts = _FACTS if _may_add_amendments(hub) else _DOOR_FACTS
    others = sum(_push_facts(reader, hub, station, store, f, batch_size) for f in facts)
    others += _push_enrolments(reader, hub, station, batch_size)
    today = now.astimezone(zone).date()
    received = _pull_arrivals(local, hub, station, today)
    slots = _pull_phone_slots(local, hub, station, store, today)
    changed, version = _pull_roster(local, hub, now, roster_version)
    waiting = _note_progress(local, station, pushed_to, now, force=bool(sent or received))
    report = SyncReport(
        sent, offered, marks_sent, received, changed, version, waiting, now, others, slots
    )
    log.debug("sync round: %s", "; ".join(report.lines()))
    return report


def _push_events(
    reader: sessionmaker[Session],
    hub: Engine,
    station: str,
    batch_size: int,
    on_batch: Callable[[int], None] | None,
) -> tuple[int, int, int]:
    with hub.connect() as conn:
        pushed_to = conn.execute(
            select(func.coalesce(func.max(HubEventRecord.local_id), 0)).where(
                HubEventRecord.station == station
            )
        ).scalar_one()
    with reader() as db:
        newest = db.execute(select(func.coalesce(func.max(VisitEventRecord.id), 0))).scalar_one()
    if pushed_to > newest:
        # The hub holds more of this door than its log has: a new book under an old name.
        # Offer everything again; the hub keeps what it already has once.
        log.warning(
            "the hub holds events up to %d from %r but this log ends at %d; offering all again",
            pushed_to,
            station,
            newest,
        )
        pushed_to = 0
    offered = sent = 0
    while True:
        with reader() as db:
            rows = _event_rows(db, pushed_to, batch_size)
        if not rows:
            return offered, sent, pushed_to
        with hub.begin() as conn:
            result = conn.execute(
                pg_insert(HubEventRecord)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(HubEventRecord.id)
            )
            added = len(result.all())
        # Only after the hub's commit: a crash before this line offers the batch again.
        pushed_to = rows[-1]["local_id"]
        offered += len(rows)
        sent += added
        if on_batch is not None:
            on_batch(sent)


def _event_rows(db: Session, after: int, limit: int) -> list[dict[str, Any]]:
    query = (
        select(VisitEventRecord, LearnerRecord.mis_id)
        .outerjoin(LearnerRecord, LearnerRecord.id == VisitEventRecord.learner_id)
        .where(VisitEventRecord.id > after)
        .order_by(VisitEventRecord.id)
        .limit(limit)
    )
    return [
        {
            "event_id": event.event_id,
            "station": event.station,
            "local_id": event.id,
            "date": event.date,
            "session": event.session,
            "at": event.at,
            "kind": event.kind,
            "learner_mis_id": mis_id,
            "staff_id": event.staff_id,
            "payload": event.payload,
            "recorded_at": event.recorded_at,
        }
        for event, mis_id in db.execute(query)
    ]


def _mark_key(row: dict[str, Any]) -> tuple[str, date, str, str, datetime]:
    return (row["mis_id"], row["date"], row["session"], row["kind"], row["at"].astimezone(UTC))


def _push_marks(reader: sessionmaker[Session], hub: Engine, station: str, batch_size: int) -> int:
    with hub.connect() as conn:
        newest: date | None = conn.execute(
            select(func.max(HubMarkRecord.date)).where(HubMarkRecord.station == station)
        ).scalar_one()
        since = None if newest is None else newest - _MARKS_LOOKBACK
        held_query = select(
            HubMarkRecord.mis_id,
            HubMarkRecord.date,
            HubMarkRecord.session,
            HubMarkRecord.kind,
            HubMarkRecord.at,
        ).where(HubMarkRecord.station == station)
        if since is not None:
            held_query = held_query.where(HubMarkRecord.date >= since)
        held = {(m, d, s, k, at.astimezone(UTC)) for m, d, s, k, at in conn.execute(held_query)}
    with reader() as db:
        rows = [r for r in _mark_rows(db, station, since) if _mark_key(r) not in held]
    # Oldest day first, so the newest day the hub holds is only ever reached once the days
    # before it are complete (the lookback covers the day a round was cut short in).
    rows.sort(key=lambda r: (r["date"], r["at"]))
    sent = 0
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        with hub.begin() as conn:
            result = conn.execute(
                pg_insert(HubMarkRecord)
                .values(batch)
                .on_conflict_do_nothing(
                    index_elements=["station", "mis_id", "date", "session", "kind", "at"]
                )
                .returning(HubMarkRecord.id)
            )
            sent += len(result.all())
    return sent


def _mark_rows(db: Session, station: str, since: date | None) -> Iterable[dict[str, Any]]:
    admissions = (
        select(SessionMarkRecord, LearnerRecord.mis_id, StaffRecord.staff_id)
        .join(LearnerRecord, LearnerRecord.id == SessionMarkRecord.learner_id)
        .outerjoin(StaffRecord, StaffRecord.id == SessionMarkRecord.recorded_by_id)
        .where(SessionMarkRecord.admitted_at.is_not(None))
    )
    refusals = (
        select(RefusalRecord, LearnerRecord.mis_id, StaffRecord.staff_id)
        .join(LearnerRecord, LearnerRecord.id == RefusalRecord.learner_id)
        .outerjoin(StaffRecord, StaffRecord.id == RefusalRecord.recorded_by_id)
    )
    if since is not None:
        admissions = admissions.where(SessionMarkRecord.date >= since)
        refusals = refusals.where(RefusalRecord.date >= since)
    for mark, mis_id, staff_id in db.execute(admissions):
        assert mark.admitted_at is not None
        yield {
            "station": station,
            "kind": ADMISSION,
            "mis_id": mis_id,
            "date": mark.date,
            "session": mark.session,
            # The badge tap decides the mark; a mark written without one counts from admission.
            "at": mark.arrived_at or mark.admitted_at,
            "admitted_at": mark.admitted_at,
            "code": mark.code,
            "minutes_late": mark.minutes_late,
            "comment": mark.comment,
            "late_reason": mark.late_reason,
            "late_detention": mark.late_detention,
            "refusal_kind": None,
            "recorded_by": staff_id,
        }
    for refusal, mis_id, staff_id in db.execute(refusals):
        yield {
            "station": station,
            "kind": REFUSAL,
            "mis_id": mis_id,
            "date": refusal.date,
            "session": refusal.session,
            "at": refusal.refused_at,
            "admitted_at": None,
            "code": "O",
            "minutes_late": 0,
            "comment": RefusalKind(refusal.kind).comment,
            "late_reason": "",
            "late_detention": False,
            "refusal_kind": refusal.kind,
            "recorded_by": staff_id,
        }


def _pull_arrivals(local: sessionmaker[Session], hub: Engine, station: str, today: date) -> int:
    with hub.connect() as conn:
        found = conn.execute(
            select(
                HubMarkRecord.mis_id,
                HubMarkRecord.session,
                HubMarkRecord.station,
                HubMarkRecord.at,
                HubMarkRecord.admitted_at,
                HubMarkRecord.code,
            )
            .where(
                HubMarkRecord.date == today,
                HubMarkRecord.kind == ADMISSION,
                HubMarkRecord.station != station,
            )
            .order_by(HubMarkRecord.at, HubMarkRecord.station, HubMarkRecord.id)
        ).all()
    earliest: dict[tuple[str, str], Any] = {}
    for row in found:
        earliest.setdefault((row.mis_id, row.session), row)
    if not earliest:
        return 0
    with _reader(local)() as db:
        known = {
            (r.mis_id, r.session): r.arrived_at
            for r in db.scalars(
                select(RemoteArrivalRecord).where(RemoteArrivalRecord.date == today)
            )
        }
    new = {
        key: row
        for key, row in earliest.items()
        if key not in known or row.at.astimezone(UTC) < known[key].astimezone(UTC)
    }
    if not new:
        return 0
    with local.begin() as db:
        for (mis_id, session_name), row in new.items():
            if (mis_id, session_name) in known:
                db.execute(
                    update(RemoteArrivalRecord)
                    .where(
                        RemoteArrivalRecord.mis_id == mis_id,
                        RemoteArrivalRecord.date == today,
                        RemoteArrivalRecord.session == session_name,
                    )
                    .values(
                        station=row.station,
                        arrived_at=row.at,
                        admitted_at=row.admitted_at,
                        code=row.code,
                    )
                )
            else:
                db.add(
                    RemoteArrivalRecord(
                        mis_id=mis_id,
                        date=today,
                        session=session_name,
                        station=row.station,
                        arrived_at=row.at,
                        admitted_at=row.admitted_at,
                        code=row.code,
                    )
                )
    return sum(1 for key in new if key not in known)


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


def _utc(value: Any) -> Any:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


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
        held = {tuple(_utc(v) for v in row) for row in conn.execute(held_query)}
    with reader() as db:
        rows = [
            r
            for r in facts.rows(db, station, store, since)
            if tuple(_utc(r[name]) for name in facts.key) not in held
        ]
    # Oldest first, so the newest fact the hub holds is only reached once those before it are in.
    rows.sort(key=lambda r: _utc(r[facts.progress]))
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
        if since is None or spell.signed_on_at >= since:
            yield {**spell_row, "kind": "on", "at": spell.signed_on_at}
        if spell.signed_off_at is not None and (since is None or spell.signed_off_at >= since):
            yield {**spell_row, "kind": "off", "at": spell.signed_off_at}


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
            "handed_in_at": phone.handed_in_at,
        }
        if since is None or phone.handed_in_at >= since:
            yield {**row, "kind": "handed_in", "at": phone.handed_in_at}
        if phone.returned_at is not None and (since is None or phone.returned_at >= since):
            yield {**row, "kind": "returned", "at": phone.returned_at}


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
    new = sorted(rows.values(), key=lambda r: _utc(r["enrolled_at"]))
    return _insert_new(hub, enrolments, ("station", "enrolled_as", "enrolled_at"), new, batch_size)


def _pull_phone_slots(
    local: sessionmaker[Session], hub: Engine, station: str, store: str, today: date
) -> int:
    """Today's slots holding a phone at the other doors of this door's phone store."""
    phones = HubPhoneRecord
    with hub.connect() as conn:
        found = conn.execute(
            hub_phones_held(today)
            .where(phones.store == store, phones.station != station, phones.slot != "")
            .with_only_columns(phones.slot, phones.station)
        ).all()
    held: dict[str, str] = {}
    for slot, where in found:
        held.setdefault(slot, where)
    with _reader(local)() as db:
        known = {(r.date, r.slot, r.station) for r in db.scalars(select(RemotePhoneSlotRecord))}
    wanted = {(today, slot, where) for slot, where in held.items()}
    if known == wanted:
        return 0
    with local.begin() as db:
        db.execute(delete(RemotePhoneSlotRecord))
        db.add_all(
            RemotePhoneSlotRecord(date=today, slot=slot, station=where)
            for slot, where in sorted(held.items())
        )
    return len(wanted ^ known)


def slots_taken_elsewhere(session: Session, day: date) -> tuple[str, ...]:
    """Slots holding a phone today at doors sharing this door's phone store (as last heard)."""
    return tuple(
        session.scalars(
            select(RemotePhoneSlotRecord.slot)
            .where(RemotePhoneSlotRecord.date == day)
            .order_by(RemotePhoneSlotRecord.slot)
        )
    )


# --- the roster -------------------------------------------------------------------------------

_LEARNER_FIELDS = (
    "upn",
    "surname",
    "forename",
    "preferred_name",
    "sex",
    "year_group",
    "reg_group",
    "sen",
    "left_on",
)
# The seal travels with the roles and PIN hash it covers (records.staff_seals).
_STAFF_FIELDS = (
    "surname",
    "forename",
    "sex",
    "roles",
    "pin_hash",
    "seal",
    "active",
    "search_trained_on",
)


def _roster_version(conn: Any) -> str:
    parts = []
    for stamp in (
        HubLearnerRecord.updated_at,
        HubStaffRecord.updated_at,
        HubBadgeRecord.enrolled_at,
        HubBadgeEnrolmentRecord.id,
    ):
        count, newest = conn.execute(select(func.count(), func.max(stamp))).one()
        shown = newest.isoformat() if isinstance(newest, datetime) else (newest or "-")
        parts.append(f"{count}@{shown}")
    return "/".join(parts)


def _pull_roster(
    local: sessionmaker[Session], hub: Engine, now: datetime, seen: str
) -> tuple[int, str]:
    """Copy the hub's roster when it changed since `seen`: learners by MIS id, staff by staff
    id, badges by key. Nothing the hub does not name is touched; an empty hub changes nothing."""
    with hub.connect() as conn:
        version = _roster_version(conn)
        if version == seen:
            return 0, version
        learners = conn.execute(select(HubLearnerRecord.__table__)).mappings().all()
        staff = conn.execute(select(HubStaffRecord.__table__)).mappings().all()
        badges = conn.execute(select(HubBadgeRecord.__table__)).mappings().all()
        enrolments = conn.execute(select(HubBadgeEnrolmentRecord.__table__)).mappings().all()
    changed = 0
    with local.begin() as db:
        by_mis = {r.mis_id: r for r in db.scalars(select(LearnerRecord))}
        for row in learners:
            record = by_mis.get(row["mis_id"])
            if record is None:
                record = LearnerRecord(
                    mis_id=row["mis_id"],
                    created_at=now,
                    updated_at=now,
                    **{f: row[f] for f in _LEARNER_FIELDS},
                )
                db.add(record)
                by_mis[record.mis_id] = record
                changed += 1
            elif _apply(record, row, _LEARNER_FIELDS, now):
                changed += 1
        by_staff = {r.staff_id: r for r in db.scalars(select(StaffRecord))}
        for row in staff:
            member = by_staff.get(row["staff_id"])
            if member is None:
                member = StaffRecord(
                    staff_id=row["staff_id"],
                    created_at=now,
                    updated_at=now,
                    **{f: row[f] for f in _STAFF_FIELDS},
                )
                db.add(member)
                by_staff[member.staff_id] = member
                changed += 1
            elif _apply(member, _kept_seal(member, row), _STAFF_FIELDS, now):
                changed += 1
        db.flush()
        by_key = {b.key: b for b in db.scalars(select(BadgeRecord))}
        for row in badges:
            learner = by_mis.get(row["learner_mis_id"] or "")
            member = by_staff.get(row["staff_id"] or "")
            learner_id = learner.id if learner is not None else None
            staff_id = member.id if member is not None else None
            if learner_id is None and staff_id is None:
                continue
            badge = by_key.get(row["key"])
            if badge is None:
                db.add(
                    BadgeRecord(
                        key=row["key"],
                        enrolled_as=row["enrolled_as"],
                        learner_id=learner_id,
                        staff_id=staff_id,
                        enrolled_at=row["enrolled_at"],
                    )
                )
                changed += 1
            elif (badge.learner_id, badge.staff_id) != (learner_id, staff_id) and _utc(
                badge.enrolled_at
            ) <= _utc(row["enrolled_at"]):
                # A card enrolled at a door after the office published keeps its new owner.
                badge.learner_id, badge.staff_id = learner_id, staff_id
                changed += 1
        db.flush()
        changed += _apply_enrolments(db, enrolments, by_mis, by_staff)
    return changed, version


def _apply_enrolments(
    db: Session,
    enrolments: Sequence[Any],
    by_mis: dict[str, LearnerRecord],
    by_staff: dict[str, StaffRecord],
) -> int:
    """Cards enrolled at the doors, oldest first, as `kiosk.enrolment.enrol_badge` does at one:
    the card's keys go to the person, and the person's older cards go. A key enrolled later
    (here or at another door) than the enrolment at hand keeps its owner."""
    changed = 0
    for row in sorted(enrolments, key=lambda r: (_utc(r["enrolled_at"]), r["id"])):
        learner = by_mis.get(row["learner_mis_id"] or "")
        member = by_staff.get(row["staff_id"] or "")
        owner = {"learner_id": learner.id} if learner is not None else {}
        if member is not None and learner is None:
            owner = {"staff_id": member.id}
        if not owner:
            continue  # someone this door's roster does not hold (yet)
        enrolled_at = _utc(row["enrolled_at"])
        keys = badge_keys(row["enrolled_as"])
        column = BadgeRecord.learner_id if "learner_id" in owner else BadgeRecord.staff_id
        person = next(iter(owner.values()))
        for old in db.scalars(
            select(BadgeRecord).where(column == person, BadgeRecord.key.not_in(keys))
        ):
            if _utc(old.enrolled_at) < enrolled_at:
                db.delete(old)
                changed += 1
        by_key = {
            b.key: b for b in db.scalars(select(BadgeRecord).where(BadgeRecord.key.in_(keys)))
        }
        for key in sorted(keys):
            badge = by_key.get(key)
            if badge is None:
                db.add(
                    BadgeRecord(
                        key=key,
                        enrolled_as=row["enrolled_as"],
                        enrolled_at=row["enrolled_at"],
                        **owner,
                    )
                )
                changed += 1
            elif _utc(badge.enrolled_at) < enrolled_at:
                badge.learner_id = owner.get("learner_id")
                badge.staff_id = owner.get("staff_id")
                badge.enrolled_as = row["enrolled_as"]
                badge.enrolled_at = row["enrolled_at"]
                changed += 1
        db.flush()
    return changed


def _kept_seal(member: StaffRecord, row: Any) -> Any:
    """The hub's staff row, keeping this door's seal when the hub holds none for the very roles
    and PIN hash this door sealed (a hub upgraded to hub0003, not yet published to again):
    without it the upgrade would leave nobody able to sign on. A changed row stays unsealed."""
    if (
        row["seal"] is None
        and member.seal is not None
        and (member.roles, member.pin_hash) == (row["roles"], row["pin_hash"])
    ):
        return {**row, "seal": member.seal}
    return row


def _apply(record: Any, row: Any, names: Sequence[str], now: datetime) -> bool:
    differs = [n for n in names if getattr(record, n) != row[n]]
    for name in differs:
        setattr(record, name, row[name])
    if differs:
        record.updated_at = now
    return bool(differs)


def publish_roster(local: sessionmaker[Session], hub: Engine, now: datetime) -> int:
    """Publish this book's learners, staff and badges to the hub (the office's door does this
    after a roster import); the hub's rows are updated by MIS id, staff id and badge key."""
    with _reader(local)() as db:
        learners = list(db.scalars(select(LearnerRecord)))
        staff = list(db.scalars(select(StaffRecord)))
        mis = {r.id: r.mis_id for r in learners}
        staff_ids = {r.id: r.staff_id for r in staff}
        badges = list(db.scalars(select(BadgeRecord)))
    learner_rows = [
        {"mis_id": r.mis_id, "updated_at": now, **{f: getattr(r, f) for f in _LEARNER_FIELDS}}
        for r in learners
    ]
    staff_rows = [
        {"staff_id": r.staff_id, "updated_at": now, **{f: getattr(r, f) for f in _STAFF_FIELDS}}
        for r in staff
    ]
    badge_rows = [
        {
            "key": b.key,
            "enrolled_as": b.enrolled_as,
            "learner_mis_id": mis.get(b.learner_id) if b.learner_id is not None else None,
            "staff_id": staff_ids.get(b.staff_id) if b.staff_id is not None else None,
            "enrolled_at": b.enrolled_at,
        }
        for b in badges
    ]
    written = 0
    with hub.begin() as conn:
        for record, key, rows in (
            (HubLearnerRecord, "mis_id", learner_rows),
            (HubStaffRecord, "staff_id", staff_rows),
            (HubBadgeRecord, "key", badge_rows),
        ):
            for start in range(0, len(rows), DEFAULT_BATCH):
                batch = rows[start : start + DEFAULT_BATCH]
                if not batch:
                    continue
                statement = pg_insert(record).values(batch)
                changing = {
                    name: statement.excluded[name] for name in batch[0] if name not in (key,)
                }
                conn.execute(statement.on_conflict_do_update(index_elements=[key], set_=changing))
                written += len(batch)
    return written


# --- what the door asks -------------------------------------------------------------------------


def already_in(session: Session, learner_id: int, day: date, session_name: str) -> bool:
    """Whether another door has admitted this learner this session (as last heard from the hub)."""
    return (
        session.execute(
            select(RemoteArrivalRecord.id)
            .join(LearnerRecord, LearnerRecord.mis_id == RemoteArrivalRecord.mis_id)
            .where(
                LearnerRecord.id == learner_id,
                RemoteArrivalRecord.date == day,
                RemoteArrivalRecord.session == session_name,
            )
            .limit(1)
        ).first()
        is not None
    )


def waiting_events(session: Session, station: str) -> int:
    """This door's events the hub was not known to hold at the last sync."""
    pushed = session.execute(
        select(HubSyncRecord.pushed_event_id).where(HubSyncRecord.station == station)
    ).scalar_one_or_none()
    return session.execute(
        select(func.count()).where(VisitEventRecord.id > (pushed or 0))
    ).scalar_one()


def last_sync_at(session: Session, station: str) -> datetime | None:
    return session.execute(
        select(HubSyncRecord.last_sync_at).where(HubSyncRecord.station == station)
    ).scalar_one_or_none()


def _note_progress(
    local: sessionmaker[Session], station: str, pushed_to: int, now: datetime, *, force: bool
) -> int:
    """Keep the local hint of how far the hub has got; returns the events still waiting."""
    with _reader(local)() as db:
        note = db.scalars(select(HubSyncRecord).where(HubSyncRecord.station == station)).first()
        waiting = db.execute(
            select(func.count()).where(VisitEventRecord.id > pushed_to)
        ).scalar_one()
    stale = (
        note is None
        or note.pushed_event_id != pushed_to
        or note.last_sync_at is None
        or now - note.last_sync_at >= _NOTE_EVERY
    )
    if force or stale:
        with local.begin() as db:
            note = db.scalars(select(HubSyncRecord).where(HubSyncRecord.station == station)).first()
            if note is None:
                db.add(HubSyncRecord(station=station, pushed_event_id=pushed_to, last_sync_at=now))
            else:
                note.pushed_event_id = pushed_to
                note.last_sync_at = now
    return int(waiting)


# --- the worker -------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SyncWorker:
    """Sync rounds on a thread of their own: every `interval_seconds`, and soon after `nudge()`.

    The door's own work never waits for it. While the hub is unreachable rounds fail quietly
    and are retried (backing off to 15 s); the backlog drains by itself when the hub returns.
    """

    def __init__(
        self,
        config: Config,
        local: sessionmaker[Session],
        *,
        engine: Engine | None = None,
        clock: Callable[[], datetime] = _utc_now,
        on_roster: Callable[[], object] | None = None,
    ) -> None:
        self.config = config
        self.local = local
        # Called on the sync thread after a round that changed learners, staff or badges here.
        self._on_roster = on_roster
        self.station = config.station.name
        self._hub = engine if engine is not None else hub_engine(config.hub)
        self._own_engine = engine is None
        self._clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._roster_version = ""
        with _reader(local)() as db:
            self._status = SyncStatus(
                None, waiting_events(db, self.station), last_sync_at(db, self.station)
            )

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="hub-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._own_engine:
            self._hub.dispose()

    def nudge(self) -> None:
        """Something was recorded: run a round soon rather than at the next interval."""
        self._wake.set()

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def run_once(self) -> SyncReport | None:
        """One round now, on the caller's thread; None when the hub could not be reached."""
        now = self._clock()
        hub = self.config.hub
        try:
            report = sync_once(
                self.local,
                self._hub,
                self.station,
                now=now,
                zone=self.config.school.zone,
                batch_size=hub.batch_size,
                roster_version=self._roster_version,
                store=self.config.station.store,
            )
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0:1]
            try:
                with _reader(self.local)() as db:
                    waiting = waiting_events(db, self.station)
            except SQLAlchemyError:
                waiting = self.status().waiting
            with self._lock:
                was = self._status
                self._status = SyncStatus(False, waiting, was.last_sync_at, "".join(reason))
            if was.online is not False:
                log.warning("hub offline: %s", "".join(reason))
            return None
        self._roster_version = report.roster_version
        if report.roster and self._on_roster is not None:
            self._on_roster()
        with self._lock:
            was = self._status
            self._status = SyncStatus(True, report.waiting, report.synced_at)
        if was.online is False:
            log.info("hub back online; sent %d event(s)", report.sent)
        return report

    def _run(self) -> None:
        interval = self.config.hub.interval_seconds
        delay = 0.0
        while not self._stopping.is_set():
            self._wake.wait(delay)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                report = self.run_once()
            except Exception:  # a round must never end the thread
                log.exception("sync round failed")
                report = None
            if report is None:
                delay = min(max(delay * 2, interval), _MAX_BACKOFF_SECONDS)
            else:
                delay = interval


__all__ = [
    "SyncReport",
    "SyncStatus",
    "SyncWorker",
    "already_in",
    "hub_engine",
    "publish_roster",
    "slots_taken_elsewhere",
    "sync_once",
    "waiting_events",
]
