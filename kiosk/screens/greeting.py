"""The learner-facing answer to a tap: a first name and the next step, then back to idle."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static


class GreetingScreen(Screen[None]):
    """Shows `headline` and `next_step` for a few seconds; a touch dismisses it sooner."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, headline: str, next_step: str, *, tone: str, seconds: float) -> None:
        super().__init__(classes=tone)
        self.headline = headline
        self.next_step = next_step
        self.tone = tone
        self.seconds = seconds
        self._timer: Timer | None = None
        # Held, not queried: the next answer may arrive before the first has finished mounting.
        self._headline = Static(headline, id="headline", markup=False)
        self._next_step = Static(next_step, id="next-step", markup=False)

    def compose(self) -> ComposeResult:
        with Vertical(id="card"):
            yield self._headline
            yield self._next_step

    def show(self, headline: str, next_step: str, *, tone: str) -> None:
        """New words for the next learner: the app keeps one greeting screen and reuses it,
        which spares a screen's worth of widgets and styles on every tap (issue 7's p99)."""
        self.headline, self.next_step = headline, next_step
        self.remove_class(self.tone)
        self.add_class(tone)
        self.tone = tone
        self._headline.update(headline)
        self._next_step.update(next_step)

    def on_screen_resume(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.seconds, self._done)

    def on_click(self, _: events.Click) -> None:
        self._done()

    def _done(self) -> None:
        if self.is_current:
            self.dismiss()
