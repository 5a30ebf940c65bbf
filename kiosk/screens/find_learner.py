"""Staff look a learner up by name (a forgotten badge, or to enrol an unknown one)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import TouchScreen
from kiosk.screens.text import label
from kiosk.views.desk import LearnerMatch, LearnerPicked

MAX_SHOWN = 8


class FindLearnerScreen(TouchScreen[LearnerPicked | None]):
    """Tap part of a name on the letters; touch the learner. `search` is given by the app (no
    database here). A keyboard, where one is fitted, types into the name too."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, purpose: str, search: Callable[[str], Sequence[LearnerMatch]]) -> None:
        super().__init__()
        self.purpose = purpose
        self.search = search
        self.matches: tuple[LearnerMatch, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            yield Static(self.purpose, id="title", markup=False)
            with Horizontal(id="actions"):
                yield Input(placeholder="Part of a name", id="name")
                yield Button("Cancel", id="cancel", variant="error")
            yield VerticalScroll(id="matches")
            yield Static("", id="count")
            yield OnScreenKeyboard(always=True, digits_row=False, id="keyboard")

    def on_mount(self) -> None:
        name = self.query_one("#name", Input)
        self.query_one(OnScreenKeyboard).show_for(name)
        name.focus()

    async def on_input_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        self.matches = tuple(self.search(text)) if len(text) >= 2 else ()
        box = self.query_one("#matches", VerticalScroll)
        await box.remove_children()
        await box.mount_all(
            Button(label(f"{m.name}  ·  {m.reg_group or '-'}"), id=f"match-{n}", classes="match")
            for n, m in enumerate(self.matches[:MAX_SHOWN])
        )
        more = len(self.matches) - MAX_SHOWN
        count = self.query_one("#count", Static)
        count.update(f"{more} more: tap more of the name" if more > 0 else "")
        count.display = more > 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter never picks a learner by itself

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id == "cancel":
            self.dismiss(None)
        elif button_id.startswith("match-"):
            match = self.matches[int(button_id.removeprefix("match-"))]
            self.dismiss(LearnerPicked(match.learner_id, match.first_name))
