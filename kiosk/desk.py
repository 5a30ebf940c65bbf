"""The staff side of the station: signing on, the queue, and each learner's desk.

Learners move through the lane (kiosk.lane, rules in kiosk.domain.lane) by themselves on the
clear path; the desk is where staff handle the exceptions. Every step staff take becomes a lane
event, recorded on the station's writer thread; the desk only moves screens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session
from textual.screen import Screen
from textual.timer import Timer

from kiosk.arrivals import BadgeOwner
from kiosk.collection import CollectionError, awaiting_collection, record_collected
from kiosk.config import Config
from kiosk.database import Book
from kiosk.domain import lane
from kiosk.domain.attendance import RefusalKind, late_detention, mark_for_admission, session_for
from kiosk.domain.items import categories_for
from kiosk.domain.lane import Need
from kiosk.domain.people import Role
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.search import duty_warnings
from kiosk.domain.station import Progress, next_step
from kiosk.duty import Duty, SignOn, sign_on
from kiosk.exports import record_search_log_read
from kiosk.lane import LaneKeeper, LaneOutcome
from kiosk.lookup import enrol_learner_badge, find_learners
from kiosk.notify import SendReport, send_dsl_now
from kiosk.office import school_office_view
from kiosk.on_site import AwaitingCollection, ParentCollected, Roll, SignOutChosen
from kiosk.phones_desk import (
    PhoneDeskError,
    confiscate_phone,
    phone_collected_by_parent,
    return_phone,
)
from kiosk.roll import school_roll
from kiosk.screens.duty import DutyScreen
from kiosk.screens.find_learner import FindLearnerScreen
from kiosk.screens.greeting import Tone
from kiosk.screens.influence import InfluenceScreen
from kiosk.screens.lane import LaneChoice
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.office import OfficeScreen
from kiosk.screens.pin_pad import PinPadScreen
from kiosk.screens.refusal import RefusalScreen
from kiosk.screens.roll import RollScreen
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.search_setup import SearchSetupScreen
from kiosk.screens.sign_out import SignOutScreen
from kiosk.screens.text import plain
from kiosk.searches import SearchForm, SearchNotAllowed, who_may_search
from kiosk.signout import SignOutError, sign_out
from kiosk.staff_presence import record_all_signed_off, record_sign_off, record_sign_on
from kiosk.views import (
    DeskAction,
    DutyClosed,
    InfluenceConfirmed,
    LaneRow,
    LaneView,
    LearnerDeskView,
    LearnerMatch,
    LearnerPicked,
    OfficeAction,
    OfficeView,
    PinEntered,
    SearchRecorded,
    SearchSetup,
)
from kiosk.views import RefusalConfirmed as RefusalConfirmedResult
from records.models import LearnerRecord

log = logging.getLogger(__name__)

OFFICE_ROLES = (Role.OFFICE, Role.DSL)
# What keeps a learner's desk open after a step: staff still have something to do there.
DESK_NEEDS = frozenset({Need.ALARM, Need.REFUSED, Need.ARCH, Need.ADMIT})


class DeskHost(Protocol):
    """What the desk needs of the app (kept narrow so the desk can be read on its own)."""

    config: Config
    book: Book
    clock: Callable[[], datetime]
    keeper: LaneKeeper
    lane_view: LaneView
    export_folder: str  # where the office's exports go unless staff choose another

    def push_screen(self, screen: Screen[Any], callback: Any = None) -> Any: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information") -> None: ...
    def set_timer(self, delay: float, callback: Callable[[], Any]) -> Timer: ...
    def greet(self, headline: str, next_step: str, *, tone: Tone) -> None: ...
    def back_to_idle(self) -> None: ...
    def show_lane(self, *, office: bool, then: Callable[[LaneChoice | None], None]) -> None: ...
    def lane_event(
        self, event: lane.Event, staff_id: str | None, then: Callable[[LaneOutcome], None]
    ) -> None: ...
    def arrive(self, learner_id: int, first_name: str, at: datetime) -> None: ...
    def submit(self, job: Callable[[], Any], then: Callable[[Any], None]) -> None: ...
    def read(self, job: Callable[[], Any], then: Callable[[Any], None]) -> None: ...
    def apply(self, outcome: LaneOutcome) -> None: ...


class Desk:
    def __init__(self, host: DeskHost) -> None:
        self.host = host
        self.duty = Duty()
        self.operator: str | None = None  # the staff_id acting at the desk, while unlocked
        self._lock_timer: Timer | None = None

    # --- staff ------------------------------------------------------------------------------

    @property
    def unlocked(self) -> bool:
        return self.operator is not None

    def staff_badge(self, owner: BadgeOwner, message: str = "") -> None:
        assert owner.record_id is not None
        record_id = owner.record_id
        if self.operator == owner.staff_id and not message:
            self.touch()  # already signed on: the badge opens the staff home
            self.show_lane()
            return
        if self.unlocked and not message:
            # A second member of staff signs on from the queue: their PIN pad stands alone,
            # so the screens under it are not left behind once they are on duty.
            self.host.back_to_idle()

        def entered(result: PinEntered | None) -> None:
            if result is None:
                self.host.back_to_idle()
                self.show_lane()  # cancelled: whoever was signed on is back at the queue
                return
            pin, at = result.pin, self.host.clock()
            # A wrong try is written (it counts towards the lockout): on the writer thread.
            self.host.submit(
                lambda: sign_on(self.host.book.sessions, record_id, pin, at=at), checked
            )

        def checked(outcome: SignOn) -> None:
            if outcome.accepted and outcome.member is not None:
                self.duty = self.duty.signed_on(outcome.member)
                self.operator = outcome.member.staff_id
                staff_id, zone = outcome.member.staff_id, self.host.config.school.zone
                self._presence(
                    lambda db, station, at: record_sign_on(
                        db, staff_id, station=station, at=at, zone=zone
                    )
                )
                self.touch()
                self.show_duty()
            elif outcome.locked:
                self.host.greet("Badge locked", outcome.message, tone="next")
            else:
                self.staff_badge(owner, outcome.message)

        pad = PinPadScreen(owner.first_name, message)
        self.host.push_screen(pad, entered)  # not yet signed on
        # A PIN pad left open closes by itself after the idle time, as staff screens do.
        self.host.set_timer(
            self.host.config.policy.staff_idle_lock_seconds, lambda: self._close_pad(pad)
        )

    def _push(self, screen: Screen[Any], then: Callable[[Any], None]) -> None:
        """A staff screen, only while staff are signed on: an answer from the writer or the hub
        that arrives after the idle lock opens nothing over the learners' screen."""
        if self.unlocked:
            self.host.push_screen(screen, then)

    def _close_pad(self, pad: PinPadScreen) -> None:
        if pad.is_current:
            pad.dismiss(None)

    def show_duty(self) -> None:
        """The staff home: who is on duty, what is missing, and finding a learner by name."""
        members = self.duty.members

        def closed(result: DutyClosed | None) -> None:
            self.touch()
            if result is not None and result.find_learner:
                self.find_learner()
            elif result is not None and result.office:
                self.show_office()
            else:
                self.show_lane()

        # R7: searchers whose training is not up to date are warned of here.
        warnings = duty_warnings(
            members, today=self._today(), training=self.host.config.policy.training
        )
        self._push(DutyScreen(members, warnings, office=self._operator_has(*OFFICE_ROLES)), closed)

    def _today(self) -> date:
        return self.host.clock().astimezone(self.host.config.school.zone).date()

    def _operator_has(self, *roles: Role) -> bool:
        member = next((m for m in self.duty.members if m.staff_id == self.operator), None)
        return member is not None and any(role in member.roles for role in roles)

    @property
    def operator_is_dsl(self) -> bool:
        return self._operator_has(Role.DSL)

    def show_office(self, message: str = "") -> None:
        """The office screen; search detail only for the designated safeguarding lead."""
        if not self._operator_has(*OFFICE_ROLES):
            self.host.back_to_idle()
            return
        config, now, is_dsl = self.host.config, self.host.clock(), self.operator_is_dsl

        def read() -> OfficeView:
            with self.host.book.reads() as db:
                return school_office_view(db, config=config, now=now, is_dsl=is_dsl)

        def acted(action: OfficeAction | None) -> None:
            self.touch()
            if action is None:
                self.show_lane()
                return
            if action.kind == "return_phone" and action.learner_id is not None:
                self._return_phone(action.learner_id)
                return
            if action.kind == "confiscate_phone" and action.learner_id is not None:
                self._confiscate_phone(action.learner_id, action.text)
                return
            if action.kind == "parent_collected" and action.learner_id is not None:
                self._parent_collected(action.learner_id, action.text)
                return
            self.show_office()

        def shown(view: OfficeView) -> None:
            if self.unlocked:  # staff may have signed off while the hub was asked
                self._push(OfficeScreen(view, self.host.export_folder, message), acted)

        def read_recorded(view: OfficeView) -> None:
            """R35: the day's searches reach the screen only once the read is recorded."""
            if not view.searches:
                shown(view)
                return
            day, operator = now.astimezone(config.school.zone).date(), self._operator()

            def job() -> OfficeView:
                with self.host.book.sessions.begin() as db:
                    record_search_log_read(
                        db,
                        at=now,
                        by_staff_id=operator,
                        first=day,
                        last=day,
                        where="the kiosk's office screen",
                        rows=len(view.searches),
                    )
                return view

            self.host.submit(job, shown)

        self.host.read(read, read_recorded if is_dsl else shown)

    def _return_phone(self, learner_id: int) -> None:
        at, operator = self.host.clock(), self._operator()
        day = at.astimezone(self.host.config.school.zone).date()

        def job() -> tuple[bool, str]:
            try:
                with self.host.book.sessions.begin() as db:
                    back = return_phone(
                        db, learner_id, day=day, at=at, returned_by_staff_id=operator
                    )
            except PhoneDeskError as exc:
                return False, str(exc)
            return True, f"Returned from slot {back.slot or '-'}."

        def done(result: tuple[bool, str]) -> None:
            returned, message = result
            if returned:
                self.host.notify(plain(message), title="Saved")
            else:
                self.host.notify(plain(message), title="Not returned", severity="error")
            self.show_office()

        self.host.submit(job, done)

    def _phone_job(self, job: Callable[[Session], str], failed_title: str) -> None:
        """A phone desk step in its own transaction on the writer, then the office again."""

        def run() -> tuple[bool, str]:
            try:
                with self.host.book.sessions.begin() as db:
                    return True, job(db)
            except PhoneDeskError as exc:
                return False, str(exc)

        def done(result: tuple[bool, str]) -> None:
            ok, message = result
            if ok:
                self.host.notify(plain(message), title="Saved")
            else:
                self.host.notify(plain(message), title=failed_title, severity="error")
            self.show_office(message if ok else f"{failed_title}: {message}")

        self.host.submit(run, done)

    def _confiscate_phone(self, learner_id: int, slot: str) -> None:
        """Seen in use during the day: confiscated, and the escalation said in words."""
        at, operator, zone = self.host.clock(), self._operator(), self.host.config.school.zone

        def job(db: Session) -> str:
            outcome = confiscate_phone(
                db, learner_id, at=at, by_staff_id=operator, zone=zone, slot=slot
            )
            return " ".join(outcome.said)

        self._phone_job(job, "Not confiscated")

    def _parent_collected(self, learner_id: int, collected_by: str) -> None:
        at, operator = self.host.clock(), self._operator()

        def job(db: Session) -> str:
            done = phone_collected_by_parent(
                db, learner_id, at=at, collected_by=collected_by, by_staff_id=operator
            )
            return f"Collected by {done.collected_by}."

        self._phone_job(job, "Not recorded")

    def _search_names(self, text: str) -> list[LearnerMatch]:
        today = self.host.clock().astimezone(self.host.config.school.zone).date()
        with self.host.book.reads() as db:
            return find_learners(db, text, on=today)

    def find_learner(self) -> None:
        """A forgotten badge: staff find the learner by name and the visit starts now."""

        def picked(result: LearnerPicked | None) -> None:
            self.touch()
            if result is None:
                self.show_lane()
                return
            self.host.arrive(result.learner_id, result.first_name, self.host.clock())
            self.show_lane()

        self._push(
            FindLearnerScreen("Find a learner (forgotten badge)", self._search_names), picked
        )

    def unknown_badge(self, uid: str, read_at: datetime) -> None:
        """A card nobody owns, tapped while staff are signed on: enrol it to its learner."""

        def picked(result: LearnerPicked | None) -> None:
            self.touch()
            if result is None:
                self.show_lane()
                return
            operator = self._operator()

            def enrol() -> bool:
                with self.host.book.sessions.begin() as db:
                    return enrol_learner_badge(
                        db, result.learner_id, uid, at=read_at, by_staff_id=operator
                    )

            def enrolled(done: bool) -> None:
                if not done:
                    self.host.notify("That card belongs to someone else.", severity="error")
                    self.show_lane()
                    return
                self.host.notify(plain(f"Badge enrolled to {result.first_name}."), title="Saved")
                self.host.arrive(result.learner_id, result.first_name, read_at)
                self.show_lane()

            self.host.submit(enrol, enrolled)

        self._push(FindLearnerScreen("Badge not known: whose is it?", self._search_names), picked)

    def touch(self) -> None:
        """Staff did something: the idle lock starts again."""
        if self._lock_timer is not None:
            self._lock_timer.stop()
        if self.operator is not None:
            seconds = self.host.config.policy.staff_idle_lock_seconds
            self._lock_timer = self.host.set_timer(seconds, self.lock)

    def lock(self) -> None:
        """Idle too long: staff screens close; staff on duty stay on duty but sign on again."""
        self.operator = None
        self._lock_timer = None
        self.host.back_to_idle()

    # --- the lane: staff's home while signed on -------------------------------------------

    def show_lane(self) -> None:
        """The queue: every learner in flight; one touch opens a learner's desk."""
        if not self.unlocked:
            return  # locked while a step was saved: the learners' screen stays
        self.host.show_lane(office=self._operator_has(*OFFICE_ROLES), then=self._lane_chosen)

    def _lane_chosen(self, choice: LaneChoice | None) -> None:
        self.touch()
        if choice is None:
            self.host.back_to_idle()
        elif choice.kind == "learner" and choice.learner_id is not None:
            self.open(choice.learner_id)
        elif choice.kind == "duty":
            self.show_duty()
        elif choice.kind == "find":
            self.find_learner()
        elif choice.kind == "office":
            self.show_office()
        elif choice.kind == "roll":
            self.show_roll()
        elif choice.kind == "sign_out":
            self.show_sign_out()
        elif choice.kind == "dismiss_alarm":
            self._event(lane.AlarmDismissed(self.host.clock()), self.learner_id_none)
        else:  # "lock": the station returns to the learners' screen
            self.sign_off()

    def learner_id_none(self, _: LaneOutcome) -> None:
        self.show_lane()

    def sign_off(self) -> None:
        """The member of staff at the screen signs off: off duty, and the screens close."""
        if self.operator is not None:
            self.duty = self.duty.signed_off(self.operator)
            leaving = self.operator
            self._presence(
                lambda db, station, at: record_sign_off(db, leaving, station=station, at=at)
            )
        self.lock()

    def end_of_session(self) -> None:
        """A new session begins: nobody is on duty until they sign on again."""
        self.nobody_on_duty()
        if self.operator is not None:
            self.lock()

    def nobody_on_duty(self) -> None:
        """At start and at a session's end the duty list is empty, in memory and on record."""
        self.duty = Duty()
        self._presence(lambda db, station, at: record_all_signed_off(db, station=station, at=at))

    def _presence(self, record: Callable[[Session, str, datetime], None]) -> None:
        """Who is on duty at this door, as the fire roll reads it: `record(db, station, at)`
        in its own transaction, on the writer thread."""
        station, at = self.host.config.station.name, self.host.clock()

        def job() -> None:
            with self.host.book.sessions.begin() as db:
                record(db, station, at)

        self.host.submit(job, lambda _: None)

    def _roll(self, then: Callable[[Roll], object]) -> None:
        """Who is on site now: the whole school's from the hub where there is one (which may
        take a moment, so never on the UI thread), else this door's record."""
        config, now = self.host.config, self.host.clock()

        def read() -> Roll:
            with self.host.book.reads() as db:
                return school_roll(db, config=config, now=now)

        def shown(roll: Roll) -> None:
            if self.unlocked:
                then(roll)

        self.host.read(read, shown)

    def show_roll(self) -> None:
        """The fire roll: who is on site now, by registration group."""

        def closed(choice: str | None) -> None:
            self.touch()
            if choice == "refresh":
                self.show_roll()
            else:
                self.show_lane()

        self._roll(lambda roll: self._push(RollScreen(roll), closed))

    def show_sign_out(self, message: str = "") -> None:
        """A learner leaving early is signed out, with a reason, so the roll stays right; any
        learner on site, whichever door they came in by. A learner not admitted because
        suspected under the influence is listed too, until a parent or carer collects them."""

        def chosen(choice: SignOutChosen | ParentCollected | None) -> None:
            self.touch()
            if choice is None:
                self.show_lane()
                return
            if isinstance(choice, ParentCollected):
                self._collected(choice)
                return
            config, at, operator = self.host.config, self.host.clock(), self._operator()

            def job() -> str:
                try:
                    with self.host.book.sessions.begin() as db:
                        sign_out(
                            db,
                            choice.learner_id,
                            at=at,
                            reason=choice.reason,
                            by_staff_id=operator,
                            school=config.school,
                        )
                except SignOutError as exc:
                    return str(exc)
                return ""

            def done(problem: str) -> None:
                if problem:
                    self.show_sign_out(problem)
                else:
                    self.host.notify("Signed out.", title="Saved")
                    self.show_lane()

            self.host.submit(job, done)

        config, now = self.host.config, self.host.clock()

        def read() -> tuple[Roll, list[AwaitingCollection]]:
            with self.host.book.reads() as db:
                day = now.astimezone(config.school.zone).date()
                return (
                    school_roll(db, config=config, now=now),
                    awaiting_collection(db, day=day, zone=config.school.zone),
                )

        def shown(found: tuple[Roll, list[AwaitingCollection]]) -> None:
            if self.unlocked:
                roll, awaiting = found
                self._push(SignOutScreen(roll, message, awaiting), chosen)

        self.host.read(read, shown)

    def _collected(self, choice: ParentCollected) -> None:
        """R28: a parent or carer collected a learner not admitted: who, when, handed over by
        whom; then the lane."""
        at, operator, zone = self.host.clock(), self._operator(), self.host.config.school.zone

        def job() -> tuple[bool, str]:
            try:
                with self.host.book.sessions.begin() as db:
                    done = record_collected(
                        db,
                        choice.refusal_id,
                        choice.collected_by,
                        at=at,
                        by_staff_id=operator,
                        zone=zone,
                    )
            except CollectionError as exc:
                return False, str(exc)
            return True, f"{done.learner} collected by {done.collected_by} at {done.at}."

        def done(result: tuple[bool, str]) -> None:
            saved, message = result
            if saved:
                self.host.notify(plain(message), title="Saved")
                self.show_lane()
            else:
                self.show_sign_out(message)

        self.host.submit(job, done)

    def _row(self, learner_id: int) -> LaneRow | None:
        return next((r for r in self.host.lane_view.rows if r.learner_id == learner_id), None)

    def open(self, learner_id: int) -> None:
        """The staff's view of one learner in the lane, with the buttons for their next step."""
        row = self._row(learner_id)
        if row is None:
            self.host.notify("That learner is no longer in the lane.", severity="warning")
            self.show_lane()
            return
        self._push(
            LearnerDeskScreen(self._view(row), self.host.config.policy.late_reasons),
            lambda action: self._acted(row, action),
        )

    def _view(self, row: LaneRow) -> LearnerDeskView:
        school, policy = self.host.config.school, self.host.config.policy
        local = row.arrived_at.astimezone(school.zone)
        session = session_for(local.time().replace(tzinfo=None), school.am, school.pm)
        times = school.times_for(session)
        assert times is not None
        mark = mark_for_admission(local.time().replace(tzinfo=None), session, times)
        detention = late_detention(
            mark,
            has_reasonable_explanation=bool(row.late_reason),
            detention_minutes=school.late_detention_minutes,
        )
        with self.host.book.reads() as db:
            learner = db.get_one(LearnerRecord, row.learner_id)
            surname, reg, year, sen = (
                learner.surname,
                learner.reg_group,
                learner.year_group,
                learner.sen,
            )
        step = next_step(
            Progress(
                phone_done=row.phone_done,
                selected_for_screening=row.selected,
                screening_result=row.screening,
                search_done=row.search_done,
            ),
            phone_policy=PhonePolicy(policy.phone_handin),
        )
        return LearnerDeskView(
            first_name=row.first_name,
            surname=surname,
            reg_group=reg,
            year_group=year,
            mark_code=mark.code.value,
            minutes_late=mark.minutes_late,
            arrived_local=f"{local:%H:%M}",
            late_detention=detention.required,
            phone_policy=policy.phone_handin,
            phone_done=row.phone_done,
            screening_policy=policy.screening,
            selected_for_screening=row.selected,
            screening_result=row.screening,  # type: ignore[arg-type]
            sen=sen,
            search_done=row.search_done,
            slot=row.slot,
            in_arch=row.in_arch is not None,
            may_admit=step.may_admit and Need.REFUSED not in row.needs,
            waiting_for=" ".join(step.reasons) if not step.may_admit else "",
            late_reason=row.late_reason,
        )

    def _acted(self, row: LaneRow, action: DeskAction | None) -> None:
        self.touch()
        if action is None:
            self.show_lane()
            return
        learner_id, at = row.learner_id, self.host.clock()
        events: list[lane.Event] = []
        if action.late_reason.strip() and action.late_reason.strip() != row.late_reason:
            events.append(lane.LateReasonGiven(at, learner_id, action.late_reason.strip()))
        kind = action.kind
        if kind in ("phone_in", "no_phone"):
            events.append(
                lane.PhoneTaken(at, learner_id, slot=action.slot, no_phone=kind == "no_phone")
            )
        elif kind in ("arch_clear", "arch_alarm"):
            events.append(lane.ArchConfirmed(at, learner_id, clear=kind == "arch_clear"))
        elif kind in ("wand_clear", "wand_alarm"):
            events.append(lane.WandChecked(at, learner_id, clear=kind == "wand_clear"))
        elif kind == "send_back":
            events.append(lane.SentBack(at, learner_id))
        elif kind == "admit":
            events.append(lane.StaffAdmitted(at, learner_id))
        elif kind == "refuse":
            events.append(lane.RefusalStated(at, learner_id))
        if kind == "search":
            self._then_all(events, lambda: self._search(row))
        elif kind == "refuse":
            self._then_all(events, lambda: self._refuse(row))
        elif kind == "influence":
            self._then_all(events, lambda: self._influence(row))
        else:
            self._then_all(events, lambda: self._after(learner_id))

    def _then_all(self, events: list[lane.Event], then: Callable[[], None]) -> None:
        """Send the events in order; stop at the first the lane refuses."""
        if not events:
            then()
            return
        first, rest = events[0], events[1:]

        def done(outcome: LaneOutcome) -> None:
            if outcome.rejected:
                self.host.notify(plain(outcome.rejected), title="Not recorded", severity="error")
                self._after(getattr(first, "learner_id", 0))
                return
            self._then_all(rest, then)

        self._event(first, done)

    def _after(self, learner_id: int) -> None:
        """After a step: that learner's desk while they still need staff, else the queue."""
        row = self._row(learner_id)
        # Back to this learner only for something staff must still do here; a late flag or a
        # long wait is shown on the queue and needs no extra touch.
        if row is not None and (set(row.needs) & DESK_NEEDS or row.step in ("search", "admit")):
            self.open(learner_id)
        else:
            self.show_lane()

    def _event(self, event: lane.Event, then: Callable[[LaneOutcome], None]) -> None:
        self.host.lane_event(event, self.operator, then)

    def _search(self, row: LaneRow) -> None:
        with self.host.book.reads() as db:
            requirement = who_may_search(
                db,
                row.learner_id,
                self.duty.staff_ids,
                today=self._today(),
                training=self.host.config.policy.training,
            )
            learner = db.get_one(LearnerRecord, row.learner_id)
            year, sen = learner.year_group, learner.sen
        # Age, ability and SEND are considered before and during the search (reasonable
        # adjustments): the searcher sees them on the record.
        note = f"Year {year or '?'}" + (
            " · SEND: make reasonable adjustments" if sen else " · no SEND recorded"
        )
        categories = categories_for(self.host.config.policy.school_rules_items)

        def set_up(setup: SearchSetup | None) -> None:
            self.touch()
            if setup is None:
                self._after(row.learner_id)
                return
            self._push(
                SearchRecordScreen(row.first_name, setup, categories, learner_note=note),
                lambda recorded: self._searched(row, setup, recorded),
            )

        self._push(SearchSetupScreen(row.first_name, requirement, self.duty.members), set_up)

    def _searched(self, row: LaneRow, setup: SearchSetup, recorded: SearchRecorded | None) -> None:
        self.touch()
        if recorded is None:
            self._after(row.learner_id)
            return
        form = SearchForm(
            learner_id=row.learner_id,
            searcher_staff_id=setup.searcher_staff_id,
            witness_staff_id=setup.witness_staff_id,
            level=recorded.level,
            place=recorded.place,
            grounds=recorded.grounds,
            sought=recorded.sought,
            outcome=recorded.outcome,
            items=recorded.items,
            parent_informed=recorded.parent_informed,
            parent_informed_how=recorded.parent_informed_how,
            parent_not_informed_reason=recorded.parent_not_informed_reason,
            dsl_told_by_recorder=recorded.dsl_informed,
            exception=setup.exception,
            consent=recorded.consent,
            physical_intervention=recorded.physical_intervention,
            adjustments=recorded.adjustments,
            witness_adult=setup.witness_adult,
        )
        operator, at = self._operator(), self.host.clock()

        def saved(result: LaneOutcome | SearchNotAllowed) -> None:
            if isinstance(result, SearchNotAllowed):
                self.host.notify(
                    plain("\n".join(result.reasons)), title="Search not recorded", severity="error"
                )
                self._after(row.learner_id)
                return
            self.host.apply(result)
            self.host.notify("Search recorded.", title="Saved")
            self._tell_dsl_now()
            self._after(row.learner_id)

        self.host.submit(
            lambda: self.host.keeper.record_search(form, at=at, staff_id=operator), saved
        )

    def _tell_dsl_now(self) -> None:
        """A serious incident goes to the DSL at once, not on the timer's next round; on a
        thread of its own so the lane never waits for the mail server. What is not delivered
        stays in the outbox, shown to the office, and the timer tries again."""
        sessions, config, now = self.host.book.sessions, self.host.config.notify, self.host.clock()

        def send() -> SendReport:
            return send_dsl_now(sessions, config, now=now)

        def sent(report: SendReport) -> None:
            if report.failed or report.no_address:
                self.host.notify(
                    "The DSL has not been told yet: the message waits in the outbox. "
                    "Tell the DSL in person.",
                    title="DSL not told",
                    severity="warning",
                )

        self.host.read(send, sent)

    def _refuse(self, row: LaneRow) -> None:
        """A refusal ends in O and a notification, under every `on_refusal` policy.

        Under "search" the lane first offers a search instead of refusing the arch: staff are
        told so and go back to the learner's desk, never straight into a search (that needs
        the learner's consent, or grounds for an item the law names). A learner who refuses
        the search too is refused here, like any other."""
        current = self._row(row.learner_id) or row
        if Need.REFUSED not in current.needs:
            self.host.notify(
                "The school's policy offers a search instead of refusing entry: only with the "
                "learner's consent, or grounds for an item the law names. If the learner "
                "refuses the search, press Refuses again: not admitted (O).",
                title="Search offered",
                severity="warning",
            )
            self._after(row.learner_id)
            return
        row = current
        kind = RefusalKind.SEARCH if row.screening == "alarm" else RefusalKind.SCREENING

        def confirmed(result: RefusalConfirmedResult | None) -> None:
            self.touch()
            if result is None:
                self._after(row.learner_id)  # still refusing: the row says so
                return
            event = lane.RefusalConfirmed(self.host.clock(), row.learner_id, note=result.note)
            self._event(event, lambda _: self.show_lane())

        self._push(RefusalScreen(row.first_name, kind.value), confirmed)

    def _influence(self, row: LaneRow) -> None:
        """R28: suspected under the influence, at any step: not admitted (O, not an exclusion),
        the attendance officer and the DSL told (the DSL's message sent at once), and the
        learner kept apart until a parent or carer collects them (recorded under Leaving)."""

        def confirmed(result: InfluenceConfirmed | None) -> None:
            self.touch()
            if result is None:
                self._after(row.learner_id)
                return
            event = lane.InfluenceSuspected(
                self.host.clock(), row.learner_id, note=result.note, dsl_told=result.dsl_told
            )

            def saved(outcome: LaneOutcome) -> None:
                if outcome.rejected:
                    self.host.notify(
                        plain(outcome.rejected), title="Not recorded", severity="error"
                    )
                else:
                    self.host.notify(
                        "Not admitted (O). Keep them apart until a parent or carer collects "
                        "them, and record who collects them under Leaving.",
                        title="Saved",
                    )
                    self._tell_dsl_now()
                self.show_lane()

            self._event(event, saved)

        self._push(InfluenceScreen(row.first_name), confirmed)

    def _operator(self) -> str:
        assert self.operator is not None, "staff screens are only open while signed on"
        return self.operator
