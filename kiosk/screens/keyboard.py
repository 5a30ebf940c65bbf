"""The on-screen keyboard: letters or digits that type into the box staff last touched.

The kiosk has no keyboard. A screen with boxes to write in docks one of these at its foot and
calls `show_for(box)` when a box takes the focus; a box marked with the class `digits` (a phone
slot) gets the digit strip, any other the letters. A physical keyboard, where one is fitted,
still types into the focused box as before.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input

from kiosk.screens.keypad import BACKSPACE, DigitKey, DigitStrip, TouchKey

_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm,.-")
SHIFT = "⇧"


class LetterKey(TouchKey):
    """One key of the letter keyboard; `key` is the character, or "shift", "space", "back",
    "done"."""

    def __init__(self, key: str, text: str) -> None:
        name = key if key in {"shift", "space", "back", "done"} else f"k{ord(key)}"
        super().__init__(text, id=f"kb-{name}", variant="primary" if key == "done" else "default")
        self.key = key
        self.compact = True


class OnScreenKeyboard(Vertical):
    """Types into `target`; Done (or `hide()`) puts it away unless it is `always` shown.

    `digits_row=False` leaves out the row of digits where only words are written (a name).
    """

    DEFAULT_CSS = """
    OnScreenKeyboard {
        height: auto;
        width: 100%;
        background: $panel;
        padding: 0 1;
    }
    OnScreenKeyboard #letters {
        grid-size: 10;
        grid-gutter: 0 1;
        grid-rows: 2;
        height: auto;
        width: 100%;
    }
    OnScreenKeyboard LetterKey {
        height: 2;
        width: 1fr;
        min-width: 3;
        content-align: center middle;
        text-align: center;
        text-style: bold;
    }
    OnScreenKeyboard #kb-space {
        column-span: 5;
    }
    OnScreenKeyboard #kb-back, OnScreenKeyboard #kb-done {
        column-span: 2;
    }
    """

    class Done(Message):
        """Staff finished writing in `box` (the keyboard is put away)."""

        def __init__(self, box: Input) -> None:
            super().__init__()
            self.box = box

    def __init__(
        self, *, always: bool = False, digits_row: bool = True, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.always = always
        self.digits_row = digits_row
        self.target: Input | None = None
        self.shifted = False

    def compose(self) -> ComposeResult:
        # Only a keyboard always shown is made with its screen; the others when first shown:
        # sixty keys a screen, made and styled, held up every staff screen as it opened.
        if self.always:
            yield from self._keys()

    def _keys(self) -> list[Widget]:
        letters = [
            LetterKey(char, char.upper() if char.isalpha() else char)
            for row in (_ROWS if self.digits_row else _ROWS[1:])
            for char in row
        ]
        letters += [LetterKey("shift", SHIFT), LetterKey("space", "space")]
        letters += [LetterKey("back", BACKSPACE)]
        if not self.always:
            letters.append(LetterKey("done", "Done"))
        for key in letters:
            key.on_tap = self._type
        digits = DigitStrip(on_tap=self._type, id="digit-strip")
        digits.display = False
        return [Grid(*letters, id="letters"), digits]

    def on_mount(self) -> None:
        self.display = self.always
        # Follow the focus rather than ask every screen to: a box touched shows the keys.
        self.watch(self.screen, "focused", self._focus_moved)

    def _focus_moved(self, focused: Widget | None) -> None:
        # The keys stay up when the focus leaves the box (only Done puts them away): hiding them
        # under a finger that is still down would move the button it is pressing.
        if isinstance(focused, Input):
            self.show_for(focused)

    def show_for(self, box: Input) -> None:
        """Type into `box` from now on: digits for a box with the class `digits`, else letters."""
        self.target = box
        if not self.children:
            self.mount(*self._keys())
        digits = box.has_class("digits")
        self.query_one("#letters").display = not digits
        self.query_one("#digit-strip").display = digits
        self.display = True
        # The keys take the foot of the screen: bring the box back into sight above them.
        # Twice: the first refresh lays the keys out, the second sees the smaller form.
        self.call_after_refresh(self.call_after_refresh, box.scroll_visible, animate=False)

    def hide(self) -> None:
        if not self.always:
            self.display = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        # Off a TouchScreen the keys are plain buttons.
        if isinstance(event.button, TouchKey):
            event.stop()
            self._type(event.button)

    def _type(self, button: TouchKey) -> None:
        if not isinstance(button, LetterKey | DigitKey):
            return
        box = self.target
        if box is None:
            return
        key = button.key
        if key == "done":
            self.hide()
            self.screen.set_focus(None)
            self.post_message(self.Done(box))
        elif key == "back":
            box.action_delete_left()
        elif key == "shift":
            self.shifted = not self.shifted
            button.variant = "primary" if self.shifted else "default"
        else:
            char = " " if key == "space" else key
            if self.shifted:
                char = char.upper()
                self.shifted = False
                self.query_one("#kb-shift", Button).variant = "default"
            box.insert_text_at_cursor(char)
