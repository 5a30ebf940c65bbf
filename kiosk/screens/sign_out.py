"""Signing a learner out: touch a learner on site, touch a reason (and add words if need be)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from kiosk.on_site import OTHER, SIGN_OUT_REASONS, Roll, RollLearner, SignOutChosen, sign_out_reason
from kiosk.screens.text import label


class SignOutScreen(Screen[SignOutChosen | None]):
    """Given the roll (who is on site); dismissed with the learner and the reason, or None."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, roll: Roll, message: str = "") -> None:
        super().__init__()
        self.learners: tuple[RollLearner, ...] = roll.learners
        self.groups = {
            learner.learner_id: g.reg_group for g in roll.groups for learner in g.learners
        }
        self.message = message
        self.picked: RollLearner | None = None
        self.reason = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            yield Static("Sign a learner out", id="title")
            yield Static(self.message, id="message", markup=False)
            yield Input(placeholder="Filter by name or group", id="filter")
            with VerticalScroll(id="learners"):
                for n, learner in enumerate(self.learners):
                    yield Button(
                        label(f"{learner.name}  ·  {self.groups[learner.learner_id]}"),
                        id=f"learner-{n}",
                        classes="learner",
                    )
                if not self.learners:
                    yield Static("Nobody is on site.")
            yield Static("Reason", classes="heading")
            with Horizontal(id="reasons"):
                for n, reason in enumerate(SIGN_OUT_REASONS):
                    yield Button(label(reason), id=f"reason-{n}", classes="reason")
            yield Input(placeholder="More about the reason (needed for 'other')", id="detail")
            yield Static("", id="chosen", markup=False)
            with Horizontal(id="actions"):
                yield Button("Sign out", id="confirm", variant="warning", disabled=True)
                yield Button("Cancel", id="cancel", variant="error")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            wanted = event.value.strip().casefold()
            for n, learner in enumerate(self.learners):
                text = f"{learner.name} {self.groups[learner.learner_id]}".casefold()
                self.query_one(f"#learner-{n}", Button).display = wanted in text
        self._show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter never signs a learner out by itself

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button == "cancel":
            self.dismiss(None)
        elif button.startswith("learner-"):
            self.picked = self.learners[int(button.removeprefix("learner-"))]
            for other in self.query(".learner").results(Button):
                other.variant = "primary" if other is event.button else "default"
        elif button.startswith("reason-"):
            self.reason = SIGN_OUT_REASONS[int(button.removeprefix("reason-"))]
            for other in self.query(".reason").results(Button):
                other.variant = "primary" if other is event.button else "default"
            if self.reason == OTHER:
                self.query_one("#detail", Input).focus()
        elif button == "confirm" and self.picked is not None:
            reason = self._reason()
            if reason:
                self.dismiss(SignOutChosen(self.picked.learner_id, reason))
        self._show()

    def _reason(self) -> str:
        if not self.reason:
            return ""
        return sign_out_reason(self.reason, self.query_one("#detail", Input).value)

    def _show(self) -> None:
        reason = self._reason()
        who = self.picked.name if self.picked else "pick a learner"
        self.query_one("#chosen", Static).update(f"{who} · {reason or 'pick a reason'}")
        self.query_one("#confirm", Button).disabled = self.picked is None or not reason
