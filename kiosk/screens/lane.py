"""The staff's home while signed on: every learner in flight, the exceptions standing out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.screens.idle import DemoPanel
from kiosk.screens.text import label
from kiosk.views.lane import LaneRow, LaneView

_STEP = {
    "phone": "phone",
    "screening": "arch",
    "search": "STAFF",
    "admit": "admit",
    "done": "done",
}


@dataclass(frozen=True)
class LaneChoice:
    """What staff chose on the queue: a learner's desk, or one of the buttons along the foot."""

    # "learner" | "duty" | "find" | "roll" | "sign_out" | "office" | "lock" | "dismiss_alarm"
    kind: str
    learner_id: int | None = None


@dataclass
class LaneDemo(Message):
    """The demo's buttons for the phone station and the arch (simulated hardware only)."""

    what: str  # "phone" | "pass" | "alarm"


def row_text(row: LaneRow, now: datetime) -> str:
    waited = max(0, int((now - row.since).total_seconds()))
    where = _STEP.get(row.step, row.step)
    if row.in_arch == 1:
        where = "IN ARCH"
    elif row.in_arch:
        where = f"arch #{row.in_arch}"
    slot = f" slot {row.slot}" if row.slot else ""
    needs = "  ".join(f"⚠ {n.value.upper()}" for n in row.needs)
    # Whole minutes: a row's text changes when something happens, not every second.
    waiting = "<1 min" if waited < 60 else f"{waited // 60} min"
    return f"{row.first_name}  ·  {where}{slot}  ·  {waiting}  {needs}"


class LaneScreen(Screen[LaneChoice]):
    """Dismisses with the staff's choice; the app keeps it current with `show(view)`."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(
        self,
        view: LaneView,
        clock: Callable[[], datetime],
        *,
        office: bool = False,
        demo: bool = False,
        demo_badges: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__()
        self.view = view
        self.demo_badges = tuple(demo_badges)
        self.clock = clock
        self.office = office
        self.demo = demo
        self.learner_line = ""
        self._ready = False  # composed and mounted: the widgets can be updated
        self._rows: list[Button] = []  # the row buttons, by place in the queue
        self._row_texts: dict[int, str] = {}  # what the button at each place shows now
        self._learner_at: list[int] = []  # whose row is at each place
        self._texts: dict[str, str] = {}  # what each line above the queue shows now

    def compose(self) -> ComposeResult:
        yield Static("", id="banner", markup=False)
        yield Static("", id="learner-line", markup=False)
        yield Static("", id="summary", markup=False)
        yield VerticalScroll(id="queue")
        if self.demo:
            # The demo's badges too: a learner arrives, or a second member of staff signs on,
            # while the queue is on the screen.
            yield DemoPanel(
                self.demo_badges,
                (
                    ("demo-phone", "Phone station"),
                    ("demo-pass", "Arch: pass"),
                    ("demo-alarm", "Arch: alarm"),
                ),
                id="demo",
            )
        with Horizontal(id="actions"):
            yield Button("Duty", id="duty")
            yield Button("Find", id="find")
            yield Button("Roll", id="roll")
            yield Button("Leaving", id="sign_out")
            if self.office:
                yield Button("Office", id="office")
            yield Button("Sign off", id="lock")

    def on_mount(self) -> None:
        self._ready = True
        self.show(self.view)

    def on_unmount(self) -> None:
        self._ready = False  # closed: a late redraw finds no widgets and must not look for them

    def say(self, headline: str, next_step: str) -> None:
        """The latest learner-facing answer, so staff see what the learner was told."""
        self.learner_line = f"{headline}: {next_step}"
        if self._ready:
            self._set("#learner-line", self.learner_line)

    def _set(self, selector: str, text: str) -> None:
        """Redraw a line only when its words change: every redraw is paid for by the next tap."""
        if self._texts.get(selector) != text:
            self._texts[selector] = text
            self.query_one(selector, Static).update(text)

    def show(self, view: LaneView) -> None:
        self.view = view
        if not self._ready:
            return
        now = self.clock()
        alarms = view.alarmed
        if view.alarms:
            text = f"⚠ ARCH ALARM with nobody in the arch ({len(view.alarms)}): tap to clear"
        elif alarms:
            text = f"⚠ ALARM: {', '.join(r.first_name for r in alarms)}: wand check or search"
        else:
            text = ""
        self._set("#banner", text)
        self.query_one("#banner", Static).set_class(bool(text), "alarm")
        self._set("#learner-line", self.learner_line)
        self._set(
            "#summary",
            f"In the lane {len(view.rows)}  ·  admitted {view.admitted}  ·  "
            f"refused {view.refused}  ·  {view.session}",
        )
        # A pool of row buttons, one per place in the queue, kept and relabelled: a learner
        # joining or leaving changes words and colours, never mounts a widget on the tap's path.
        queue = self.query_one("#queue", VerticalScroll)
        for place in range(len(self._rows), len(view.rows)):
            button = Button("", id=f"place-{place}", classes="row")
            self._rows.append(button)
            queue.mount(button)
        self._learner_at = [row.learner_id for row in view.rows]
        for place, button in enumerate(self._rows):
            row = view.rows[place] if place < len(view.rows) else None
            text = row_text(row, now) if row is not None else ""
            if self._row_texts.get(place) != text:
                self._row_texts[place] = text
                button.label = label(text)
            button.display = row is not None
            button.set_class(row is not None and row.blocking, "blocking")
            button.set_class(row is not None and bool(row.needs) and not row.blocking, "needs")

    def reopen(self, view: LaneView) -> None:
        """Shown again (the station keeps one queue): up to date, at the top, nothing focused
        until it opens, as a new one would be."""
        self.show(view)
        if self._ready:
            self.query_one("#queue", VerticalScroll).scroll_home(animate=False, immediate=True)
            self.set_focus(None)

    def row_of(self, learner_id: int) -> Button | None:
        """The button that shows `learner_id`'s row now, if they are in the queue."""
        if learner_id in self._learner_at:
            return self._rows[self._learner_at.index(learner_id)]
        return None

    def on_click(self, event: object) -> None:
        banner = self.query_one("#banner", Static)
        widget = getattr(event, "widget", None)
        if widget is banner and self.view.alarms:
            self.dismiss(LaneChoice("dismiss_alarm"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id.startswith("place-"):
            place = int(button_id.removeprefix("place-"))
            if place < len(self._learner_at):
                self.dismiss(LaneChoice("learner", self._learner_at[place]))
        elif button_id.startswith("demo-"):
            self.post_message(LaneDemo(button_id.removeprefix("demo-")))
        elif button_id in {"duty", "find", "roll", "sign_out", "office", "lock"}:
            self.dismiss(LaneChoice(button_id))
