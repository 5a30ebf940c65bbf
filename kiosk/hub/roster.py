"""The school's roster through the hub: the office publishes it, every door copies it.

A door pulls the roster, staff (with PIN hashes and seals) and badges, and the cards enrolled
at the doors, when the hub's copy has changed; the office's door publishes its book's roster
after an import (`kiosk hub publish`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.badges import badge_keys
from kiosk.hub.engine import DEFAULT_BATCH, reader, utc
from records.hub import (
    HubBadgeEnrolmentRecord,
    HubBadgeRecord,
    HubLearnerRecord,
    HubStaffRecord,
)
from records.models import BadgeRecord, LearnerRecord, StaffRecord

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
    "earphones_permitted",
)
# The seal travels with the roles, PIN hash and training date it covers (records.staff_seals).
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


def pull_roster(
    local: sessionmaker[Session],
    hub: Engine,
    now: datetime,
    seen: str,
    before_commit: Callable[[frozenset[str]], object] | None = None,
) -> tuple[int, str]:
    """Copy the hub's roster when it changed since `seen`: learners by MIS id, staff by staff
    id, badges by key. Nothing the hub does not name is touched; an empty hub changes nothing.

    `before_commit(keys)` is given the door's badge keys as the copy leaves them, before it is
    committed: the door's memory of known cards can hold them before any tap can find them in
    the book, so a learner just added is never turned away in between."""
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
        changed += _copy_learners(db, learners, by_mis, now)
        by_staff = {r.staff_id: r for r in db.scalars(select(StaffRecord))}
        changed += _copy_staff(db, staff, by_staff, now)
        db.flush()
        people = _People(by_mis, by_staff)
        changed += _copy_badges(db, badges, people)
        db.flush()
        changed += _apply_enrolments(db, enrolments, people)
        if changed and before_commit is not None:
            db.flush()
            before_commit(frozenset(db.scalars(select(BadgeRecord.key))))
    return changed, version


def _copy_learners(
    db: Session, learners: Sequence[Any], by_mis: dict[str, LearnerRecord], now: datetime
) -> int:
    """The hub's learners into this book by MIS id; `by_mis` gains those added."""
    return _copy_people(db, learners, by_mis, LearnerRecord, "mis_id", _LEARNER_FIELDS, now)


def _copy_staff(
    db: Session, staff: Sequence[Any], by_staff: dict[str, StaffRecord], now: datetime
) -> int:
    """The hub's staff into this book by staff id; `by_staff` gains those added."""
    return _copy_people(
        db, staff, by_staff, StaffRecord, "staff_id", _STAFF_FIELDS, now, kept=_kept_seal
    )


def _copy_people(
    db: Session,
    rows: Sequence[Any],
    by_key: dict[str, Any],
    make: Callable[..., Any],
    key: str,
    fields: Sequence[str],
    now: datetime,
    kept: Callable[[Any, Any], Any] = lambda _record, row: row,
) -> int:
    """The hub's rows into this book by `key`: a row this book lacks is added (and to
    `by_key`), one it holds is updated as `kept(record, row)` says; returns how many changed."""
    changed = 0
    for row in rows:
        record = by_key.get(row[key])
        if record is None:
            record = make(
                **{key: row[key]}, created_at=now, updated_at=now, **{f: row[f] for f in fields}
            )
            db.add(record)
            by_key[row[key]] = record
            changed += 1
        elif _apply(record, kept(record, row), fields, now):
            changed += 1
    return changed


@dataclass(frozen=True)
class _People:
    """This book's learners by MIS id and staff by staff id, as the hub's card rows name them."""

    by_mis: dict[str, LearnerRecord]
    by_staff: dict[str, StaffRecord]

    def named(self, row: Any) -> tuple[LearnerRecord | None, StaffRecord | None]:
        """The learner and the member of staff `row` names, those this book holds."""
        learner = self.by_mis.get(row["learner_mis_id"] or "")
        return learner, self.by_staff.get(row["staff_id"] or "")


def _copy_badges(db: Session, badges: Sequence[Any], people: _People) -> int:
    """The hub's badges into this book by key, for the people this book holds."""
    changed = 0
    by_key = {b.key: b for b in db.scalars(select(BadgeRecord))}
    for row in badges:
        learner, member = people.named(row)
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
        elif (badge.learner_id, badge.staff_id) != (learner_id, staff_id) and utc(
            badge.enrolled_at
        ) <= utc(row["enrolled_at"]):
            # A card enrolled at a door after the office published keeps its new owner.
            badge.learner_id, badge.staff_id = learner_id, staff_id
            changed += 1
    return changed


def _apply_enrolments(db: Session, enrolments: Sequence[Any], people: _People) -> int:
    """Cards enrolled at the doors, oldest first, as `kiosk.people.enrolment.enrol_badge` does at
    one: the card's keys go to the person, and the person's older cards go. A key enrolled later
    (here or at another door) than the enrolment at hand keeps its owner."""
    changed = 0
    for row in sorted(enrolments, key=lambda r: (utc(r["enrolled_at"]), r["id"])):
        learner, member = people.named(row)
        owner = {"learner_id": learner.id} if learner is not None else {}
        if member is not None and learner is None:
            owner = {"staff_id": member.id}
        if not owner:
            continue  # someone this door's roster does not hold (yet)
        enrolled_at = utc(row["enrolled_at"])
        keys = badge_keys(row["enrolled_as"])
        column = BadgeRecord.learner_id if "learner_id" in owner else BadgeRecord.staff_id
        person = next(iter(owner.values()))
        for old in db.scalars(
            select(BadgeRecord).where(column == person, BadgeRecord.key.not_in(keys))
        ):
            if utc(old.enrolled_at) < enrolled_at:
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
            elif utc(badge.enrolled_at) < enrolled_at:
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
    without it the upgrade would leave nobody able to sign on. A changed row stays unsealed
    (the training date is sealed too, R7)."""
    sealed = (member.roles, member.pin_hash, member.search_trained_on)
    if (
        row["seal"] is None
        and member.seal is not None
        and sealed == (row["roles"], row["pin_hash"], row["search_trained_on"])
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
    with reader(local)() as db:
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
