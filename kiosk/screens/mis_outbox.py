"""The MIS outbox: each mark on its way to the MIS and where it stands, and "Send now"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.screens.results import MisOutboxLine, MisOutboxState, MisOutboxView

HEADINGS: dict[MisOutboxState, str] = {
    "failed": "Failed: tried again by itself",
    "refused": "Refused by the MIS: needs a person",
    "skipped": "Skipped: a teacher's mark stands, or may",
    "waiting": "Waiting to be sent",
    "sent": "Sent",
}
NOT_CONNECTED = (
    'The MIS is not connected ([mis] provider = "none"), so no mark is sent from here. '
    "Take the attendance CSV export (This morning, Export) into the MIS's own import."
)


@dataclass(frozen=True)
class MisSetupView(MisOutboxView):
    """The outbox with what the config says about the connection (no request made for it)."""

    setup: tuple[str, ...] = ()


class MisSendRequested(Message):
    """Staff asked to send now; the app runs one round and calls `sent` with the outcome."""


class MisOutboxScreen(Screen[None]):
    """Shows the outbox it is given; "Send now" asks the app for a round, "Back" goes back."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, view: MisOutboxView, message: str = "") -> None:
        super().__init__()
        self.view = view
        self.message = message
        self.sending = False

    def compose(self) -> ComposeResult:
        view = self.view
        connected = bool(view.provider)
        title = f"MIS outbox · {view.provider}" if connected else "MIS outbox · not connected"
        yield Static(title, id="title", markup=False)
        counts = " · ".join(f"{n} {state}" for state, n in view.counts)
        yield Static(counts, id="counts", markup=False)
        with VerticalScroll(id="marks"):
            setup = view.setup if isinstance(view, MisSetupView) else ()
            if connected and setup:
                yield Static("\n".join(setup), id="setup", markup=False)
            if not connected:
                yield Static(NOT_CONNECTED, id="not-connected", markup=False)
            elif view.problem:
                yield Static(view.problem, id="problem", markup=False)
            elif not view.lines:
                yield Static("Nothing in the outbox today.", id="empty", markup=False)
            for state, heading in HEADINGS.items():
                lines = [line for line in view.lines if line.state == state]
                if lines:
                    yield Static(f"{heading} ({len(lines)})", classes="heading", markup=False)
                    yield Static(_lines(lines), id=f"marks-{state}", classes="marks")
        result = Static(self.message, id="result", markup=False)
        result.display = bool(self.message)
        yield result
        with Horizontal(id="actions"):
            send = Button("Send now", id="send", variant="primary")
            send.disabled = not connected or self.sending
            yield send
            yield Button("Back", id="back")

    def sent(self, view: MisOutboxView, message: str) -> None:
        """Called by the app when the round is over: the outbox as it is now, and what it did."""
        self.view = view
        self.message = message
        self.sending = False
        self.refresh(recompose=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "back":
            self.dismiss(None)
        elif event.button.id == "send" and not self.sending:
            self.sending = True
            event.button.disabled = True
            result = self.query_one("#result", Static)
            result.update("Sending…")
            result.display = True
            self.post_message(MisSendRequested())


def _lines(lines: list[MisOutboxLine]) -> Text:
    """The marks of one state, a line each, the note indented under its mark."""
    text = Text()
    for n, line in enumerate(lines):
        if n:
            text.append("\n")
        text.append(f"{line.code or '-':<2} ", style="bold")
        text.append(f"{line.session:<10} {line.learner}")
        if line.note:
            text.append(f"\n   {line.note}", style="italic")
    return text
