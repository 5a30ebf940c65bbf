"""The office's first screen after signing in: the morning, the fire roll, signing a learner out,
and for those who may see attendance, the marks on their way to the MIS."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.screens.text import label

OfficeChoice = Literal["morning", "roll", "sign_out", "mis", "sign_off"]
_CHOICES: dict[str, OfficeChoice] = {
    "morning": "morning",
    "roll": "roll",
    "sign_out": "sign_out",
    "mis": "mis",
    "sign_off": "sign_off",
}


class OfficeHomeScreen(Screen[OfficeChoice]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, who: str, *, mis: bool = False) -> None:
        super().__init__()
        self.who = who
        # Whether this member of staff may see the MIS outbox (its marks are attendance data).
        self.mis = mis

    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            yield Static(label(f"Office · signed in as {self.who}"), id="title")
            yield Button("This morning", id="morning", variant="primary")
            yield Button("Fire roll: who is on site", id="roll", variant="error")
            yield Button("Sign a learner out", id="sign_out", variant="warning")
            if self.mis:
                yield Button("MIS: marks sent and waiting", id="mis")
            yield Button("Sign off", id="sign_off")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = _CHOICES.get(event.button.id or "")
        if choice is not None:
            self.dismiss(choice)
