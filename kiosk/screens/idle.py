"""The learner-facing idle screen: the school's name, the time, and "tap your badge"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.messages import DemoArchTripped, DemoBadgePresented
from kiosk.screens.text import label


class IdleScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(
        self,
        school_name: str,
        clock: Callable[[], datetime],
        demo_badges: Sequence[tuple[str, str]] = (),
        demo_arch: bool = False,
    ) -> None:
        super().__init__()
        self.school_name = school_name
        self.clock = clock
        self.demo_badges = tuple(demo_badges)
        self.demo_arch = demo_arch
        self.status_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="middle"):
            yield Static(self.school_name, id="school", markup=False)
            yield Static(self._time(), id="clock")
            yield Static("Tap your badge on the reader", id="prompt")
        if self.demo_badges:
            with Horizontal(id="demo"):
                yield Static("Demo:", id="demo-label")
                for index, (name, _) in enumerate(self.demo_badges):
                    yield Button(label(name), id=f"demo-{index}", compact=True)
                if self.demo_arch:
                    yield Button("Trip arch", id="demo-arch", compact=True)
        yield Static(self.status_text, id="status", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _time(self) -> str:
        return self.clock().strftime("%H:%M")

    def _tick(self) -> None:
        self.query_one("#clock", Static).update(self._time())

    def show_status(self, text: str) -> None:
        """The staff's line at the foot: the reader online or offline, the last fault."""
        self.status_text = text
        with suppress(NoMatches):  # not composed yet: compose shows status_text
            self.query_one("#status", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "demo-arch":
            self.post_message(DemoArchTripped())
        elif event.button.id and event.button.id.startswith("demo-"):
            _, uid = self.demo_badges[int(event.button.id.removeprefix("demo-"))]
            self.post_message(DemoBadgePresented(uid))
