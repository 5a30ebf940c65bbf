"""A learner not admitted, said plainly before it is saved: the form the refusal and the
influence screens share."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import ResultT, TouchScreen


class NotAdmittedScreen(TouchScreen[ResultT | None]):
    """A title, what not admitting the learner means, a note, then Go back (None) or the
    confirm button, which dismisses with what `_confirmed` reads off the form."""

    CONFIRM = "Confirm"  # the confirm button's words
    NOTE = "Note (optional)"  # the note's placeholder

    def __init__(self, learner_first_name: str) -> None:
        super().__init__()
        self.learner_first_name = learner_first_name

    def _headline(self) -> str:
        raise NotImplementedError

    def _consequences(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _confirmed(self) -> ResultT:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="panel"):
            yield Static(self._headline(), id="title", markup=False)
            yield Static("\n".join(self._consequences()), id="consequences", markup=False)
            yield from self._compose_note()
            with Horizontal(id="actions"):
                yield Button("Go back", id="back")
                yield Button(self.CONFIRM, id="confirm", variant="error")
        yield OnScreenKeyboard(id="keyboard")

    def _compose_note(self) -> ComposeResult:
        """The note, and whatever else a subclass asks below it."""
        yield Input(placeholder=self.NOTE, id="note")

    def _note(self) -> str:
        return self.query_one("#note", Input).value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter in the note must not confirm by itself.

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "back":
            self.dismiss(None)
        elif event.button.id == "confirm":
            self.dismiss(self._confirmed())
