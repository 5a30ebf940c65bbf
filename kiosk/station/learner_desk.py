"""The learner's desk: one learner in the lane opened by staff, the step they take for them
(each a lane event), refusal and suspected influence, and learners found by name."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from kiosk.config import Config
from kiosk.database import Book
from kiosk.domain import lane
from kiosk.domain.attendance import RefusalKind, late_detention, mark_for_admission, session_for
from kiosk.domain.lane import Need
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.station import Progress, next_step
from kiosk.door.lane import LaneOutcome
from kiosk.people.lookup import enrol_learner_badge, find_learners
from kiosk.screens.find_learner import FindLearnerScreen
from kiosk.screens.influence import InfluenceScreen
from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.screens.refusal import RefusalScreen
from kiosk.screens.text import plain
from kiosk.station.host import DeskHost, answered
from kiosk.station.kept_screen import KeptScreen
from kiosk.station.lane_front import LaneFront
from kiosk.station.search_desk import SearchDesk, tell_dsl_now
from kiosk.station.staff_session import StaffSession
from kiosk.views.desk import DeskAction, DeskActionKind, LearnerDeskView, LearnerMatch
from kiosk.views.lane import LaneRow
from records.models import LearnerRecord

# What keeps a learner's desk open after a step: staff still have something to do there.
DESK_NEEDS = frozenset({Need.ALARM, Need.REFUSED, Need.ARCH, Need.ADMIT})


def desk_view(row: LaneRow, config: Config, book: Book) -> LearnerDeskView:
    """What the desk shows of one learner: their mark, their steps, whether they may go in."""
    school, policy = config.school, config.policy
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
    with book.reads() as db:
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
        screening_result=row.screening,
        sen=sen,
        search_done=row.search_done,
        slot=row.slot,
        in_arch=row.in_arch is not None,
        may_admit=step.may_admit and Need.REFUSED not in row.needs,
        waiting_for=" ".join(step.reasons) if not step.may_admit else "",
        late_reason=row.late_reason,
    )


def step_events(row: LaneRow, action: DeskAction, at: datetime) -> list[lane.Event]:
    """The lane events a desk button stands for, in the order they are recorded."""
    learner_id, kind = row.learner_id, action.kind
    events: list[lane.Event] = []
    if action.late_reason.strip() and action.late_reason.strip() != row.late_reason:
        events.append(lane.LateReasonGiven(at, learner_id, action.late_reason.strip()))
    if kind in (DeskActionKind.PHONE_IN, DeskActionKind.NO_PHONE):
        events.append(
            lane.PhoneTaken(
                at, learner_id, slot=action.slot, no_phone=kind == DeskActionKind.NO_PHONE
            )
        )
    elif kind in (DeskActionKind.ARCH_CLEAR, DeskActionKind.ARCH_ALARM):
        events.append(lane.ArchConfirmed(at, learner_id, clear=kind == DeskActionKind.ARCH_CLEAR))
    elif kind in (DeskActionKind.WAND_CLEAR, DeskActionKind.WAND_ALARM):
        events.append(lane.WandChecked(at, learner_id, clear=kind == DeskActionKind.WAND_CLEAR))
    elif kind == DeskActionKind.SEND_BACK:
        events.append(lane.SentBack(at, learner_id))
    elif kind == DeskActionKind.ADMIT:
        events.append(lane.StaffAdmitted(at, learner_id))
    elif kind == DeskActionKind.REFUSE:
        events.append(lane.RefusalStated(at, learner_id))
    return events


class LearnerDesk:
    """Staff's view of one learner in the lane, and the steps they take for them."""

    def __init__(self, host: DeskHost, staff: StaffSession, lane_front: LaneFront) -> None:
        self.host = host
        self.staff = staff
        self.lane = lane_front
        self.search = SearchDesk(host, staff, lane_front)
        self._desk: KeptScreen[LearnerDeskScreen] = KeptScreen(host, "learner-desk")

    def _row(self, learner_id: int) -> LaneRow | None:
        return next((r for r in self.lane.view.rows if r.learner_id == learner_id), None)

    def _still_needs_staff(self, learner_id: int) -> LaneRow | None:
        """The learner's row while staff must still do something at their desk."""
        row = self._row(learner_id)
        # Back to this learner only for something staff must still do here; a late flag or a
        # long wait is shown on the queue and needs no extra touch.
        if row is not None and (set(row.needs) & DESK_NEEDS or row.step in ("search", "admit")):
            return row
        return None

    def open(self, learner_id: int) -> None:
        """The staff's view of one learner in the lane, with the buttons for their next step."""
        self.staff.flow(self._visit(learner_id))

    async def _visit(self, learner_id: int) -> None:
        """One learner's desk, a step at a time while they still need staff; then the queue."""
        row = self._row(learner_id)
        if row is None:
            self.host.notify("That learner is no longer in the lane.", severity="warning")
        while row is not None:
            view = desk_view(row, self.host.config, self.host.book)
            desk = self._desk.get(
                partial(LearnerDeskScreen, view, self.host.config.policy.late_reasons)
            )
            desk.reopen(view)
            action = await self.staff.ask(desk)
            self.staff.touch()
            if action is None or await self._act(row, action):
                break
            row = self._still_needs_staff(learner_id)
        self.staff.show_lane()

    async def _act(self, row: LaneRow, action: DeskAction) -> bool:
        """One step from the desk, its events saved in order (stopping at the first the lane
        refuses); True when staff go back to the queue whatever the learner still needs."""
        for event in step_events(row, action, self.host.clock()):
            outcome = await self._saved(event)
            if outcome.rejected:
                self.host.notify(plain(outcome.rejected), title="Not recorded", severity="error")
                return False
        if action.kind == DeskActionKind.SEARCH:
            await self.search.search(row)
        elif action.kind == DeskActionKind.REFUSE:
            return await self._refuse(row)
        elif action.kind == DeskActionKind.INFLUENCE:
            return await self._influence(row)
        return False

    async def _saved(self, event: lane.Event) -> LaneOutcome:
        outcome: LaneOutcome = await answered(
            lambda then, failed: self.lane.event(event, self.staff.operator, then, failed)
        )
        return outcome

    def dismiss_alarm(self) -> None:
        """An alarm nobody walked into (a bag, a false trip): dismissed from the queue."""
        event = lane.AlarmDismissed(self.host.clock())
        self.lane.event(event, self.staff.operator, lambda _: self.staff.show_lane())

    async def _refuse(self, row: LaneRow) -> bool:
        """A refusal ends in O and a notification, under every `on_refusal` policy.

        Under "search" the lane first offers a search instead of refusing the arch: staff are
        told so and go back to the learner's desk, never straight into a search (that needs
        the learner's consent, or grounds for an item the law names). A learner who refuses
        the search too is refused here, like any other."""
        row = self._row(row.learner_id) or row
        if Need.REFUSED not in row.needs:
            self.host.notify(
                "The school's policy offers a search instead of refusing entry: only with the "
                "learner's consent, or grounds for an item the law names. If the learner "
                "refuses the search, press Refuses again: not admitted (O).",
                title="Search offered",
                severity="warning",
            )
            return False
        kind = RefusalKind.SEARCH if row.screening == "alarm" else RefusalKind.SCREENING
        result = await self.staff.ask(RefusalScreen(row.first_name, kind.value))
        self.staff.touch()
        if result is None:
            return False  # still refusing: the row says so
        await self._saved(
            lane.RefusalConfirmed(self.host.clock(), row.learner_id, note=result.note)
        )
        return True

    async def _influence(self, row: LaneRow) -> bool:
        """R28: suspected under the influence, at any step: not admitted (O, not an exclusion),
        the attendance officer and the DSL told (the DSL's message sent at once), and the
        learner kept apart until a parent or carer collects them (recorded under Leaving)."""
        result = await self.staff.ask(InfluenceScreen(row.first_name))
        self.staff.touch()
        if result is None:
            return False
        event = lane.InfluenceSuspected(
            self.host.clock(), row.learner_id, note=result.note, dsl_told=result.dsl_told
        )
        outcome = await self._saved(event)
        if outcome.rejected:
            self.host.notify(plain(outcome.rejected), title="Not recorded", severity="error")
        else:
            self.host.notify(
                "Not admitted (O). Keep them apart until a parent or carer collects "
                "them, and record who collects them under Leaving.",
                title="Saved",
            )
            tell_dsl_now(self.host)
        return True

    # --- learners without their badge ------------------------------------------------------

    def _search_names(self, text: str) -> list[LearnerMatch]:
        with self.host.book.reads() as db:
            return find_learners(db, text, on=self.staff.today())

    def find_learner(self) -> None:
        """A forgotten badge: staff find the learner by name and the visit starts now."""
        self.staff.flow(self._find_learner())

    async def _find_learner(self) -> None:
        screen = FindLearnerScreen("Find a learner (forgotten badge)", self._search_names)
        picked = await self.staff.ask(screen)
        self.staff.touch()
        if picked is not None:
            self.lane.arrive(picked.learner_id, picked.first_name, self.host.clock())
        self.staff.show_lane()

    def unknown_badge(self, uid: str, read_at: datetime) -> None:
        """A card nobody owns, tapped while staff are signed on: enrol it to its learner."""
        self.staff.flow(self._enrol(uid, read_at))

    async def _enrol(self, uid: str, read_at: datetime) -> None:
        screen = FindLearnerScreen("Badge not known: whose is it?", self._search_names)
        picked = await self.staff.ask(screen)
        self.staff.touch()
        if picked is None:
            self.staff.show_lane()
            return
        learner_id, operator = picked.learner_id, self.staff.by()

        def enrol() -> bool:
            with self.host.book.sessions.begin() as db:
                return enrol_learner_badge(db, learner_id, uid, at=read_at, by=operator)

        enrolled = await self.staff.written(enrol)
        if enrolled:
            self.host.notify(plain(f"Badge enrolled to {picked.first_name}."), title="Saved")
            self.lane.arrive(learner_id, picked.first_name, read_at)
        else:
            self.host.notify("That card belongs to someone else.", severity="error")
        self.staff.show_lane()


__all__ = ["DESK_NEEDS", "LearnerDesk", "desk_view", "step_events"]
