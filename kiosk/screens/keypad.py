"""Touch keys that never take the focus, and the digit strip staff use for a phone slot."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button

BACKSPACE = "⌫"


class TouchKey(Button, can_focus=False):
    """A button a finger presses without moving the focus.

    The focus stays in the box being written (so a key types into it), and a physical Enter
    pressed later never presses the key that was last touched.
    """

    DEFAULT_CSS = """
    TouchKey {
        min-width: 3;
        width: 1fr;
    }
    """

    def __init__(self, text: str, *, id: str | None = None, variant: str = "default") -> None:
        super().__init__(Content(text), id=id, variant=variant)  # type: ignore[arg-type]
        # A Button ignores presses during its 0.2 s pressed effect: the second 5 of "55",
        # tapped at a normal pace, would be lost.
        self.active_effect_duration = 0


class DigitKey(TouchKey):
    """One key of the digit strip; `key` is the digit, "back" or "done"."""

    def __init__(self, key: str) -> None:
        text = {"back": BACKSPACE, "done": "Done"}.get(key, key)
        super().__init__(text, id=f"digit-{key}", variant="primary" if key == "done" else "default")
        self.key = key


class DigitStrip(Horizontal):
    """0 to 9, backspace and Done in one row: a slot number typed by touch in three lines."""

    DEFAULT_CSS = """
    DigitStrip {
        height: 3;
        width: 100%;
    }
    DigitStrip DigitKey {
        height: 3;
        margin-right: 1;
    }
    DigitStrip #digit-done {
        width: 2fr;
    }
    """

    def compose(self) -> ComposeResult:
        for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "back", "done"):
            yield DigitKey(key)
