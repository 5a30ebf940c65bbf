"""Not admitted, suspected under the influence: what it means, said plainly before it is saved."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.widgets import Checkbox, Static

from kiosk.domain.attendance import INFLUENCE_COMMENT
from kiosk.screens.not_admitted import NotAdmittedScreen
from kiosk.views.desk import InfluenceConfirmed


class InfluenceScreen(NotAdmittedScreen[InfluenceConfirmed]):
    """Confirm dismisses with what staff saw and whether they told the DSL themselves; Go back
    with None. The DSL box is never ticked for them: otherwise the message tells the DSL, and
    the record says so once it is delivered."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    CONFIRM = "Not admitted"
    NOTE = "What was seen (optional; for the DSL)"

    def _headline(self) -> str:
        return f"{self.learner_first_name}: not admitted, suspected under the influence"

    def _consequences(self) -> tuple[str, ...]:
        return (
            f"• {self.learner_first_name} is not admitted today.",
            "• Keep them apart from other learners, with a member of staff, until "
            "a parent or carer collects them.",
            "• Call a parent or carer to collect them; record who collects them under Leaving.",
            "• The absence is recorded as unauthorised (O), with the comment "
            f'"{INFLUENCE_COMMENT}". This is not an exclusion.',
            "• The attendance officer and the designated safeguarding lead (DSL) are told.",
        )

    def _compose_note(self) -> ComposeResult:
        yield from super()._compose_note()
        yield Checkbox("I have told the DSL myself", id="dsl-told")
        yield Static(
            "Otherwise a message goes to the DSL now; the record says told when it is delivered.",
            id="dsl-note",
        )

    def _confirmed(self) -> InfluenceConfirmed:
        return InfluenceConfirmed(
            self._note(), dsl_told=self.query_one("#dsl-told", Checkbox).value
        )
