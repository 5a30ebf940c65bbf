"""A staff screen made once and opened again. Composing one anew on every visit (the queue after
each learner's desk, the desk for each learner) took the UI loop some 75 ms a time on the
development machine, several times that on a Pi: staff waited, and taps queued behind it."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, Protocol, TypeVar

from textual.screen import Screen

S = TypeVar("S", bound=Screen[Any])


class ScreenKeeper(Protocol):
    """The app's screen stack and installed screens, as Textual's `App` has them."""

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...
    def install_screen(self, screen: Screen[Any], name: str) -> None: ...
    def uninstall_screen(self, screen: Screen[Any] | str) -> str | None: ...


class KeptScreen(Generic[S]):
    """The screen installed under `name`, made again only when its `kind` changes (the
    queue with or without the office button). Installed, Textual keeps it when it is popped;
    the caller refills it before it is pushed."""

    def __init__(self, app: ScreenKeeper, name: str) -> None:
        self.app = app
        self.name = name
        self._screen: S | None = None
        self._kind: Hashable = None

    def get(self, make: Callable[[], S], kind: Hashable = None) -> S:
        screen = self._screen
        if screen is not None and screen in self.app.screen_stack:
            return make()  # still open under another screen: a one-off, popped and dropped
        if screen is None or kind != self._kind:
            if screen is not None:
                self.app.uninstall_screen(screen)
                if screen.is_mounted:
                    screen.remove()  # a station runs for days: the old one is not kept too
            screen = self._screen = make()
            self._kind = kind
            self.app.install_screen(screen, self.name)
        return screen


__all__ = ["KeptScreen", "ScreenKeeper"]
