"""Signing in to the office in a browser: staff id and PIN (the kiosk's lockout applies)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Static


@dataclass
class SignInRequested(Message):
    """Staff asked to sign in; the app checks the PIN and answers with `refused` or moves on."""

    staff_id: str
    pin: str


class OfficeSignInScreen(Screen[None]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, school: str, message: str = "") -> None:
        super().__init__()
        self.school = school
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            yield Static(f"{self.school} · office", id="title", markup=False)
            yield Static("Staff id", classes="label")
            yield Input(id="staff-id", placeholder="e.g. S07")
            yield Static("PIN", classes="label")
            yield Input(
                id="pin",
                placeholder="4 to 8 digits",
                password=True,
                restrict=r"[0-9]*",
                max_length=8,
            )
            yield Button("Sign in", id="sign-in", variant="primary")
            yield Static(self.message, id="message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#staff-id", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "staff-id":
            self.query_one("#pin", Input).focus()
        else:
            self._request()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._request()

    def _request(self) -> None:
        staff_id = self.query_one("#staff-id", Input).value.strip()
        pin = self.query_one("#pin", Input).value
        if not staff_id or not pin:
            self.refused("Enter your staff id and PIN.")
            return
        self.post_message(SignInRequested(staff_id, pin))

    def refused(self, message: str) -> None:
        """The PIN was not accepted: say why, and clear it for the next try."""
        self.query_one("#message", Static).update(message)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()
