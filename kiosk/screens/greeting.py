"""The learner-facing answer to a tap: a first name and the next step, read from two metres.

A phone slot is drawn as a big numeral (three rows of the grid: 69 px at the panel's 800x480, as
tests/screens/test_panel_walkthrough.py measures it), apart from the words around it, so a
learner finds it at a glance. The answer's colour says what kind
it is: calm blue for a next step on the clear path, green for "go through", amber for "see a
member of staff". It stays at least `seconds` (a touch does not take it away sooner, so a friend's
finger cannot wipe it), and longer if `hold` says so: until the next answer replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Digits, Static

from kiosk.messages import DemoArchTripped
from kiosk.screens.idle import DemoPanel

# "Phone in slot 12, then walk through the arch." -> "Phone in slot", "12", "then walk ...".
_SLOT = re.compile(r"^(?P<before>.*?\bslot)\s+(?P<slot>[0-9A-Za-z]+)[,.]?\s*(?P<after>.*)$")


class Tone(StrEnum):
    """The greeting's colour, its CSS class: green to go through, amber when the next step is a
    member of staff, else calm blue."""

    WELCOME = "welcome"
    NEXT = "next"
    STAFF = "staff"


def tone_for(*, admitted: bool, see_staff: bool) -> Tone:
    if admitted:
        return Tone.WELCOME
    return Tone.STAFF if see_staff else Tone.NEXT


# What Textual's Digits draws of a slot's characters; any other slot is drawn in bold text.
DIGITS_DRAWN = frozenset("0123456789ABCDEF")
UNTIL_REPLACED = float("inf")


def split_slot(next_step: str) -> tuple[str, str, str]:
    """The words before a slot, the slot, and the words after it ("" for the slot if none)."""
    found = _SLOT.match(next_step)
    if found is None:
        return next_step, "", ""
    after = found["after"]
    return found["before"], found["slot"], after[:1].upper() + after[1:]


class GreetingScreen(Screen[None]):
    """Shows `headline` and `next_step` for at least `seconds`, or until `hold` runs out."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(
        self,
        headline: str,
        next_step: str,
        *,
        tone: Tone,
        seconds: float,
        hold: float | None = None,
        demo_badges: Sequence[tuple[str, str]] = (),
        demo_arch: bool = False,
    ) -> None:
        super().__init__(classes=tone)
        # The demo's stand-ins for the reader stay in reach while an answer is shown.
        self.demo_badges = tuple(demo_badges)
        self.demo_arch = demo_arch
        self.headline = headline
        self.next_step = next_step
        self.tone = tone
        self.seconds = seconds
        # How long the answer stays unless replaced (UNTIL_REPLACED: until the next answer).
        self.hold = seconds if hold is None else hold
        self.touch_closes = False  # a touch closes it once the least time has passed
        self._answer_timers: list[Timer] = []
        # Held, not queried: the next answer may arrive before the first has finished mounting.
        self._headline = Static(headline, id="headline", markup=False)
        self._next_step = Static("", id="next-step", markup=False)
        self._slot = Digits("", id="slot")
        self._slot_text = Static("", id="slot-text", markup=False)  # a slot Digits cannot draw
        self._after = Static("", id="after-slot", markup=False)
        self._fill(next_step)

    def compose(self) -> ComposeResult:
        with Vertical(id="card"):
            yield self._headline
            yield self._next_step
            yield self._slot
            yield self._slot_text
            yield self._after
        if self.demo_badges:
            hardware = (("demo-arch", "Trip arch"),) if self.demo_arch else ()
            yield DemoPanel(self.demo_badges, hardware, id="demo")

    def _fill(self, next_step: str) -> None:
        before, slot, after = split_slot(next_step)
        self._next_step.update(before)
        drawn = bool(slot) and all(c in DIGITS_DRAWN for c in slot)
        self._slot.update(slot if drawn else "")
        self._slot.display = drawn
        self._slot_text.update(slot if slot and not drawn else "")
        self._slot_text.display = bool(slot) and not drawn
        self._after.update(after)
        self._after.display = bool(after)

    @property
    def slot(self) -> str:
        """The slot drawn big now ("" when the answer names none)."""
        return self._slot.value or str(self._slot_text.render()).strip()

    def show(self, headline: str, next_step: str, *, tone: Tone, hold: float | None = None) -> None:
        """New words for the next learner: the app keeps one greeting screen and reuses it,
        which spares a screen's worth of widgets and styles on every tap. The same answer again
        (a flood of unknown cards) only starts its time again: nothing is redrawn."""
        hold = self.seconds if hold is None else hold
        if (headline, next_step, tone, hold) != (
            self.headline,
            self.next_step,
            self.tone,
            self.hold,
        ):
            self.headline, self.next_step, self.hold = headline, next_step, hold
            if tone != self.tone:  # a class change restyles the screen: only when it changes
                self.remove_class(self.tone)
                self.add_class(tone)
                self.tone = tone
            self._headline.update(headline)
            self._fill(next_step)
        if self.is_current:
            self.on_screen_resume()  # a new answer on the same screen starts its time again

    def on_screen_resume(self) -> None:
        for timer in self._answer_timers:
            timer.stop()
        self.touch_closes = False
        self._answer_timers = [self.set_timer(self.seconds, self._least_time_passed)]
        if self.hold != UNTIL_REPLACED:
            self._answer_timers.append(self.set_timer(max(self.hold, self.seconds), self._done))

    def _least_time_passed(self) -> None:
        self.touch_closes = True

    def on_click(self, _: events.Click) -> None:
        if self.touch_closes:
            self._done()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "demo-arch":
            self.post_message(DemoArchTripped())

    def _done(self) -> None:
        if self.is_current:
            self.dismiss()
