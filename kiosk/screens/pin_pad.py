"""The staff PIN pad: ten digits, a backspace and OK, showing a dot for each digit typed."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.screens.results import PinEntered

MIN_PIN_DIGITS = 4
MAX_PIN_DIGITS = 8

_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok")


class PinPadScreen(Screen[PinEntered | None]):
    """Asks `staff_first_name` for their PIN; dismisses with the digits, or None on Cancel."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, staff_first_name: str, message: str = "") -> None:
        super().__init__()
        self.staff_first_name = staff_first_name
        self.message = message
        self._digits = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            yield Static(f"{self.staff_first_name}, enter your PIN", id="title", markup=False)
            yield Static(self.message, id="message", markup=False)
            yield Static(self._dots(), id="dots")
            with Grid(id="pad"):
                for key in _KEYS:
                    if key == "back":
                        yield Button("⌫", id="key-back")
                    elif key == "ok":
                        yield Button("OK", id="key-ok", variant="success", disabled=True)
                    else:
                        yield Button(key, id=f"key-{key}")
            yield Button("Cancel", id="cancel", variant="error")

    def on_mount(self) -> None:
        # A Button ignores clicks during its 0.2 s pressed effect, which would drop the second
        # digit of a PIN such as 1155 typed at a normal pace.
        for button in self.query(Button):
            button.active_effect_duration = 0

    def _dots(self) -> str:
        # The digits are never drawn: someone in the queue can see the panel.
        return " ".join("●" * len(self._digits)) or " "

    def _refresh(self) -> None:
        self.query_one("#dots", Static).update(self._dots())
        self.query_one("#key-ok", Button).disabled = len(self._digits) < MIN_PIN_DIGITS

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        key = (event.button.id or "").removeprefix("key-")
        if event.button.id == "cancel":
            self.dismiss(None)
        elif key == "ok":
            if len(self._digits) >= MIN_PIN_DIGITS:
                self.dismiss(PinEntered(self._digits))
        elif key == "back":
            self._digits = self._digits[:-1]
            self._refresh()
        elif key.isdigit() and len(self._digits) < MAX_PIN_DIGITS:
            self._digits += key
            self._refresh()
