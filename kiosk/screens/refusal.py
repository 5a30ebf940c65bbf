"""Confirming a refusal: what it means for the attendance record, said plainly beforehand."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import TouchScreen
from kiosk.views import RefusalConfirmed

_WHAT = {"screening": "screened", "search": "searched"}


class RefusalScreen(TouchScreen[RefusalConfirmed | None]):
    """`kind` is "screening" or "search"; Confirm dismisses with the note, Go back with None."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, learner_first_name: str, kind: str) -> None:
        super().__init__()
        if kind not in _WHAT:
            raise ValueError(f"kind must be 'screening' or 'search', got {kind!r}")
        self.learner_first_name = learner_first_name
        self.kind = kind

    def compose(self) -> ComposeResult:
        name = self.learner_first_name
        with VerticalScroll(id="panel"):
            yield Static(f"{name} refuses to be {_WHAT[self.kind]}", id="title", markup=False)
            yield Static(
                "\n".join(
                    (
                        f"• {name} is not admitted today.",
                        "• The absence is recorded as unauthorised (O), with the comment "
                        f'"refused {self.kind}: not admitted".',
                        "• This is not an exclusion.",
                        "• The attendance officer is told.",
                    )
                ),
                id="consequences",
                markup=False,
            )
            yield Input(placeholder="Note (optional)", id="note")
            with Horizontal(id="actions"):
                yield Button("Go back", id="back")
                yield Button("Confirm refusal", id="confirm", variant="error")
        yield OnScreenKeyboard(id="keyboard")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter in the note must not confirm by itself.

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "back":
            self.dismiss(None)
        elif event.button.id == "confirm":
            self.dismiss(RefusalConfirmed(self.query_one("#note", Input).value.strip()))
