"""The staff PIN pad: ten digits, a backspace and OK, showing a dot for each digit typed.

Touched on the panel; where a USB keypad or a keyboard is fitted its digits, Backspace and Enter
work too.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Button, Static

from kiosk.screens.keypad import BACKSPACE, TouchKey, TouchScreen
from kiosk.views.desk import PinEntered

MIN_PIN_DIGITS = 4
MAX_PIN_DIGITS = 8

_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok")


class PinPadScreen(TouchScreen[PinEntered | None]):
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
                        yield TouchKey(BACKSPACE, id="key-back")
                    elif key == "ok":
                        ok = TouchKey("OK", id="key-ok", variant="success")
                        ok.disabled = True
                        yield ok
                    else:
                        yield TouchKey(key, id=f"key-{key}")
            yield TouchKey("Cancel", id="cancel", variant="error")

    def _dots(self) -> str:
        # The digits are never drawn: someone in the queue can see the panel.
        return " ".join("●" * len(self._digits)) or " "

    def _refresh(self) -> None:
        self.query_one("#dots", Static).update(self._dots())
        self.query_one("#key-ok", Button).disabled = len(self._digits) < MIN_PIN_DIGITS

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._press((event.button.id or "").removeprefix("key-"))

    def on_key(self, event: events.Key) -> None:
        # A keypad's Enter is "enter"; its digits arrive as characters whatever NumLock says.
        key = {"enter": "ok", "backspace": "back"}.get(event.key, event.character or "")
        if key == "ok" or key == "back" or (len(key) == 1 and key.isdigit()):
            event.stop()
            self._press(key)
        elif event.key == "escape":
            event.stop()
            self.dismiss(None)

    def _press(self, key: str) -> None:
        if key == "ok":
            if len(self._digits) >= MIN_PIN_DIGITS:
                self.dismiss(PinEntered(self._digits))
        elif key == "back":
            self._digits = self._digits[:-1]
            self._refresh()
        elif len(key) == 1 and key.isdigit() and len(self._digits) < MAX_PIN_DIGITS:
            self._digits += key
            self._refresh()
