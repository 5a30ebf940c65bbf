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
from kiosk.domain.search import (
    MIN_EXCEPTION_REASON_LENGTH,
    WITNESS_RELATIONS,
    AppropriateAdult,
    SearchRequirement,
    UrgentException,
    adult_witness_problems,
)
from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import TouchKey, TouchScreen
from kiosk.screens.text import label
from kiosk.views.desk import SearchSetup

NO_WITNESS = "none"
# R6: where the risk is significant, a family member or an appropriate adult witnesses.
ADULT_WITNESS = "adult"


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
    exception is being recorded; never one whose training the school's policy does not accept
    (R7). Where the risk is significant, a family member or an appropriate adult who is not
    staff may witness instead (`#witness-adult`, R6): named, with their relation to the learner.
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
        barred = {m.staff_id for m in requirement.barred}
        self.lawful_searchers = [n for n, m in enumerate(self.staff) if m.staff_id in same_sex]
        self.exception_searchers = (
            [
                n
                for n, m in enumerate(self.staff)
                if m.may_search and m.staff_id not in same_sex and m.staff_id not in barred
            ]
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
                yield from self._compose_searchers()
                yield from self._compose_witnesses()
            yield from self._compose_adult()
            if self.needs_exception:
                yield from self._compose_exception()
        with Vertical(id="foot"):
            yield OnScreenKeyboard(id="keyboard")
            with Horizontal(id="actions"):
                yield Button("Cancel", id="cancel", variant="error")
                yield Button("Start search", id="start", variant="success", disabled=True)

    def _compose_searchers(self) -> ComposeResult:
        """The searchers' column: same-sex authorised staff, then any under the exception."""
        with Vertical(id="searchers", classes="column"):
            yield Static("Searcher (authorised, same sex)", classes="heading")
            for n in self.lawful_searchers:
                yield Button(label(self.staff[n].name), id=f"searcher-{n}", classes="choice")
            if not self.lawful_searchers:
                yield Static("Nobody on duty meets the rule.", classes="none")
            if self.exception_searchers:
                yield Static("Only under the urgent exception:", classes="heading")
                for n in self.exception_searchers:
                    yield Button(label(self.staff[n].name), id=f"searcher-{n}", classes="choice")

    def _compose_witnesses(self) -> ComposeResult:
        """The witnesses' column: staff in the rule's order, a named adult, or (under the
        exception) nobody."""
        with Vertical(id="witnesses", classes="column"):
            yield Static("Witness (another member of staff)", classes="heading")
            for n in self.witness_order:
                yield Button(label(self.staff[n].name), id=f"witness-{n}", classes="choice")
            yield Button(
                "Family member or appropriate adult (significant risk)",
                id=f"witness-{ADULT_WITNESS}",
                classes="choice",
            )
            if self.needs_exception:
                yield Button(
                    "No witness (urgent exception)",
                    id=f"witness-{NO_WITNESS}",
                    classes="choice",
                )

    def _compose_adult(self) -> ComposeResult:
        """R6: the adult who witnesses instead of staff, shown once chosen."""
        with Vertical(id="adult"):
            yield Static(
                "A witness who is not a member of staff: a family member (preferably) or an "
                "appropriate adult, of the learner's sex where possible",
                classes="heading",
            )
            yield ConditionBox(
                "The risk is significant: this adult witnesses instead of a member of staff",
                id="significant-risk",
            )
            yield Input(placeholder="Their full name", id="adult-name")
            with Horizontal(id="relations"):
                for n, relation in enumerate(WITNESS_RELATIONS):
                    yield TouchKey(relation, id=f"relation-{n}")
            yield Input(placeholder="Relation to the learner", id="adult-relation")

    def _compose_exception(self) -> ComposeResult:
        """The urgent exception: both conditions and the written reason."""
        with Vertical(id="exception"):
            yield Static("The urgent exception: both must be true", classes="heading")
            yield ConditionBox("Risk of serious harm if not searched urgently", id="serious-harm")
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
                "The designated safeguarding lead will be told that the exception was used.",
                id="dsl-note",
            )

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

    def _adult(self) -> AppropriateAdult | None:
        if self.witness != ADULT_WITNESS:
            return None
        return AppropriateAdult(
            name=" ".join(self.query_one("#adult-name", Input).value.split()),
            relation=" ".join(self.query_one("#adult-relation", Input).value.split()),
            significant_risk=self.query_one("#significant-risk", Checkbox).value,
        )

    def _witnessed(self) -> bool:
        """A witness is chosen: another member of staff, or a named adult as the rule asks."""
        if self.witness is None or self.witness == self.searcher or self.witness == NO_WITNESS:
            return False
        adult = self._adult()
        return adult is None or not adult_witness_problems(adult)

    def _lawful(self) -> bool:
        """The normal rule is met: a same-sex authorised searcher, and a witness."""
        return self.searcher in self.lawful_searchers and self._witnessed()

    def _ready(self) -> bool:
        if self.searcher is None or self.witness is None or self.witness == self.searcher:
            return False
        if self._lawful():
            return True
        if self.witness == ADULT_WITNESS and not self._witnessed():
            return False
        exception = self._exception()
        if exception is None:
            return False
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
        self.query_one("#adult").display = self.witness == ADULT_WITNESS
        if self.needs_exception:
            # Met by a named adult witness and a same-sex searcher, the rule needs no exception.
            self.query_one("#exception").display = not self._lawful()
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
            self.witness = key if key in (NO_WITNESS, ADULT_WITNESS) else int(key)
            if key == ADULT_WITNESS:
                self.query_one("#adult-name", Input).focus()
            self._refresh()
        elif kind == "relation":
            self.query_one("#adult-relation", Input).value = WITNESS_RELATIONS[int(key)]
            self._refresh()

    def _start(self) -> None:
        if not self._ready() or self.searcher is None:
            return
        witness = self.staff[self.witness] if isinstance(self.witness, int) else None
        self.dismiss(
            SearchSetup(
                searcher_staff_id=self.staff[self.searcher].staff_id,
                witness_staff_id=witness.staff_id if witness else None,
                exception=None if self._lawful() else self._exception(),
                witness_adult=self._adult(),
            )
        )
