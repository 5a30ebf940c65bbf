"""The staff's view of the learner at the desk: the mark, the late reason, and the next step."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.domain.screening import ScreeningResult
from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import TouchKey, TouchScreen
from kiosk.views.desk import DeskAction, DeskActionKind, LearnerDeskView

LATE_CODES = frozenset({"L", "U"})

# Button id -> what the screen dismisses with; "phone_in" also carries the slot.
_ACTIONS: dict[str, DeskActionKind] = {kind.replace("_", "-"): kind for kind in DeskActionKind}


def screening_due(view: LearnerDeskView) -> bool:
    """Whether this learner passes the arch or wand this morning (as the lane decided)."""
    return view.screening_policy != "off" and view.selected_for_screening


def _mark(view: LearnerDeskView) -> str:
    """The mark the learner will get: nobody in the lane is marked until admitted."""
    minutes = f"{view.minutes_late} minute{'s' if view.minutes_late != 1 else ''} late"
    if view.mark_code == "L":
        return f"Once admitted: late (L), {minutes}"
    if view.mark_code == "U":
        return f"Once admitted: after registers closed (U), {minutes}"
    if view.mark_code == "/":
        return "Once admitted: present (/)"
    return f"Once admitted: mark {view.mark_code}"


class LearnerDeskScreen(TouchScreen[DeskAction | None]):
    """Dismisses with the step staff chose (DeskAction), or None for Back.

    `late_reasons` are the school's reasons for lateness as (button, comment) pairs: a touch on
    the button writes the comment the MIS gets; anything else is written on the keyboard.
    The steps scroll; the keyboard, what Admit waits for, Back and Admit stay at the foot.
    """

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, view: LearnerDeskView, late_reasons: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.view = view
        self.late_reasons = tuple(late_reasons)

    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            with VerticalScroll(id="steps"):
                yield from self._steps()
            with Vertical(id="foot"):
                yield OnScreenKeyboard(id="keyboard")
                yield Static(self._waiting_for(), id="waiting", markup=False)
                with Horizontal(id="end-row", classes="row"):
                    yield Button("Back", id="back")
                    yield Button(
                        "Admit", id="admit", variant="success", disabled=not self.view.may_admit
                    )

    def _steps(self) -> ComposeResult:
        view = self.view
        yield Static(f"{view.first_name} {view.surname}", id="name", markup=False)
        yield Static(
            f"{view.reg_group} · Year {view.year_group} · arrived {view.arrived_local} · "
            f"{_mark(view)}",
            id="mark",
            markup=False,
        )
        flags = []
        if view.late_detention:
            flags.append("Late detention today")
        if view.sen:
            flags.append("SEN: make reasonable adjustments")
        if flags:
            yield Static(" · ".join(flags), id="flags", markup=False)
        if view.phone_policy != "off" and not view.phone_done:
            with Horizontal(id="phone-row", classes="row"):
                yield Input(
                    view.slot, placeholder="Slot", id="slot", classes="digits", restrict=r"\d*"
                )
                yield Button("Phone in slot", id="phone-in", disabled=not view.slot)
                yield Button("No phone", id="no-phone")
        if screening_due(view) and view.screening_result != ScreeningResult.CLEAR:
            with Horizontal(id="screening-row", classes="row"):
                if view.screening_result is None and view.in_arch:
                    yield Button("Arch: clear", id="arch-clear", variant="success")
                    yield Button("Arch: alarm", id="arch-alarm", variant="warning")
                yield Button("Wand: clear", id="wand-clear", variant="success")
                yield Button("Wand: alarm", id="wand-alarm", variant="warning")
        # The steps that admission waits for come first; the reason for lateness is optional.
        if view.mark_code in LATE_CODES and self.late_reasons:
            with Grid(id="late-reasons"):
                for n, (button, _) in enumerate(self.late_reasons):
                    yield TouchKey(button, id=f"late-{n}")
        if view.mark_code in LATE_CODES:
            yield Input(
                view.late_reason,
                placeholder="Reason for being late (note or explanation)",
                id="late-reason",
            )
        with Horizontal(id="search-row", classes="row"):
            yield Button("Search (grounds)", id="search", variant="warning")
            if view.screening_result == ScreeningResult.ALARM and not view.search_done:
                yield Button("Walk again", id="send-back")
            if screening_due(view) and view.screening_result != ScreeningResult.CLEAR:
                yield Button("Refuses", id="refuse", variant="error")
        # R28: at any step, a learner suspected of being under the influence is not admitted.
        # A row of its own, so the search row's labels still fit the 7-inch panel.
        with Horizontal(id="influence-row", classes="row"):
            yield Button("Under the influence: not admitted", id="influence", variant="error")

    def _waiting_for(self) -> str:
        return f"Admit waits: {self.view.waiting_for}" if self.view.waiting_for else ""

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "slot":
            self.query_one("#phone-in", Button).disabled = not event.value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter in a box must never admit or send anything by itself.

    def _late_reason(self) -> str:
        boxes = self.query("#late-reason").results(Input)
        return next((box.value.strip() for box in boxes), "")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id == "back":
            self.dismiss(None)
            return
        if button_id.startswith("late-"):
            _, comment = self.late_reasons[int(button_id.removeprefix("late-"))]
            self.query_one("#late-reason", Input).value = comment
            return
        kind = _ACTIONS.get(button_id)
        if kind is None or event.button.disabled:
            return
        phone_in = kind == DeskActionKind.PHONE_IN
        slot = self.query_one("#slot", Input).value.strip() if phone_in else ""
        if phone_in and not slot:
            return
        self.dismiss(DeskAction(kind, slot=slot, late_reason=self._late_reason()))
