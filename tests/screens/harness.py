"""A tiny app that pushes one screen and keeps what it dismissed with."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen

UNSET = object()


class Harness(App[None]):
    """Pushes `screen` on mount; `result` is what it dismissed with (UNSET until then)."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.under_test = screen
        self.result: Any = UNSET

    def on_mount(self) -> None:
        self.push_screen(self.under_test, callback=self._keep)

    def _keep(self, result: Any) -> None:
        self.result = result


def shown(app: App[Any]) -> str:
    """Every Static's text on the current screen, joined."""
    return " ".join(str(w.render()) for w in app.screen.query("Static"))


async def tap(pilot: Any, selector: str) -> None:
    """Scroll the widget into view, as a finger would, then click it."""
    pilot.app.screen.query_one(selector).scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    await pilot.click(selector)
    await pilot.pause()


async def choose(pilot: Any, selector: str, prompt: str) -> None:
    """Open a Select by touch and touch the option whose label is `prompt`."""
    from textual.widgets._select import SelectOverlay

    await tap(pilot, selector)
    overlay = pilot.app.screen.query_one(selector).query_one(SelectOverlay)
    labels = [str(overlay.get_option_at_index(n).prompt) for n in range(overlay.option_count)]
    index = labels.index(prompt)
    overlay.highlighted = index
    overlay.scroll_to_highlight()
    await pilot.pause()
    # Long labels wrap, so find the option's first line; +1 for the overlay's top border.
    line = next(n for n, (option, _) in enumerate(overlay._lines) if option == index)
    row = line - round(overlay.scroll_offset.y) + 1
    await pilot.click(overlay, offset=(4, row))
    await pilot.pause()
