"""The fire roll on screen: who is on site now, by registration group, and the staff signed on."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Static

from kiosk.screens.text import TextCell, cells
from kiosk.views.on_site import Roll

RollChoice = Literal["refresh"]


class RollScreen(Screen[RollChoice | None]):
    """Shows the roll it is given; "Refresh" asks for a new one, "Close" goes back."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, roll: Roll) -> None:
        super().__init__()
        self.roll = roll

    def compose(self) -> ComposeResult:
        roll = self.roll
        yield Static(
            f"Fire roll · {roll.taken_at} · on site: {roll.learner_count} learner(s),"
            f" {len(roll.staff)} staff",
            id="title",
            markup=False,
        )
        with VerticalScroll(id="lists"):
            learners: DataTable[TextCell] = DataTable(id="learners", show_cursor=False)
            learners.add_columns("Group", "Learner", "In at")
            for group in roll.groups:
                for n, learner in enumerate(group.learners):
                    shown = f"{group.reg_group} ({len(group.learners)})" if n == 0 else ""
                    learners.add_row(*cells(shown, learner.name, learner.admitted))
            learners.styles.height = roll.learner_count + 1
            yield Static("Learners on site" if roll.groups else "No learners on site.",
                         classes="heading")  # fmt: skip
            yield learners
            yield Static(f"Staff signed on ({len(roll.staff)})", classes="heading")
            staff: DataTable[TextCell] = DataTable(id="staff", show_cursor=False)
            staff.add_columns("Staff", "Door", "Since")
            for member in roll.staff:
                staff.add_row(*cells(member.name, member.station, member.since))
            staff.styles.height = len(roll.staff) + 1
            yield staff
            if roll.signed_out:
                yield Static(f"Signed out, not on site ({len(roll.signed_out)})",
                             classes="heading")  # fmt: skip
                gone: DataTable[TextCell] = DataTable(id="signed-out", show_cursor=False)
                gone.add_columns("Learner", "Group", "At", "Reason")
                for left in roll.signed_out:
                    gone.add_row(*cells(left.name, left.reg_group, left.at, left.reason))
                gone.styles.height = len(roll.signed_out) + 1
                yield gone
        with Horizontal(id="actions"):
            yield Button("Refresh", id="refresh", variant="primary")
            yield Button("Close", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss("refresh" if event.button.id == "refresh" else None)
