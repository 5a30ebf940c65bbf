"""Not admitted, suspected under the influence: what it means, said plainly before it is saved."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Static

from kiosk.domain.attendance import INFLUENCE_COMMENT
from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import TouchScreen
from kiosk.views import InfluenceConfirmed


class InfluenceScreen(TouchScreen[InfluenceConfirmed | None]):
    """Confirm dismisses with what staff saw and whether they told the DSL themselves; Go back
    with None. The DSL box is never ticked for them: otherwise the message tells the DSL, and
    the record says so once it is delivered."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, learner_first_name: str) -> None:
        super().__init__()
        self.learner_first_name = learner_first_name

    def compose(self) -> ComposeResult:
        name = self.learner_first_name
        with VerticalScroll(id="panel"):
            yield Static(
                f"{name}: not admitted, suspected under the influence", id="title", markup=False
            )
            yield Static(
                "\n".join(
                    (
                        f"• {name} is not admitted today.",
                        "• Keep them apart from other learners, with a member of staff, until "
                        "a parent or carer collects them.",
                        "• Call a parent or carer to collect them; record who collects them "
                        "under Leaving.",
                        "• The absence is recorded as unauthorised (O), with the comment "
                        f'"{INFLUENCE_COMMENT}". This is not an exclusion.',
                        "• The attendance officer and the designated safeguarding lead (DSL) "
                        "are told.",
                    )
                ),
                id="consequences",
                markup=False,
            )
            yield Input(placeholder="What was seen (optional; for the DSL)", id="note")
            yield Checkbox("I have told the DSL myself", id="dsl-told")
            yield Static(
                "Otherwise a message goes to the DSL now; the record says told when it is "
                "delivered.",
                id="dsl-note",
            )
            with Horizontal(id="actions"):
                yield Button("Go back", id="back")
                yield Button("Not admitted", id="confirm", variant="error")
        yield OnScreenKeyboard(id="keyboard")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter in the note must not confirm by itself.

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "back":
            self.dismiss(None)
        elif event.button.id == "confirm":
            self.dismiss(
                InfluenceConfirmed(
                    self.query_one("#note", Input).value.strip(),
                    dsl_told=self.query_one("#dsl-told", Checkbox).value,
                )
            )
