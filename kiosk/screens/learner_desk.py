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

    Every step's buttons are made once and shown or hidden for the learner in `reopen(view)`:
    the station keeps one desk and opens it again for the next learner, with no widget to make
    and style (see kiosk/station/kept_screen.py).
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
                yield Static("", id="waiting", markup=False)
                with Horizontal(id="end-row", classes="row"):
                    yield Button("Back", id="back")
                    yield Button("Admit", id="admit", variant="success")

    def _steps(self) -> ComposeResult:
        yield Static("", id="name", markup=False)
        yield Static("", id="mark", markup=False)
        yield Static("", id="flags", markup=False)
        with Horizontal(id="phone-row", classes="row"):
            yield Input(placeholder="Slot", id="slot", classes="digits", restrict=r"\d*")
            yield Button("Phone in slot", id="phone-in")
            yield Button("No phone", id="no-phone")
        with Horizontal(id="screening-row", classes="row"):
            yield Button("Arch: clear", id="arch-clear", variant="success")
            yield Button("Arch: alarm", id="arch-alarm", variant="warning")
            yield Button("Wand: clear", id="wand-clear", variant="success")
            yield Button("Wand: alarm", id="wand-alarm", variant="warning")
        # The steps that admission waits for come first; the reason for lateness is optional.
        with Grid(id="late-reasons"):
            for n, (button, _) in enumerate(self.late_reasons):
                yield TouchKey(button, id=f"late-{n}")
        yield Input(placeholder="Reason for being late (note or explanation)", id="late-reason")
        with Horizontal(id="search-row", classes="row"):
            yield Button("Search (grounds)", id="search", variant="warning")
            yield Button("Walk again", id="send-back")
            yield Button("Refuses", id="refuse", variant="error")
        # R28: at any step, a learner suspected of being under the influence is not admitted.
        # A row of its own, so the search row's labels still fit the 7-inch panel.
        with Horizontal(id="influence-row", classes="row"):
            yield Button("Under the influence: not admitted", id="influence", variant="error")

    def on_mount(self) -> None:
        self._fill()

    def reopen(self, view: LearnerDeskView) -> None:
        """The next learner on this desk, as a new one would open: the boxes empty, the
        keyboard away, the steps at the top."""
        self.view = view
        if self.is_mounted:
            self._fill()
            self.query_one("#keyboard", OnScreenKeyboard).hide()
            self.query_one("#steps", VerticalScroll).scroll_home(animate=False, immediate=True)
            self.set_focus(None)  # taken again as it opens, like a new screen's

    def _fill(self) -> None:
        view = self.view
        self._text("#name", f"{view.first_name} {view.surname}")
        self._text(
            "#mark",
            f"{view.reg_group} · Year {view.year_group} · arrived {view.arrived_local} · "
            f"{_mark(view)}",
        )
        flags = []
        if view.late_detention:
            flags.append("Late detention today")
        if view.sen:
            flags.append("SEN: make reasonable adjustments")
        self._text("#flags", " · ".join(flags))
        self._shown("#flags", bool(flags))
        self._shown("#phone-row", view.phone_policy != "off" and not view.phone_done)
        self.query_one("#slot", Input).value = view.slot
        self.query_one("#phone-in", Button).disabled = not view.slot
        screening = screening_due(view) and view.screening_result != ScreeningResult.CLEAR
        self._shown("#screening-row", screening)
        arch_open = view.screening_result is None and view.in_arch
        self._shown("#arch-clear", arch_open)
        self._shown("#arch-alarm", arch_open)
        late = view.mark_code in LATE_CODES
        self._shown("#late-reasons", late and bool(self.late_reasons))
        self._shown("#late-reason", late)
        self.query_one("#late-reason", Input).value = view.late_reason if late else ""
        alarmed = view.screening_result == ScreeningResult.ALARM and not view.search_done
        self._shown("#send-back", alarmed)
        self._shown("#refuse", screening)
        self._text("#waiting", f"Admit waits: {view.waiting_for}" if view.waiting_for else "")
        self.query_one("#admit", Button).disabled = not view.may_admit

    def _text(self, selector: str, text: str) -> None:
        self.query_one(selector, Static).update(text)

    def _shown(self, selector: str, shown: bool) -> None:
        self.query_one(selector).display = shown

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "slot":
            self.query_one("#phone-in", Button).disabled = not event.value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter in a box must never admit or send anything by itself.

    def _late_reason(self) -> str:
        box = self.query_one("#late-reason", Input)
        return box.value.strip() if box.display else ""

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
        if kind is None or event.button.disabled or not event.button.display:
            return
        phone_in = kind == DeskActionKind.PHONE_IN
        slot = self.query_one("#slot", Input).value.strip() if phone_in else ""
        if phone_in and not slot:
            return
        self.dismiss(DeskAction(kind, slot=slot, late_reason=self._late_reason()))
