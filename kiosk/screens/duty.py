"""Who is on duty at the station: recorded sex, authorised to search or not, what is missing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Static

from kiosk.domain.people import Sex, StaffMember
from kiosk.screens.text import TextCell, cells
from kiosk.views.desk import DutyClosed


def _sex_word(sex: Sex | None) -> str:
    return "not recorded" if sex is None else sex.word.capitalize()


class DutyScreen(Screen[DutyClosed]):
    """The staff on duty as a table, the warnings above it; Close dismisses with DutyClosed."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(
        self,
        on_duty: Sequence[StaffMember],
        warnings: Sequence[str],
        *,
        office: bool = False,
    ) -> None:
        super().__init__()
        self.office = office
        self.on_duty = tuple(on_duty)
        self.warnings = tuple(warnings)

    def compose(self) -> ComposeResult:
        with Vertical(id="panel"):
            yield Static("On duty", id="title")
            # The buttons stay at the foot; on a small panel the list above them scrolls.
            with VerticalScroll(id="body"):
                yield from self._body()
            with Horizontal(id="actions"):
                yield Button("Find a learner", id="find-learner")
                if self.office:
                    yield Button("Office", id="office")
                yield Button("Close", id="close", variant="primary")

    def _body(self) -> ComposeResult:
        if self.warnings:
            yield Static("\n".join(f"⚠ {w}" for w in self.warnings), id="warnings", markup=False)
        else:
            yield Static("A searcher and a witness are on duty for every learner.", id="all-clear")
        table: DataTable[TextCell] = DataTable(id="staff", cursor_type="none", zebra_stripes=True)
        table.add_columns("Name", "Sex", "Authorised to search")
        for member in self.on_duty:
            table.add_row(
                *cells(member.name, _sex_word(member.sex), "yes" if member.may_search else "no")
            )
        if not self.on_duty:
            yield Static("Nobody is signed on at this station.", id="nobody")
        yield table

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "close":
            self.dismiss(DutyClosed())
        elif event.button.id == "find-learner":
            self.dismiss(DutyClosed(find_learner=True))
        elif event.button.id == "office":
            self.dismiss(DutyClosed(office=True))
