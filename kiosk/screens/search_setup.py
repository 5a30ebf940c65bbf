"""Before a search: who on duty may search this learner, who witnesses, and the urgent exception."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Static

from kiosk.domain.people import StaffMember
from kiosk.domain.search import MIN_EXCEPTION_REASON_LENGTH, SearchRequirement, UrgentException
from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import TouchScreen
from kiosk.screens.text import label
from kiosk.views import SearchSetup

NO_WITNESS = "none"


class ConditionBox(Checkbox):
    """A checkbox whose label wraps: each condition of the exception is read in full before it
    is ticked, however narrow the panel (Textual's own keeps to one line and cuts it short)."""

    DEFAULT_CSS = """
    ConditionBox {
        height: auto;
        text-wrap: wrap;
        text-overflow: fold;
    }
    """

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Every widget's own measure (the label as wrapped), not the toggle's fixed one line.
        return Widget.get_content_height(self, container, viewport, width)


def _distinct(on_duty: Sequence[StaffMember]) -> tuple[StaffMember, ...]:
    seen: set[str] = set()
    people = []
    for member in on_duty:
        if member.staff_id not in seen:
            seen.add(member.staff_id)
            people.append(member)
    return tuple(people)


class SearchSetupScreen(TouchScreen[SearchSetup | None]):
    """Staff pick a searcher and a witness (never the same person); None on Cancel.

    Buttons are numbered by the member's place in the on-duty list, so `#searcher-2` and
    `#witness-2` are the same person. Only authorised staff are ever offered as searcher: the
    same-sex ones normally, any authorised member only when the rule cannot be met and the urgent
    exception is being recorded.
    """

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(
        self,
        learner_first_name: str,
        requirement: SearchRequirement,
        on_duty: Sequence[StaffMember],
    ) -> None:
        super().__init__()
        self.learner_first_name = learner_first_name
        self.requirement = requirement
        self.staff = _distinct(on_duty)
        self.needs_exception = not requirement.can_search_lawfully
        same_sex = {m.staff_id for m in requirement.searchers}
        self.lawful_searchers = [n for n, m in enumerate(self.staff) if m.staff_id in same_sex]
        self.exception_searchers = (
            [n for n, m in enumerate(self.staff) if m.may_search and m.staff_id not in same_sex]
            if self.needs_exception
            else []
        )
        order = {m.staff_id: rank for rank, m in enumerate(requirement.witnesses)}
        self.witness_order = sorted(
            range(len(self.staff)),
            key=lambda n: order.get(self.staff[n].staff_id, len(order)),
        )
        self.searcher: int | None = self.lawful_searchers[0] if self.lawful_searchers else None
        self.witness: int | str | None = None
        if requirement.witnesses:
            first = requirement.witnesses[0].staff_id
            self.witness = next(n for n, m in enumerate(self.staff) if m.staff_id == first)
        if self.witness == self.searcher:
            self.witness = None

    def compose(self) -> ComposeResult:
        requirement = self.requirement
        with VerticalScroll(id="form"):
            yield Static(
                f"Search {self.learner_first_name}: searcher and witness", id="title", markup=False
            )
            if requirement.missing:
                yield Static(
                    "\n".join(f"⚠ {m}" for m in requirement.missing), id="missing", markup=False
                )
            yield Static("\n".join(requirement.reasons), id="reasons", markup=False)
            with Horizontal(id="choices"):
                with Vertical(id="searchers", classes="column"):
                    yield Static("Searcher (authorised, same sex)", classes="heading")
                    for n in self.lawful_searchers:
                        yield Button(
                            label(self.staff[n].name), id=f"searcher-{n}", classes="choice"
                        )
                    if not self.lawful_searchers:
                        yield Static("Nobody on duty meets the rule.", classes="none")
                    if self.exception_searchers:
                        yield Static("Only under the urgent exception:", classes="heading")
                        for n in self.exception_searchers:
                            yield Button(
                                label(self.staff[n].name), id=f"searcher-{n}", classes="choice"
                            )
                with Vertical(id="witnesses", classes="column"):
                    yield Static("Witness (another member of staff)", classes="heading")
                    for n in self.witness_order:
                        yield Button(label(self.staff[n].name), id=f"witness-{n}", classes="choice")
                    if self.needs_exception:
                        yield Button(
                            "No witness (urgent exception)",
                            id=f"witness-{NO_WITNESS}",
                            classes="choice",
                        )
            if self.needs_exception:
                with Vertical(id="exception"):
                    yield Static("The urgent exception: both must be true", classes="heading")
                    yield ConditionBox(
                        "Risk of serious harm if not searched urgently", id="serious-harm"
                    )
                    yield ConditionBox(
                        "Not reasonably practicable to have a same-sex searcher or a witness "
                        "in the time available",
                        id="not-practicable",
                    )
                    yield Static(
                        f"Why (at least {MIN_EXCEPTION_REASON_LENGTH} characters):",
                        classes="heading",
                    )
                    yield Input(placeholder="Why, in a sentence", id="exception-reason")
                    yield Static(
                        "The designated safeguarding lead will be told that the exception was "
                        "used.",
                        id="dsl-note",
                    )
        with Vertical(id="foot"):
            yield OnScreenKeyboard(id="keyboard")
            with Horizontal(id="actions"):
                yield Button("Cancel", id="cancel", variant="error")
                yield Button("Start search", id="start", variant="success", disabled=True)

    def on_mount(self) -> None:
        self._refresh()

    def _exception(self) -> UrgentException | None:
        if not self.needs_exception:
            return None
        return UrgentException(
            serious_harm_risk=self.query_one("#serious-harm", Checkbox).value,
            not_practicable=self.query_one("#not-practicable", Checkbox).value,
            reason=self.query_one("#exception-reason", Input).value.strip(),
        )

    def _ready(self) -> bool:
        if self.searcher is None or self.witness is None or self.witness == self.searcher:
            return False
        exception = self._exception()
        if exception is None:
            return True
        return (
            exception.serious_harm_risk
            and exception.not_practicable
            and len(exception.reason) >= MIN_EXCEPTION_REASON_LENGTH
        )

    def _refresh(self) -> None:
        for button in self.query(".choice").results(Button):
            kind, _, key = (button.id or "").partition("-")
            chosen = self.searcher if kind == "searcher" else self.witness
            button.variant = "primary" if key == str(chosen) else "default"
            if kind == "witness":
                # Never the same person twice: the searcher's own witness button is off.
                button.disabled = key == str(self.searcher)
        self.query_one("#start", Button).disabled = not self._ready()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._refresh()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refresh()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter must not start a search by itself.

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        kind, _, key = button_id.partition("-")
        if button_id == "cancel":
            self.dismiss(None)
        elif button_id == "start":
            self._start()
        elif kind == "searcher":
            self.searcher = int(key)
            if self.witness == self.searcher:
                self.witness = None
            self._refresh()
        elif kind == "witness" and key != str(self.searcher):
            self.witness = key if key == NO_WITNESS else int(key)
            self._refresh()

    def _start(self) -> None:
        if not self._ready() or self.searcher is None:
            return
        witness = None if self.witness in (None, NO_WITNESS) else self.staff[int(self.witness)]
        self.dismiss(
            SearchSetup(
                searcher_staff_id=self.staff[self.searcher].staff_id,
                witness_staff_id=witness.staff_id if witness else None,
                exception=self._exception(),
            )
        )
