"""The screening desk: staff sign-on and the morning flow for each learner, screen by screen.

The app hands badge taps here when the policy asks for more than a plain sign-in. Each step
calls a use case (one transaction), keeps the learner's progress in memory as a `Visit`, and
pushes the next screen; the rules for what comes next are in kiosk.domain.station.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from textual.screen import Screen
from textual.timer import Timer

from kiosk.arrivals import BadgeOwner, admit, refuse
from kiosk.config import Config
from kiosk.database import Book
from kiosk.domain.attendance import RefusalKind, late_detention, mark_for_admission, session_for
from kiosk.domain.items import ItemCategory
from kiosk.domain.people import Role
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningPolicy, screening_decision
from kiosk.domain.station import (
    Progress,
    RefusalPolicy,
    Step,
    after_refusal,
    alarm_belongs_to,
    next_step,
)
from kiosk.duty import Duty, sign_on
from kiosk.lookup import enrol_learner_badge, find_learners
from kiosk.office import office_view
from kiosk.phones_desk import PhoneDeskError, hand_in, return_phone
from kiosk.screenings import record_screening
from kiosk.screens.duty import DutyScreen, duty_warnings
from kiosk.screens.find_learner import FindLearnerScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.office import OfficeScreen
from kiosk.screens.pin_pad import PinPadScreen
from kiosk.screens.refusal import RefusalScreen
from kiosk.screens.results import (
    DeskAction,
    DutyClosed,
    LearnerDeskView,
    LearnerMatch,
    LearnerPicked,
    OfficeAction,
    PinEntered,
    RefusalConfirmed,
    SearchRecorded,
    SearchSetup,
)
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.search_setup import SearchSetupScreen
from kiosk.searches import SearchForm, SearchNotAllowed, record_search, who_may_search
from records.models import LearnerRecord, StaffRecord

log = logging.getLogger(__name__)

OFFICE_ROLES = (Role.OFFICE, Role.DSL)
# Where exports go unless staff choose another folder (a USB stick mounts under /media).
EXPORT_FOLDER = "/media"
# How long after a learner is called forward the arch's verdict is taken as theirs.
ARCH_WINDOW = timedelta(seconds=20)


class DeskHost(Protocol):
    """What the desk needs of the app (kept narrow so the desk can be read on its own)."""

    config: Config
    book: Book
    clock: Callable[[], datetime]

    def push_screen(self, screen: Screen[Any], callback: Any = None) -> Any: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information") -> None: ...
    def set_timer(self, delay: float, callback: Callable[[], Any]) -> Timer: ...
    def greet(self, headline: str, next_step: str, *, admitted: bool) -> None: ...
    def back_to_idle(self) -> None: ...
    def drive_outputs(self, what: str) -> None: ...


@dataclass(frozen=True)
class Visit:
    """One learner's visit to the desk this morning, as far as it has gone."""

    learner_id: int
    first_name: str
    arrived_at: datetime
    progress: Progress
    screening_id: int | None = None
    late_reason: str = ""


class Desk:
    def __init__(self, host: DeskHost, *, rng: random.Random | None = None) -> None:
        self.host = host
        self.rng = rng or random.Random()
        self.duty = Duty()
        self.operator: str | None = None  # the staff_id acting at the desk, while unlocked
        self.visits: dict[int, Visit] = {}
        self._lock_timer: Timer | None = None
        # The learner whose desk screen was opened last, and when: the arch's next alarm or
        # clean passage within ARCH_WINDOW is theirs.
        self.called: tuple[int, datetime] | None = None

    # --- staff ------------------------------------------------------------------------------

    @property
    def unlocked(self) -> bool:
        return self.operator is not None

    def staff_badge(self, owner: BadgeOwner, message: str = "") -> None:
        assert owner.record_id is not None
        record_id = owner.record_id
        if self.operator == owner.staff_id and not message:
            self.touch()  # already signed on: the badge opens the staff home
            self.show_duty()
            return

        def entered(result: PinEntered | None) -> None:
            if result is None:
                self.host.back_to_idle()
                return
            outcome = sign_on(self.host.book.sessions, record_id, result.pin, at=self.host.clock())
            if outcome.accepted and outcome.member is not None:
                self.duty = self.duty.signed_on(outcome.member)
                self.operator = outcome.member.staff_id
                self.touch()
                self.show_duty()
            elif outcome.locked:
                self.host.greet("Badge locked", outcome.message, admitted=False)
            else:
                self.staff_badge(owner, outcome.message)

        self.host.push_screen(PinPadScreen(owner.first_name, message), entered)

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
                self.host.back_to_idle()

        self.host.push_screen(
            DutyScreen(members, duty_warnings(members), office=self._operator_has(*OFFICE_ROLES)),
            closed,
        )

    def _operator_has(self, *roles: Role) -> bool:
        member = next((m for m in self.duty.members if m.staff_id == self.operator), None)
        return member is not None and any(role in member.roles for role in roles)

    @property
    def operator_is_dsl(self) -> bool:
        return self._operator_has(Role.DSL)

    def show_office(self) -> None:
        """The office screen; search detail only for the designated safeguarding lead."""
        if not self._operator_has(*OFFICE_ROLES):
            self.host.back_to_idle()
            return
        with self.host.book.sessions() as db:
            view = office_view(
                db,
                school=self.host.config.school,
                now=self.host.clock(),
                is_dsl=self.operator_is_dsl,
            )

        def acted(action: OfficeAction | None) -> None:
            self.touch()
            if action is None:
                self.host.back_to_idle()
                return
            if action.kind == "return_phone" and action.learner_id is not None:
                at = self.host.clock()
                try:
                    with self.host.book.sessions.begin() as db:
                        back = return_phone(
                            db,
                            action.learner_id,
                            day=at.astimezone(self.host.config.school.zone).date(),
                            at=at,
                            returned_by_staff_id=self._operator(),
                        )
                    self.host.notify(f"Returned from slot {back.slot or '-'}.", title="Saved")
                except PhoneDeskError as exc:
                    self.host.notify(str(exc), title="Not returned", severity="error")
            self.show_office()

        self.host.push_screen(OfficeScreen(view, EXPORT_FOLDER), acted)

    def _search_names(self, text: str) -> list[LearnerMatch]:
        today = self.host.clock().astimezone(self.host.config.school.zone).date()
        with self.host.book.sessions() as db:
            return find_learners(db, text, on=today)

    def find_learner(self) -> None:
        """A forgotten badge: staff find the learner by name and the visit starts now."""

        def picked(result: LearnerPicked | None) -> None:
            self.touch()
            if result is None:
                self.host.back_to_idle()
                return
            owner = BadgeOwner("learner", result.learner_id, result.first_name)
            self.learner_badge(owner, self.host.clock())

        self.host.push_screen(
            FindLearnerScreen("Find a learner (forgotten badge)", self._search_names), picked
        )

    def unknown_badge(self, uid: str, read_at: datetime) -> None:
        """A card nobody owns, tapped while staff are signed on: enrol it to its learner."""

        def picked(result: LearnerPicked | None) -> None:
            self.touch()
            if result is None:
                self.host.back_to_idle()
                return
            with self.host.book.sessions.begin() as db:
                enrolled = enrol_learner_badge(
                    db, result.learner_id, uid, at=read_at, by_staff_id=self._operator()
                )
            if not enrolled:
                self.host.notify("That card belongs to someone else.", severity="error")
                self.host.back_to_idle()
                return
            self.host.notify(f"Badge enrolled to {result.first_name}.", title="Saved")
            owner = BadgeOwner("learner", result.learner_id, result.first_name)
            self.learner_badge(owner, read_at)

        self.host.push_screen(
            FindLearnerScreen("Badge not known: whose is it?", self._search_names), picked
        )

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

    # --- learners ---------------------------------------------------------------------------

    def learner_badge(self, owner: BadgeOwner, read_at: datetime) -> None:
        assert owner.record_id is not None
        visit = self.visits.get(owner.record_id)
        if visit is None:
            visit = self._new_visit(owner.record_id, owner.first_name, read_at)
            self.visits[visit.learner_id] = visit
        step = self._next(visit)
        if step.step is Step.DONE:
            self.host.greet(
                f"Hello, {visit.first_name}", "Please see a member of staff.", admitted=False
            )
        elif self.unlocked:
            self.open(visit.learner_id)
        else:
            self.host.greet(
                f"Good morning, {visit.first_name}", step.learner_prompt, admitted=False
            )

    def _new_visit(self, learner_id: int, first_name: str, at: datetime) -> Visit:
        policy = self.host.config.policy
        decision = screening_decision(
            ScreeningPolicy(policy.screening), policy.random_screening_percent, self.rng.random()
        )
        return Visit(learner_id, first_name, at, Progress(selected_for_screening=decision.screen))

    def _next(self, visit: Visit) -> Any:
        return next_step(
            visit.progress, phone_policy=PhonePolicy(self.host.config.policy.phone_handin)
        )

    def open(self, learner_id: int) -> None:
        """The staff's view of the learner at the desk, with the buttons for the next step."""
        visit = self.visits[learner_id]
        if visit.progress.screening_result is None:
            self.called = (learner_id, self.host.clock())
        self.host.push_screen(
            LearnerDeskScreen(self._view(visit)),
            lambda action: self._acted(learner_id, action),
        )

    def _view(self, visit: Visit) -> LearnerDeskView:
        school, policy = self.host.config.school, self.host.config.policy
        local = visit.arrived_at.astimezone(school.zone)
        session = session_for(local.time(), school.am, school.pm)
        times = school.times_for(session)
        assert times is not None
        mark = mark_for_admission(local.time().replace(tzinfo=None), session, times)
        detention = late_detention(
            mark,
            has_reasonable_explanation=bool(visit.late_reason),
            detention_minutes=school.late_detention_minutes,
        )
        with self.host.book.sessions() as db:
            learner = db.get_one(LearnerRecord, visit.learner_id)
            surname, reg, year, sen = (
                learner.surname,
                learner.reg_group,
                learner.year_group,
                learner.sen,
            )
        return LearnerDeskView(
            first_name=visit.first_name,
            surname=surname,
            reg_group=reg,
            year_group=year,
            mark_code=mark.code.value,
            minutes_late=mark.minutes_late,
            arrived_local=f"{local:%H:%M}",
            late_detention=detention.required,
            phone_policy=policy.phone_handin,  # type: ignore[arg-type]
            phone_done=visit.progress.phone_done,
            screening_policy=policy.screening,  # type: ignore[arg-type]
            selected_for_screening=visit.progress.selected_for_screening,
            screening_result=visit.progress.screening_result,  # type: ignore[arg-type]
            sen=sen,
            search_done=visit.progress.search_done,
        )

    def _acted(self, learner_id: int, action: DeskAction | None) -> None:
        self.touch()
        if action is None:
            self.host.back_to_idle()
            return
        visit = self.visits[learner_id]
        if action.late_reason.strip():
            visit = replace(visit, late_reason=action.late_reason.strip())
            self.visits[learner_id] = visit
        handlers: dict[str, Callable[[Visit, DeskAction], None]] = {
            "phone_in": self._phone,
            "no_phone": self._phone,
            "arch_clear": self._screened,
            "arch_alarm": self._screened,
            "wand_clear": self._screened,
            "wand_alarm": self._screened,
            "search": lambda v, _: self._search(v),
            "refuse": lambda v, _: self._refuse(v, RefusalKind.SCREENING),
            "admit": lambda v, _: self._admit(v),
        }
        try:
            handlers[action.kind](visit, action)
        except (PhoneDeskError, SearchNotAllowed) as exc:
            self.host.notify(str(exc), title="Not recorded", severity="error")
            self.open(learner_id)
        except SQLAlchemyError:
            log.exception("desk action %s failed", action.kind)
            self.host.notify(
                "The database did not answer: nothing was recorded. Try again.",
                title="Not recorded",
                severity="error",
            )
            self.open(learner_id)

    def _save(self, visit: Visit) -> None:
        self.visits[visit.learner_id] = visit

    def _phone(self, visit: Visit, action: DeskAction) -> None:
        at = self.host.clock()
        with self.host.book.sessions.begin() as db:
            hand_in(
                db,
                visit.learner_id,
                day=at.astimezone(self.host.config.school.zone).date(),
                at=at,
                slot=action.slot,
                no_phone=action.kind == "no_phone",
                received_by_staff_id=self._operator(),
            )
        self._save(replace(visit, progress=replace(visit.progress, phone_done=True)))
        self.open(visit.learner_id)

    def _screened(self, visit: Visit, action: DeskAction, zone: str | None = None) -> None:
        method, result = action.kind.split("_")
        at = self.host.clock()
        with self.host.book.sessions.begin() as db:
            screening_id = record_screening(
                db,
                visit.learner_id,
                day=at.astimezone(self.host.config.school.zone).date(),
                at=at,
                method=method,
                result=result,
                operator_staff_id=self._operator(),
                zone=zone,
                randomly_selected=self.host.config.policy.screening == "random",
            )
        visit = replace(
            visit,
            screening_id=screening_id,
            progress=replace(visit.progress, screening_result=result),
        )
        self._save(visit)
        if result == "alarm":
            # Staff decide what follows: a wand check that clears it, or a search.
            self.host.drive_outputs("alarm")
        self.open(visit.learner_id)

    def arch_result(self, result: str, at: datetime, zone: str | None) -> bool:
        """The arch spoke: record it for the learner called forward, if it is theirs."""
        if self.called is None or not self.unlocked:
            return False
        learner_id, called_at = self.called
        visit = self.visits.get(learner_id)
        if (
            visit is None
            or visit.progress.screening_result is not None
            or not alarm_belongs_to(called_at, at, ARCH_WINDOW)
        ):
            return False
        self.called = None
        self.host.back_to_idle()
        self._screened(visit, DeskAction(f"arch_{result}"), zone=zone)  # type: ignore[arg-type]
        return True

    def _search(self, visit: Visit) -> None:
        with self.host.book.sessions() as db:
            requirement = who_may_search(db, visit.learner_id, self.duty.staff_ids)

        def set_up(setup: SearchSetup | None) -> None:
            self.touch()
            if setup is None:
                self.open(visit.learner_id)
                return
            self.host.push_screen(
                SearchRecordScreen(visit.first_name, setup, list(ItemCategory)),
                lambda recorded: self._searched(visit.learner_id, setup, recorded),
            )

        self.host.push_screen(
            SearchSetupScreen(visit.first_name, requirement, self.duty.members), set_up
        )

    def _searched(
        self, learner_id: int, setup: SearchSetup, recorded: SearchRecorded | None
    ) -> None:
        self.touch()
        visit = self.visits[learner_id]
        if recorded is None:
            self.open(learner_id)
            return
        form = SearchForm(
            learner_id=learner_id,
            searcher_staff_id=setup.searcher_staff_id,
            witness_staff_id=setup.witness_staff_id,
            level=recorded.level,
            place=recorded.place,
            grounds=recorded.grounds,
            sought=recorded.sought,
            outcome=recorded.outcome,
            items=recorded.items,
            parent_informed=recorded.parent_informed,
            dsl_informed=recorded.dsl_informed,
            exception=setup.exception,
            screening_id=visit.screening_id,
        )
        try:
            with self.host.book.sessions.begin() as db:
                record_search(
                    db,
                    form,
                    at=self.host.clock(),
                    recorded_by_staff_id=self._operator(),
                    zone=self.host.config.school.zone,
                )
        except SearchNotAllowed as exc:
            self.host.notify("\n".join(exc.reasons), title="Search not recorded", severity="error")
            self.open(learner_id)
            return
        self._save(replace(visit, progress=replace(visit.progress, search_done=True)))
        self.host.notify("Search recorded.", title="Saved")
        self.open(learner_id)

    def _refuse(self, visit: Visit, kind: RefusalKind) -> None:
        policy = RefusalPolicy(self.host.config.policy.on_refusal)
        progress, then = after_refusal(visit.progress, policy)
        if then is Step.SEARCH:
            self._save(replace(visit, progress=progress))
            self._search(replace(visit, progress=progress))
            return

        def confirmed(result: RefusalConfirmed | None) -> None:
            self.touch()
            if result is None:
                self.open(visit.learner_id)
                return
            by = self._record_id()  # read before the write transaction takes its lock
            with self.host.book.sessions.begin() as db:
                refuse(
                    db,
                    visit.learner_id,
                    at=self.host.clock(),
                    kind=kind,
                    school=self.host.config.school,
                    by_staff_id=by,
                    note=result.note,
                )
            self._save(replace(visit, progress=progress))
            self.host.drive_outputs("refused")
            self.host.greet(
                f"Sorry, {visit.first_name}", "Please see a member of staff.", admitted=False
            )

        self.host.push_screen(RefusalScreen(visit.first_name, kind.value), confirmed)

    def _admit(self, visit: Visit) -> None:
        step = self._next(visit)
        if not step.may_admit:
            self.host.notify(" ".join(step.reasons), title="Not yet", severity="warning")
            self.open(visit.learner_id)
            return
        by = self._record_id()  # read before the write transaction takes its lock
        with self.host.book.sessions.begin() as db:
            admission = admit(
                db,
                visit.learner_id,
                arrived_at=visit.arrived_at,
                admitted_at=self.host.clock(),
                school=self.host.config.school,
                by_staff_id=by,
                late_reason=visit.late_reason,
            )
        self._save(replace(visit, progress=replace(visit.progress, admitted=True)))
        self.host.drive_outputs("admitted")
        self.host.greet(
            f"Good morning, {admission.first_name}", "Please go through.", admitted=True
        )

    def _operator(self) -> str:
        assert self.operator is not None, "staff screens are only open while signed on"
        return self.operator

    def _record_id(self) -> int:
        with self.host.book.sessions() as db:
            return db.scalars(
                select(StaffRecord.id).where(StaffRecord.staff_id == self._operator())
            ).one()
