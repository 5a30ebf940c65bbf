"""The learner-facing idle screen: the school's name, the time, and "tap your badge".

While an arch alarm waits for staff it says so in red ("Staff needed at the arch"), whoever is
signed on: the learner held at the arch is not left standing alone. The demo's stand-ins for the
hardware (`DemoPanel`) sit at its foot, and at the queue's.
"""

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

UNKNOWN_CARD = "Unknown card"


class DemoPanel(Vertical):
    """The demo's badges in two rows that fit 64 columns: staff and the unknown card first,
    then the learners followed by `hardware` (id, label) buttons for the screen to handle.
    A badge button presents its badge to the entry reader."""

    DEFAULT_CSS = """
    DemoPanel {
        height: auto;
        width: 100%;
    }
    DemoPanel Horizontal {
        height: 1;
        width: 100%;
    }
    DemoPanel #demo-staff {
        margin-bottom: 1;  /* a finger's room between the two rows */
    }
    DemoPanel Button {
        width: auto;
        min-width: 5;
        margin: 0;
    }
    DemoPanel .demo-label {
        width: auto;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(
        self,
        badges: Sequence[tuple[str, str]],
        hardware: Sequence[tuple[str, str]] = (),
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.badges = tuple(badges)
        self.hardware = tuple(hardware)

    def compose(self) -> ComposeResult:
        staff = [
            n
            for n, (name, _) in enumerate(self.badges)
            if name.startswith("Staff ") or name == UNKNOWN_CARD
        ]
        learners = [n for n in range(len(self.badges)) if n not in staff]
        with Horizontal(id="demo-staff"):
            yield Static("Demo:", classes="demo-label")
            for index in staff:
                yield Button(label(self.badges[index][0]), id=f"demo-{index}", compact=True)
        with Horizontal(id="demo-learners"):
            for index in learners:
                yield Button(label(self.badges[index][0]), id=f"demo-{index}", compact=True)
            for button_id, text in self.hardware:
                yield Button(text, id=button_id, compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        number = (event.button.id or "").removeprefix("demo-")
        if number.isdigit():
            event.stop()
            self.post_message(DemoBadgePresented(self.badges[int(number)][1]))


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
        self.staff_needed = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="middle"):
            yield Static(self.school_name, id="school", markup=False)
            yield Static(self._time(), id="clock")
            yield Static("Tap your badge on the reader", id="prompt")
            staff_needed = Static(self.staff_needed, id="staff-needed", markup=False)
            staff_needed.display = bool(self.staff_needed)
            yield staff_needed
        if self.demo_badges:
            hardware = (("demo-arch", "Trip arch"),) if self.demo_arch else ()
            yield DemoPanel(self.demo_badges, hardware, id="demo")
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

    def show_staff_needed(self, text: str) -> None:
        """Staff called to the arch in red ("" when nobody is waiting for them)."""
        if text == self.staff_needed:
            return
        self.staff_needed = text
        with suppress(NoMatches):  # not composed yet: compose shows staff_needed
            line = self.query_one("#staff-needed", Static)
            line.update(text)
            line.display = bool(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "demo-arch":
            self.post_message(DemoArchTripped())
