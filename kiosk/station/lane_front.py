"""The lane as the station shows it: the queue's view and screen, and what each outcome the
lane decided does (the learner's answer, the lights, staff called)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from kiosk.domain import lane as rules
from kiosk.domain.people import StaffRef
from kiosk.door.lane import LaneOutcome
from kiosk.screens.greeting import UNTIL_REPLACED, tone_for
from kiosk.screens.lane import LaneChoice, LaneScreen
from kiosk.screens.text import plain
from kiosk.station.host import Failed, StationHost
from kiosk.station.kept_screen import KeptScreen
from kiosk.station.staff_session import StaffSession
from kiosk.views.lane import LaneView

STAFF_NEEDED = "Staff needed at the arch"


class LaneFront:
    """The lane's latest view, the queue while it is on screen, and the outcomes carried out."""

    def __init__(self, host: StationHost, staff: StaffSession) -> None:
        self.host = host
        self.staff = staff
        self.view = LaneView((), (), 0, 0, "")
        # The last answer a learner was given while staff were at the screen.
        self.last_told: tuple[str, str] | None = None
        self._screen: LaneScreen | None = None  # while on the stack
        self._kept: KeptScreen[LaneScreen] = KeptScreen(host, "lane")

    @property
    def screen(self) -> LaneScreen | None:
        """The queue, while it is on the screen stack: a popped queue is never drawn on."""
        if self._screen is not None and self._screen not in self.host.screen_stack:
            self._screen = None
        return self._screen

    def forget_screen(self) -> None:
        self._screen = None  # popped without its answer: nothing keeps it

    def start(self) -> None:
        """The lane as it was left (a restart mid-morning keeps the queue)."""
        host = self.host
        host.submit(lambda: host.keeper.start(host.clock()), self._started)

    def _started(self, view: LaneView) -> None:
        self.view = view
        self.call_staff(view.alarm_outstanding)  # an alarm left by a restart still calls

    def tick(self) -> None:
        """The queue moves on its own: those waited too long, the clock; never piled up."""
        host = self.host
        if not host.writer.waiting:
            host.submit(lambda: host.keeper.tick(host.clock()), self.apply)

    def event(
        self,
        event: rules.Event,
        by: StaffRef | None,
        then: Callable[[LaneOutcome], None],
        failed: Failed | None = None,
    ) -> None:
        def done(outcome: LaneOutcome) -> None:
            self.apply(outcome)
            then(outcome)

        host = self.host
        host.submit(lambda: host.keeper.handle(event, by=by, now=host.clock()), done, failed=failed)

    def arrive(self, learner_id: int, first_name: str, at: datetime) -> None:
        """Staff found a learner by name (a forgotten badge): the visit starts now."""
        self.host.submit(lambda: self.host.keeper.arrive(learner_id, first_name, at), self.apply)

    def apply(self, outcome: LaneOutcome) -> None:
        """Carry out what the lane decided: the learner's answer, the lights, staff's attention."""
        host = self.host
        before = self.view.session
        alarmed_before = self.view.alarm_outstanding
        self.view = outcome.view
        if host.sync is not None:
            host.sync.nudge()
        if before and outcome.view.session != before:
            # A session belongs to itself: its queue and its duty list end with it.
            self.staff.end_of_session()
        names = {row.learner_id: row.first_name for row in outcome.view.rows}
        for effect in outcome.effects:
            if isinstance(effect, rules.Tell):
                host._tell(effect)
            elif isinstance(effect, rules.Light):
                host.drive_outputs(effect.signal)
            elif isinstance(effect, rules.CallStaff) and effect.need is rules.Need.ALARM:
                who = names.get(effect.learner_id or 0, "")
                # The queue's red banner says it; a pop-up there would cover its buttons.
                if self.staff.unlocked and host.screen is not self.screen:
                    host.notify(
                        plain(f"{who}: {effect.detail}" if who else effect.detail),
                        title="Arch alarm",
                        severity="error",
                    )
            elif isinstance(effect, rules.Rejected) and self.staff.unlocked:
                host.notify(plain(effect.reason), title="Not recorded", severity="warning")
        if (queue := self.screen) is not None:
            queue.show(outcome.view)
        alarmed = outcome.view.alarm_outstanding
        self.call_staff(alarmed)
        if (
            alarmed_before
            and not alarmed
            and not any(isinstance(e, rules.Light) for e in outcome.effects)
        ):
            host.outputs_idle()  # taken: the red light and the buzzer stop

    def call_staff(self, alarmed: bool) -> None:
        """The idle screen calls staff while an alarm waits for them (nobody may be signed on)."""
        self.host.idle.show_staff_needed(STAFF_NEEDED if alarmed else "")

    def tell(self, tell: rules.Tell) -> None:
        """The learner's answer: on the queue's learner line while staff work the screen,
        else on the learner-facing greeting."""
        host = self.host
        if self.staff.unlocked:
            self.last_told = (tell.headline, tell.next_step)
            queue = self.screen
            if queue is not None:
                queue.say(tell.headline, tell.next_step)
            if queue is None or host.screen is not queue:
                host.notify(plain(f"{tell.headline}: {tell.next_step}"), timeout=3)
            return
        row = next((r for r in self.view.rows if r.learner_id == tell.learner_id), None)
        waits = row is not None and rules.Need.ALARM in row.needs
        # A learner held at the arch is told to wait until someone comes for them.
        tone = tone_for(admitted=tell.admitted, see_staff=tell.see_staff)
        host.greet(tell.headline, tell.next_step, tone=tone, hold=UNTIL_REPLACED if waits else None)

    def demo(self, what: str) -> None:
        """The demo's buttons on the queue: a walk through the arch, an alarm, a phone."""
        devices = self.host.devices
        if what == "pass" and devices.pass_arch is not None:
            devices.pass_arch()
        elif what == "alarm" and devices.trip_arch is not None:
            devices.trip_arch()
        elif what == "phone" and devices.present_phone is not None:
            waiting = [r for r in self.view.rows if r.step == "phone" and not r.phone_done]
            if waiting:
                devices.present_phone(waiting[0].learner_id)

    def show(self, *, office: bool, then: Callable[[LaneChoice | None], None]) -> None:
        host = self.host
        if self.screen is not None and host.screen is self.screen:
            return  # the queue is on the screen already (staff tapped their own badge)
        host.close_answers()
        screen = self._kept.get(
            partial(
                LaneScreen,
                self.view,
                host.clock,
                office=office,
                demo=host.devices.pass_arch is not None,
                demo_badges=host.devices.demo_badges,
            ),
            kind=office,
        )
        screen.reopen(self.view)
        self._screen = screen
        if self.last_told is not None:
            screen.say(*self.last_told)

        def chosen(choice: LaneChoice | None) -> None:
            self._screen = None
            then(choice)

        host.push_screen(screen, chosen)


__all__ = ["STAFF_NEEDED", "LaneFront"]
