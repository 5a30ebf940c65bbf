"""What a browser's terminal shows: the office app's output, replayed onto a grid of cells.

The browser draws the terminal on a canvas, so a test cannot read it from the page; it reads
the bytes the page received instead (recorded by an init script) and lays them out as the
terminal would: cursor moves and characters, colours ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_CSI = re.compile(r"\x1b\[([0-9;?<>=]*)([ -/]*)([@-~])")
_OSC = re.compile(r"\x1b\].*?(?:\x07|\x1b\\)", re.DOTALL)


@dataclass
class Grid:
    """A terminal screen of `width` by `height` cells, fed the text the app wrote."""

    width: int
    height: int
    row: int = 0
    col: int = 0
    cells: list[list[str]] = field(default_factory=list)
    _pending: str = ""

    def __post_init__(self) -> None:
        self.cells = [[" "] * self.width for _ in range(self.height)]

    def feed(self, text: str) -> None:
        text = self._pending + text
        self._pending = ""
        n = 0
        while n < len(text):
            char = text[n]
            if char == "\x1b":
                match = _CSI.match(text, n) or _OSC.match(text, n)
                if match is None:
                    if len(text) - n < 64 and text[n + 1 : n + 2] in ("[", "]", ""):
                        self._pending = text[n:]  # the rest of the sequence is still to come
                        return
                    n += 2  # a two-character escape (ESC 7, ESC =, ...)
                    continue
                if match.re is _CSI:
                    self._control(match.group(1), match.group(3))
                n = match.end()
                continue
            if char == "\r":
                self.col = 0
            elif char == "\n":
                self.row = min(self.row + 1, self.height - 1)
            elif char >= " ":
                self._put(char)
            n += 1

    def _control(self, params: str, final: str) -> None:
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        if final in "Hf" and not params.startswith("?"):
            row = numbers[0] if numbers else 1
            col = numbers[1] if len(numbers) > 1 else 1
            self.row, self.col = max(row, 1) - 1, max(col, 1) - 1
        elif final == "J" and numbers[:1] == [2]:
            self.cells = [[" "] * self.width for _ in range(self.height)]
        elif final == "C":
            self.col += numbers[0] if numbers and numbers[0] else 1
        elif final == "G":
            self.col = (numbers[0] if numbers else 1) - 1

    def _put(self, char: str) -> None:
        if unicodedata.combining(char):
            return
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        if 0 <= self.row < self.height and 0 <= self.col < self.width:
            self.cells[self.row][self.col] = char
            if wide and self.col + 1 < self.width:
                self.cells[self.row][self.col + 1] = ""
        self.col += 2 if wide else 1

    @property
    def lines(self) -> list[str]:
        return ["".join(row) for row in self.cells]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def find(self, words: str) -> tuple[int, int] | None:
        """The row and column where `words` start on screen, or None."""
        for row, line in enumerate(self.lines):
            col = line.find(words)
            if col >= 0:
                return row, col
        return None
