"""Confirming a refusal: what it means for the attendance record, said plainly beforehand."""

from __future__ import annotations

from pathlib import Path

from kiosk.screens.not_admitted import NotAdmittedScreen
from kiosk.views.desk import RefusalConfirmed

_WHAT = {"screening": "screened", "search": "searched"}


class RefusalScreen(NotAdmittedScreen[RefusalConfirmed]):
    """`kind` is "screening" or "search"; Confirm dismisses with the note, Go back with None."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")
    CONFIRM = "Confirm refusal"

    def __init__(self, learner_first_name: str, kind: str) -> None:
        if kind not in _WHAT:
            raise ValueError(f"kind must be 'screening' or 'search', got {kind!r}")
        super().__init__(learner_first_name)
        self.kind = kind

    def _headline(self) -> str:
        return f"{self.learner_first_name} refuses to be {_WHAT[self.kind]}"

    def _consequences(self) -> tuple[str, ...]:
        return (
            f"• {self.learner_first_name} is not admitted today.",
            "• The absence is recorded as unauthorised (O), with the comment "
            f'"refused {self.kind}: not admitted".',
            "• This is not an exclusion.",
            "• The attendance officer is told.",
        )

    def _confirmed(self) -> RefusalConfirmed:
        return RefusalConfirmed(self._note())
