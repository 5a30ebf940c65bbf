"""The staff session at the screen: badge and PIN to sign on, the idle lock, who is on duty
(in memory and on the fire roll's record), and the queue as staff's home while signed on."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.people import Role, StaffMember, StaffRef
from kiosk.domain.search import duty_warnings
from kiosk.door.arrivals import BadgeOwner
from kiosk.people.duty import Duty, SignOn, sign_on
from kiosk.people.presence import record_all_signed_off, record_sign_off, record_sign_on
from kiosk.screens.duty import DutyScreen
from kiosk.screens.greeting import Tone
from kiosk.screens.lane import LaneChoice
from kiosk.screens.pin_pad import PinPadScreen
from kiosk.station.host import DeskHost, StepFailed, answered
from kiosk.views.desk import DutyClosed, PinEntered

OFFICE_ROLES = (Role.OFFICE, Role.DSL)
FLOWS = "staff-flow"  # the worker group of the staff's multi-step flows: one at a time

T = TypeVar("T")


class StaffLocked(Exception):
    """Staff were locked out mid-flow: the flow ends, and opens nothing over the learners."""


@dataclass(frozen=True)
class StaffRoutes:
    """Where staff's choices on the queue and the duty panel lead: the desks built beside."""

    open_learner: Callable[[int], None]
    find_learner: Callable[[], None]
    dismiss_alarm: Callable[[], None]
    office: Callable[[], None]
    roll: Callable[[], None]
    sign_out: Callable[[], None]


class StaffSession:
    """Who is signed on at the screen (`operator`) and who is on duty (`duty`)."""

    def __init__(self, host: DeskHost) -> None:
        self.host = host
        self.duty = Duty()
        self.operator: StaffRef | None = None  # who acts at the desk, while unlocked
        self._lock_timer: Timer | None = None
        self._flow: Worker[None] | None = None  # the staff flow under way, if any
        self.routes: StaffRoutes | None = None  # set once the desks are built
        # The session a plain sign-in station is in (its staff are signed off when it ends).
        self._session: tuple[date, SchoolSession | None] | None = None

    @property
    def unlocked(self) -> bool:
        return self.operator is not None

    def by(self) -> StaffRef:
        """Who acts at the desk, as the use cases are told (`by=`); in a flow that outlived
        the lock (a read that came back after it), the flow ends here."""
        if self.operator is None:
            raise StaffLocked
        return self.operator

    def operator_has(self, *roles: Role) -> bool:
        operator = None if self.operator is None else self.operator.staff_id
        member = next((m for m in self.duty.members if m.staff_id == operator), None)
        return member is not None and any(role in member.roles for role in roles)

    @property
    def operator_is_dsl(self) -> bool:
        return self.operator_has(Role.DSL)

    def today(self) -> date:
        return self.host.clock().astimezone(self.host.config.school.zone).date()

    def push(self, screen: Screen[Any], then: Callable[[Any], None]) -> None:
        """A staff screen, only while staff are signed on: an answer from the writer or the hub
        that arrives after the idle lock opens nothing over the learners' screen."""
        if self.unlocked:
            self.host.push_screen(screen, then)

    # --- multi-step flows -------------------------------------------------------------------

    def flow(self, steps: Coroutine[Any, Any, None]) -> None:
        """A multi-step staff flow as one Textual worker, awaiting each screen's answer
        (`ask`) and each saved step (`answered`) in turn. A new flow replaces one still
        open (its screens were closed under it), and the lock ends it."""
        self._flow = self.host.run_worker(self._until_ended(steps), group=FLOWS, exclusive=True)

    async def _until_ended(self, steps: Coroutine[Any, Any, None]) -> None:
        try:
            await steps
        except StaffLocked:
            pass  # the learners' screen is up: nothing more to show
        except StepFailed:
            self.show_lane()  # staff were told what failed: the queue, to try again

    async def ask(self, screen: Screen[T]) -> T | None:
        """A staff screen's answer, or the flow ends if staff were locked out before it."""
        if not self.unlocked:
            raise StaffLocked
        answer: T | None = await self.host.push_screen_wait(screen)
        return answer

    async def written(self, job: Callable[[], T]) -> T:
        """A writer job's result, awaited by a flow."""
        return await answered(lambda then, failed: self.host.submit(job, then, failed=failed))

    async def read(self, job: Callable[[], T]) -> T:
        """A read that may wait on the network (the hub), off the UI thread, awaited."""
        return await answered(lambda then, failed: self.host.read(job, then, failed))

    # --- signing on and off -----------------------------------------------------------------

    def staff_badge(self, owner: BadgeOwner, message: str = "") -> None:
        assert owner.record_id is not None
        record_id = owner.record_id
        if self.operator == StaffRef(owner.staff_id) and not message:
            self.touch()  # already signed on: the badge opens the staff home
            self.show_lane()
            return
        if self.unlocked and not message:
            # A second member of staff signs on from the queue: their PIN pad stands alone,
            # so the screens under it are not left behind once they are on duty.
            self.host.back_to_idle()

        self.flow(self._sign_on(owner.first_name, record_id, message))

    async def _sign_on(self, first_name: str, record_id: int, message: str) -> None:
        """The PIN pad until the PIN is right, the pad is closed, or the badge locks."""
        while True:
            pad = PinPadScreen(first_name, message)
            # A PIN pad left open closes by itself after the idle time, as staff screens do.
            self.host.set_timer(
                self.host.config.policy.staff_idle_lock_seconds, partial(self._close_pad, pad)
            )
            entered: PinEntered | None = await self.host.push_screen_wait(pad)  # not signed on
            if entered is None:
                self.host.back_to_idle()
                self.show_lane()  # cancelled: whoever was signed on is back at the queue
                return
            # A wrong try is written (it counts towards the lockout): on the writer thread.
            outcome: SignOn = await self.written(
                partial(
                    sign_on, self.host.book.sessions, record_id, entered.pin, at=self.host.clock()
                )
            )
            if outcome.accepted and outcome.member is not None:
                self._signed_on(outcome.member)
                return
            if outcome.locked:
                self.host.greet("Badge locked", outcome.message, tone=Tone.NEXT)
                return
            message = outcome.message

    def _signed_on(self, member: StaffMember) -> None:
        self.duty = self.duty.signed_on(member)
        staff_id, zone = member.staff_id, self.host.config.school.zone
        self.operator = StaffRef(staff_id)
        self._presence(
            lambda db, station, at: record_sign_on(db, staff_id, station=station, at=at, zone=zone)
        )
        self.touch()
        self.show_duty()

    def _close_pad(self, pad: PinPadScreen) -> None:
        if pad.is_current:
            pad.dismiss(None)

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
        if self._flow is not None:
            self._flow.cancel()  # the flow's screens close below; its saved steps stand
            self._flow = None
        self.host.back_to_idle()

    def sign_off(self) -> None:
        """The member of staff at the screen signs off: off duty, and the screens close."""
        if self.operator is not None:
            leaving = self.operator.staff_id
            self.duty = self.duty.signed_off(leaving)
            self._presence(
                lambda db, station, at: record_sign_off(db, leaving, station=station, at=at)
            )
        self.lock()

    def end_of_session(self) -> None:
        """A new session begins: nobody is on duty until they sign on again."""
        self.nobody_on_duty()
        if self.operator is not None:
            self.lock()

    def watch_session(self) -> None:
        """A plain station has no lane to say a session ended: its duty list ends here."""
        school = self.host.config.school
        local = self.host.clock().astimezone(school.zone)
        now = (local.date(), school.session_at(local.time().replace(tzinfo=None)))
        before, self._session = self._session, now
        if before is not None and before != now and before[1] is not None:
            self.end_of_session()

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

    # --- staff's home: the queue and the duty panel -------------------------------------------

    def _routes(self) -> StaffRoutes:
        assert self.routes is not None, "the app sets the routes as it builds the desks"
        return self.routes

    def show_duty(self) -> None:
        """The staff home: who is on duty, what is missing, and finding a learner by name."""
        members = self.duty.members

        def closed(result: DutyClosed | None) -> None:
            self.touch()
            if result is not None and result.find_learner:
                self._routes().find_learner()
            elif result is not None and result.office:
                self._routes().office()
            else:
                self.show_lane()

        # R7: searchers whose training is not up to date are warned of here.
        warnings = duty_warnings(
            members, today=self.today(), training=self.host.config.policy.training
        )
        self.push(DutyScreen(members, warnings, office=self.operator_has(*OFFICE_ROLES)), closed)

    def show_lane(self) -> None:
        """The queue: every learner in flight; one touch opens a learner's desk."""
        if not self.unlocked:
            return  # locked while a step was saved: the learners' screen stays
        self.host.show_lane(office=self.operator_has(*OFFICE_ROLES), then=self._lane_chosen)

    def _lane_chosen(self, choice: LaneChoice | None) -> None:
        self.touch()
        routes = self._routes()
        if choice is None:
            self.host.back_to_idle()
        elif choice.kind == "learner" and choice.learner_id is not None:
            routes.open_learner(choice.learner_id)
        elif choice.kind == "duty":
            self.show_duty()
        elif choice.kind == "find":
            routes.find_learner()
        elif choice.kind == "office":
            routes.office()
        elif choice.kind == "roll":
            routes.roll()
        elif choice.kind == "sign_out":
            routes.sign_out()
        elif choice.kind == "dismiss_alarm":
            routes.dismiss_alarm()
        else:  # "lock": the station returns to the learners' screen
            self.sign_off()


__all__ = ["FLOWS", "OFFICE_ROLES", "StaffLocked", "StaffRoutes", "StaffSession"]
