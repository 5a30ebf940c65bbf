"""The learner-facing answer to a tap: a first name and the next step, then back to idle."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static


class GreetingScreen(Screen[None]):
    """Shows `headline` and `next_step` for a few seconds; a touch dismisses it sooner."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, headline: str, next_step: str, *, tone: str, seconds: float) -> None:
        super().__init__(classes=tone)
        self.headline = headline
        self.next_step = next_step
        self.seconds = seconds

    def compose(self) -> ComposeResult:
        with Vertical(id="card"):
            yield Static(self.headline, id="headline")
            yield Static(self.next_step, id="next-step")

    def on_mount(self) -> None:
        self.set_timer(self.seconds, self._done)

    def on_click(self, _: events.Click) -> None:
        self._done()

    def _done(self) -> None:
        if self.is_current:
            self.dismiss()
