"""Touch keys that never take the focus, and the digit strip staff use for a phone slot."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.errors import NoWidget
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button
from textual.widgets.button import ButtonVariant

ResultT = TypeVar("ResultT")

BACKSPACE = "⌫"


class TouchKey(Button, can_focus=False):
    """A button a finger presses without moving the focus.

    The focus stays in the box being written (so a key types into it), and a physical Enter
    pressed later never presses the key that was last touched. On a `TouchScreen` a tap calls
    `on_tap(key)` if it is set, else sends `Button.Pressed` to the screen, in the order tapped.
    """

    DEFAULT_CSS = """
    TouchKey {
        min-width: 3;
        width: 1fr;
    }
    """

    def __init__(
        self, text: str, *, id: str | None = None, variant: ButtonVariant = "default"
    ) -> None:
        super().__init__(Content(text), id=id, variant=variant)
        self.active_effect_duration = 0
        self.on_tap: Callable[[TouchKey], None] | None = None

    def tapped(self) -> None:
        if self.on_tap is not None:
            self.on_tap(self)
        else:
            self.screen.post_message(Button.Pressed(self))


class TouchScreen(Screen[ResultT]):
    """A screen where a tap acts only on what was under the finger when it went down, and touch
    keys act in the order they were tapped.

    A tap on a box brings the keyboard up and moves the form before the finger lifts: the
    click must not land on whatever moved under it (a letter, or Go back). And Textual hands
    each widget's events to that widget's own queue, so two keys tapped quickly ("2" then "0")
    could be acted on as "02": taps on a `TouchKey` are taken here, in the screen's order.
    """

    _down_on: Widget | None = None

    def _widget_at(self, x: int, y: int) -> Widget | None:
        try:
            widget, _ = self.get_widget_at(x, y)
        except NoWidget:
            return None
        return widget

    def _forward_event(self, event: events.Event) -> None:
        if (
            isinstance(event, events.MouseDown | events.Click)
            and not event.is_forwarded
            and self.app.mouse_captured is None
        ):
            widget = self._widget_at(event.x, event.y)
            if isinstance(event, events.MouseDown):
                self._down_on = widget
            else:
                down, self._down_on = self._down_on, None
                if widget is not down:
                    event._set_forwarded()
                    return
                if isinstance(widget, TouchKey):
                    event._set_forwarded()
                    if not widget.disabled:
                        widget.tapped()
                    return
        super()._forward_event(event)


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

    def __init__(
        self, *, on_tap: Callable[[TouchKey], None] | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.on_tap = on_tap  # given to every key it makes

    def compose(self) -> ComposeResult:
        for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "back", "done"):
            digit = DigitKey(key)
            digit.on_tap = self.on_tap
            yield digit
