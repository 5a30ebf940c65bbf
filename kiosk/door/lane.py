"""The lane's use cases: each event stepped through the pure lane and recorded in one transaction.

`LaneKeeper` owns the lane's state for this door. Every accepted event is appended to the
visit log together with what it decided (phone, screening, mark, refusal) in one transaction,
and the state moves on only once that transaction has committed; so a kiosk killed at any
moment comes back, by replaying the session's log, with the same queue and the same slots.
It runs on the station's one writer thread, never on the UI thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from typing import Any, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.config import Config
from kiosk.domain import lane as rules
from kiosk.domain.attendance import Code, mark_for_admission
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.badges import Holder
from kiosk.domain.people import StaffRef
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningPolicy, screening_decision
from kiosk.domain.station import RefusalPolicy
from kiosk.door.arrivals import BadgeOwner, admit, badge_owner, refuse
from kiosk.door.screenings import record_screening
from kiosk.door.searches import SearchForm, SearchNotAllowed, record_search
from kiosk.hub import already_in, slots_taken_elsewhere
from kiosk.phones.desk import hand_in, phone_handed_in
from kiosk.views.lane import LaneRow, LaneView
from records.models import PhoneHandinRecord, ScreeningRecord, VisitEventRecord
from records.visits import events_of_session

log = logging.getLogger(__name__)

# Every event the lane knows, by the name the visit log stores: read from the domain's own
# union, so a new kind of event cannot be recorded and then fail to replay.
_EVENTS: dict[str, type[Any]] = {cls.__name__: cls for cls in get_args(rules.Event)}


_PHONE_EVENTS = (rules.PhoneStationTapped, rules.PhoneTaken)


def lane_policy(config: Config) -> rules.LanePolicy:
    policy = config.policy
    return rules.LanePolicy(
        phone=PhonePolicy(policy.phone_handin),
        on_refusal=RefusalPolicy(policy.on_refusal),
        slots=rules.parse_slots(policy.phone_slots),
        arch_passage=config.detector.reports_passage,
    )


@dataclass(frozen=True)
class LaneOutcome:
    effects: tuple[rules.Effect, ...]
    view: LaneView
    error: str = ""  # the event could not be recorded: nothing changed

    @property
    def rejected(self) -> str:
        found = next((e for e in self.effects if isinstance(e, rules.Rejected)), None)
        return self.error or (found.reason if found else "")


class OutsideSession(Exception):
    """A tap outside every session's hours: nothing to mark."""


@dataclass(frozen=True)
class _Arrival:
    """What an arrival reads before the lane steps: the session, whether another door admitted
    the learner this session, the slots in use at other doors, and a phone already in today."""

    which: SchoolSession
    elsewhere: bool
    taken: tuple[str, ...]
    phone_in: bool


class LaneKeeper:
    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        *,
        station: str,
        draw: Callable[[], float],
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.station = station
        self.draw = draw  # the random screening draw, recorded with the tap
        self.policy = lane_policy(config)
        self.lane = rules.Lane()

    # --- the session this lane belongs to ------------------------------------------------------

    def session_at(self, at: datetime) -> tuple[date, SchoolSession]:
        school = self.config.school
        local = at.astimezone(school.zone)
        which = school.session_at(local.time().replace(tzinfo=None))
        if which is None:
            raise OutsideSession(f"{local:%H:%M} is outside the school's session hours")
        return local.date(), which

    def _ensure(self, day: date, which: SchoolSession) -> None:
        """The lane belongs to one session: at a new one it starts again from the log."""
        if self.lane.day == day and self.lane.session == which:
            return
        self.lane = self.rebuild(day, which)

    def rebuild(self, day: date, which: SchoolSession) -> rules.Lane:
        """The session's lane, replayed from this door's recorded events."""
        with self.sessions() as db:
            records = events_of_session(db, day, which.value, self.station)
            events = [_event(r) for r in records]
            # Phones already in slots when this session began (the morning's, in the afternoon);
            # the ones this lane handed out come back from replaying its own events.
            ours = {e.learner_id for e in events if isinstance(e, _PHONE_EVENTS)}
            held = frozenset(
                slot
                for slot, learner_id in db.execute(
                    select(PhoneHandinRecord.slot, PhoneHandinRecord.learner_id).where(
                        PhoneHandinRecord.date == day,
                        PhoneHandinRecord.returned_at.is_(None),
                        PhoneHandinRecord.slot != "",
                    )
                )
                if learner_id not in ours
            )
        lane = rules.start_session(day, which, held)
        for event in events:
            lane = rules.step(lane, event, event.at, self.policy).lane
        if events:
            log.info("lane rebuilt from %d events: %d in flight", len(events), len(lane.learners))
        return lane

    def start(self, now: datetime) -> LaneView:
        """At start-up: today's lane as it was left."""
        try:
            self._ensure(*self.session_at(now))
        except OutsideSession:
            self.lane = rules.Lane()
        return self.view(now)

    # --- events ------------------------------------------------------------------------------

    def badge(self, uid: str, read_at: datetime) -> tuple[BadgeOwner, LaneOutcome | None]:
        """A badge at the entry reader: staff and unknown cards go back to the app."""
        # One read for the badge and what its learner's arrival needs: a tap's reads are one
        # transaction before its write, not two.
        with self.sessions() as db:
            owner = badge_owner(db, uid, on=read_at.astimezone(self.config.school.zone).date())
            if owner.kind is not Holder.LEARNER or owner.record_id is None:
                return owner, None
            found = self._arrival(db, owner.record_id, read_at)
        return owner, self.arrive(owner.record_id, owner.first_name, read_at, found)

    def _arrival(self, db: Session, learner_id: int, at: datetime) -> _Arrival | str:
        """What an arrival needs to know (or why there is no lane to arrive in)."""
        try:
            day, which = self.session_at(at)
        except OutsideSession as exc:
            return str(exc)
        return _Arrival(
            which,
            already_in(db, learner_id, day, which.value),
            slots_taken_elsewhere(db, day) if self.policy.slots else (),
            phone_handed_in(db, learner_id, day),
        )

    def arrive(
        self, learner_id: int, first_name: str, at: datetime, found: _Arrival | str | None = None
    ) -> LaneOutcome:
        """A learner arrives (their badge, or staff finding them by name): the tap's time
        decides the mark, and the screening draw is made now and recorded with it."""
        school = self.config.school
        if found is None:
            with self.sessions() as db:
                found = self._arrival(db, learner_id, at)
        if isinstance(found, str):
            return self._refused(found, at)
        which, taken, phone_in = found.which, found.taken, found.phone_in
        if found.elsewhere:  # admitted at another door this session (as the hub last told us)
            told = rules.Tell(
                learner_id, f"You're already signed in, {first_name}", "Please go through."
            )
            return LaneOutcome((told,), self.view(at))
        times = school.times_for(which)
        assert times is not None
        local = at.astimezone(school.zone).time().replace(tzinfo=None)
        mark = mark_for_admission(local, which, times)
        decision = screening_decision(
            ScreeningPolicy(self.config.policy.screening),
            self.config.policy.random_screening_percent,
            self.draw(),
        )
        event = rules.EntryTapped(
            at,
            learner_id,
            first_name,
            late=mark.code in (Code.LATE, Code.LATE_AFTER_CLOSE),
            selected=decision.screen,
            taken_elsewhere=taken,
            phone_in_today=phone_in,
        )
        return self.handle(event, by=None, now=at)

    def phone_badge(self, uid: str, read_at: datetime) -> LaneOutcome:
        """A badge at the phone station's own reader: that learner's phone is in their slot."""
        with self.sessions() as db:
            owner = badge_owner(db, uid, on=read_at.astimezone(self.config.school.zone).date())
        if owner.kind is not Holder.LEARNER or owner.record_id is None:
            return self._refused("That badge is not a learner's.", read_at)
        return self.handle(rules.PhoneStationTapped(read_at, owner.record_id), by=None, now=read_at)

    def tick(self, now: datetime) -> LaneOutcome:
        """Time passing: learners waiting too long come to staff; a session's end empties the
        lane (outside every session's hours there is no lane at all)."""
        try:
            self._ensure(*self.session_at(now))
        except OutsideSession:
            self.lane = rules.Lane()
            return LaneOutcome((), self.view(now))
        stepped = rules.step(self.lane, rules.Tick(now), now, self.policy)
        return LaneOutcome(stepped.effects, self.view(now))

    def handle(
        self,
        event: rules.Event,
        *,
        by: StaffRef | None,
        now: datetime,
        also: Callable[[Session], None] | None = None,
    ) -> LaneOutcome:
        """Step the lane; record the event, what it decided, and `also` in one transaction."""
        try:
            day, which = self.session_at(event.at)
        except OutsideSession as exc:
            return self._refused(str(exc), now)
        self._ensure(day, which)
        if isinstance(event, rules.PhoneTaken) and event.slot:
            with self.sessions() as db:  # a slot chosen by hand may be in use at another door
                event = replace(event, taken_elsewhere=slots_taken_elsewhere(db, day))
        stepped = rules.step(self.lane, event, now, self.policy)
        if stepped.rejected is not None or (stepped.lane is self.lane and also is None):
            # Refused, or nothing changed (a second tap only reminds): nothing to record.
            return LaneOutcome(stepped.effects, self.view(now))
        with self.sessions.begin() as db:
            db.add(
                VisitEventRecord(
                    station=self.station,
                    date=day,
                    session=which.value,
                    at=event.at,
                    kind=type(event).__name__,
                    learner_id=getattr(event, "learner_id", None),
                    staff_id=None if by is None else by.staff_id,
                    payload=_payload(event),
                    recorded_at=now,
                )
            )
            if also is not None:
                also(db)
            for effect in stepped.effects:
                self._save(db, effect, event.at, day, by)
        self.lane = stepped.lane
        return LaneOutcome(stepped.effects, self.view(now))

    def record_search(
        self, form: SearchForm, *, at: datetime, by: StaffRef
    ) -> LaneOutcome | SearchNotAllowed:
        """A search, and the lane moving on because of it, in one transaction or not at all."""
        day = at.astimezone(self.config.school.zone).date()

        def write(db: Session) -> None:
            screening = db.scalars(
                select(ScreeningRecord.id)
                .where(ScreeningRecord.learner_id == form.learner_id, ScreeningRecord.date == day)
                .order_by(ScreeningRecord.id.desc())
                .limit(1)
            ).first()
            record_search(
                db,
                replace(form, screening_id=screening),
                at=at,
                by=by,
                zone=self.config.school.zone,
                training=self.config.policy.training,
            )

        try:
            return self.handle(rules.SearchRecorded(at, form.learner_id), by=by, now=at, also=write)
        except SearchNotAllowed as exc:
            return exc

    def _save(
        self,
        db: Session,
        effect: rules.Effect,
        at: datetime,
        day: date,
        by: StaffRef | None,
    ) -> None:
        school = self.config.school
        if isinstance(effect, rules.SavePhone):
            hand_in(
                db,
                effect.learner_id,
                day=day,
                at=at,
                slot=effect.slot,
                no_phone=effect.no_phone,
                by=by if effect.by_staff else None,
            )
        elif isinstance(effect, rules.SaveScreening):
            record_screening(
                db,
                effect.learner_id,
                day=day,
                at=at,
                method=effect.method,
                result=effect.result,
                by=by if effect.by_staff else None,
                zone=effect.zone,
                randomly_selected=self.config.policy.screening == "random",
            )
        elif isinstance(effect, rules.SaveAdmission):
            admit(
                db,
                effect.learner_id,
                arrived_at=effect.arrived_at,
                admitted_at=at,
                school=school,
                by=by if effect.by_staff else None,
                late_reason=effect.late_reason,
            )
        elif isinstance(effect, rules.SaveRefusal):
            refuse(
                db,
                effect.learner_id,
                at=at,
                kind=effect.kind,
                school=school,
                by=by,
                note=effect.note,
                dsl_told_by_recorder=effect.dsl_told,
            )

    def _refused(self, reason: str, now: datetime) -> LaneOutcome:
        return LaneOutcome((rules.Rejected(reason),), self.view(now))

    # --- what staff see ------------------------------------------------------------------------

    def view(self, now: datetime) -> LaneView:
        return lane_view(self.lane, self.policy, now)


def lane_view(lane: rules.Lane, policy: rules.LanePolicy, now: datetime) -> LaneView:
    """What staff see of the lane: a row for every learner in flight, the alarms, the counts."""
    rows = []
    for learner in lane.learners:
        place = lane.arch.index(learner.learner_id) + 1 if learner.learner_id in lane.arch else None
        step = rules.next_step_of(learner, policy)
        rows.append(
            LaneRow(
                learner.learner_id,
                learner.first_name,
                step,
                learner.slot,
                learner.since or learner.arrived_at,
                lane.needs(learner, now, policy),
                place,
                learner.arrived_at,
                learner.phone_done,
                learner.selected,
                learner.screening,
                learner.search_done,
                learner.late_reason,
            )
        )
    outcomes = [what for _, what in lane.done]
    return LaneView(
        tuple(rows),
        lane.alarms,
        outcomes.count("admitted"),
        outcomes.count("refused"),
        f"{lane.day} {lane.session}" if lane.day else "",
    )


def _payload(event: rules.Event) -> str:
    values = {k: v for k, v in asdict(event).items() if k not in {"at", "learner_id"}}
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def _event(record: VisitEventRecord) -> Any:
    cls = _EVENTS[record.kind]
    values: dict[str, Any] = json.loads(record.payload)
    names = {f.name for f in fields(cls)}
    if "learner_id" in names:
        values["learner_id"] = record.learner_id
    return cls(at=record.at, **{k: v for k, v in values.items() if k in names})


__all__ = ["LaneKeeper", "LaneOutcome", "OutsideSession", "lane_policy", "lane_view"]
