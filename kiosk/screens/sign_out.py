"""Signing a learner out: touch a learner on site, then a reason (and add words if need be).

Two steps on one screen, so that each fits the 7-inch panel: first the learners (with a filter
written on the on-screen keyboard), then, for the learner picked, the reasons. Learners not
admitted today because suspected under the influence (R28) are listed first, until a parent or
carer collects them: picking one asks who collected them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Static

from kiosk.domain.attendance import FORMAL_SUSPENSION, SENT_HOME, SUSPENSION_CODE
from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import TouchKey, TouchScreen
from kiosk.views.on_site import (
    OTHER,
    SIGN_OUT_REASONS,
    AwaitingCollection,
    ParentCollected,
    Roll,
    RollLearner,
    SignOutChosen,
    sign_out_reason,
)


class SignOutScreen(TouchScreen[SignOutChosen | ParentCollected | None]):
    """Given the roll (who is on site) and the learners awaiting a parent or carer; dismissed
    with the learner and the reason, with who collected a learner awaiting them, or None."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    # Nothing has the focus until a box is touched: a focused box would bring the keyboard up
    # over the list before anyone asked for it.
    AUTO_FOCUS = ""

    def __init__(
        self, roll: Roll, message: str = "", awaiting: Sequence[AwaitingCollection] = ()
    ) -> None:
        super().__init__()
        self.learners: tuple[RollLearner, ...] = roll.learners
        self.awaiting = tuple(awaiting)
        self.collecting: AwaitingCollection | None = None
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
            with Vertical(id="pick"):
                yield Input(placeholder="Filter by name or group", id="filter")
                with VerticalScroll(id="learners"):
                    if self.awaiting:
                        yield Static(
                            "Not admitted, waiting for a parent or carer:",
                            id="awaiting-heading",
                        )
                    for n, waiting in enumerate(self.awaiting):
                        name = f"{waiting.name}  ·  {waiting.reg_group}  ·  since {waiting.at}"
                        yield TouchKey(name, id=f"awaiting-{n}").add_class("learner")
                    if self.awaiting:
                        yield Static("On site:", id="on-site-heading")
                    for n, learner in enumerate(self.learners):
                        name = f"{learner.name}  ·  {self.groups[learner.learner_id]}"
                        yield TouchKey(name, id=f"learner-{n}").add_class("learner")
                    if not self.learners:
                        yield Static("Nobody is on site.")
            with VerticalScroll(id="why"):
                with Grid(id="reasons"):
                    for n, reason in enumerate(SIGN_OUT_REASONS):
                        yield TouchKey(reason, id=f"reason-{n}").add_class("reason")
                yield Input(placeholder="More about the reason (needed for 'other')", id="detail")
                yield Static(
                    "Sending a learner home for discipline is unlawful unless it is a formal "
                    "suspension. Only if the head has suspended the learner:",
                    id="sent-home-warning",
                )
                yield Checkbox(
                    f"A formal suspension (code {SUSPENSION_CODE})", id="formal-suspension"
                )
            with Vertical(id="collect"):
                yield Static(
                    "Not admitted today: suspected under the influence. Record who collects "
                    "them, with their relation to the learner.",
                    id="collect-note",
                )
                yield Input(
                    placeholder="Collected by: name and relation (Ada Okafor, mother)",
                    id="collected-by",
                )
            yield Static("", id="chosen", markup=False)
            with Horizontal(id="actions"):
                yield Button("Sign out", id="confirm", variant="warning", disabled=True)
                yield Button("Collected", id="collected", variant="warning", disabled=True)
                yield Button("Other learner", id="change")
                yield Button("Cancel", id="cancel", variant="error")
        yield OnScreenKeyboard(id="keyboard")

    def on_mount(self) -> None:
        self.query_one("#message").display = bool(self.message)
        self._show()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            wanted = event.value.strip().casefold()
            for n, learner in enumerate(self.learners):
                text = f"{learner.name} {self.groups[learner.learner_id]}".casefold()
                self.query_one(f"#learner-{n}", Button).display = wanted in text
            for n, waiting in enumerate(self.awaiting):
                text = f"{waiting.name} {waiting.reg_group}".casefold()
                self.query_one(f"#awaiting-{n}", Button).display = wanted in text
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
            # The filter is done with: the reasons need the room its keys take.
            self.query_one(OnScreenKeyboard).hide()
            self.set_focus(None)
        elif button.startswith("awaiting-"):
            self.collecting = self.awaiting[int(button.removeprefix("awaiting-"))]
            self.query_one("#collected-by", Input).focus()
        elif button == "change":
            self.picked = None
            self.collecting = None
        elif button == "collected" and self.collecting is not None:
            who = " ".join(self.query_one("#collected-by", Input).value.split())
            if who:
                self.dismiss(ParentCollected(self.collecting.refusal_id, who))
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

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._show()

    def _reason(self) -> str:
        if not self.reason:
            return ""
        detail = self.query_one("#detail", Input).value
        if self.reason == SENT_HOME:
            # Never a silent sign-out: "sent home" is recorded only as a formal suspension.
            if not self.query_one("#formal-suspension", Checkbox).value:
                return ""
            detail = " ".join(f"{FORMAL_SUSPENSION} (code {SUSPENSION_CODE}) {detail}".split())
        return sign_out_reason(self.reason, detail)

    def _show(self) -> None:
        """The step staff are on, and the line saying what is still to choose."""
        picked, reason = self.picked, self._reason()
        collecting = self.collecting
        self.query_one("#pick").display = picked is None and collecting is None
        self.query_one("#why").display = picked is not None
        self.query_one("#collect").display = collecting is not None
        self.query_one("#change").display = picked is not None or collecting is not None
        self.query_one("#confirm").display = collecting is None
        self.query_one("#collected").display = collecting is not None
        if collecting is not None:
            who = " ".join(self.query_one("#collected-by", Input).value.split())
            self.query_one("#chosen", Static).update(
                f"{collecting.name} ({collecting.reg_group}) · "
                + (f"collected by {who}" if who else "write who collected them")
            )
            self.query_one("#collected", Button).disabled = not who
            return
        sent_home = self.reason == SENT_HOME
        self.query_one("#sent-home-warning").display = sent_home
        self.query_one("#formal-suspension").display = sent_home
        if picked is None:
            chosen = "Touch the learner who is leaving"
        else:
            group = self.groups[picked.learner_id]
            still = (
                "a formal suspension, or not sent home"
                if self.reason == SENT_HOME
                else "write the reason"
                if self.reason
                else "touch a reason"
            )
            chosen = f"{picked.name} ({group}) · {reason or still}"
        self.query_one("#chosen", Static).update(chosen)
        self.query_one("#confirm", Button).disabled = picked is None or not reason
