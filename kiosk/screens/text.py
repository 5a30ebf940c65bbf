"""Words from the roster, the config or staff, shown exactly as written: never read as markup.

Textual reads square brackets in a plain string as markup, so a name such as "Jo [/i]" stops the
app with a MarkupError and "Anne [Annie]" loses its nickname. Each place that shows such words
takes one of these instead: a `Static` built with `markup=False`, a `Content` for a label, a
`cell` for a table, or `plain` for a string that must pass through markup (a notification).
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content


def plain(text: str) -> str:
    """`text` as Textual content markup that shows exactly `text` (for `App.notify`'s message).

    Every bracket is escaped, not only those that look like tags: Textual's parser also takes
    "[Annie]" and "[ x ]" as tags, which `textual.markup.escape` lets through.
    """
    return text.replace("[", "\\[")


def label(text: str) -> Content:
    """A button's label that is `text` itself (a string label would be parsed as markup)."""
    return Content(text)


class TextCell(Text):
    """A table cell shown as written, which compares equal to the string it shows.

    A string cell is parsed as markup by `DataTable`; a `Text` is drawn as it is. Equality with
    `str` keeps `table.get_cell_at(...) == "Chidi Okafor"` true, as it was for a string cell.
    """

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.plain == other
        return super().__eq__(other)


def cell(text: str) -> TextCell:
    """A one-line table cell that is `text` itself, drawn as a string cell would be drawn."""
    return TextCell(text, end="", no_wrap=True)


def cells(*texts: str) -> tuple[TextCell, ...]:
    """A table row's cells, each the text itself."""
    return tuple(cell(text) for text in texts)
