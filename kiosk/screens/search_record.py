"""Recording a search: its scope, level, place, grounds, what was sought and found, who was told."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Select, Static

from kiosk.domain.items import Disposition, ItemCategory, check_disposition, item_rule
from kiosk.domain.search import SEARCH_REMINDERS, SEARCH_SCOPE, SearchLevel
from kiosk.domain.search_record import PARENT_TOLD_HOW, Consent
from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.keypad import TouchKey, TouchScreen
from kiosk.views.desk import ItemEntry, SearchRecorded, SearchSetup

# The usual grounds, one touch each; anything else is written on the keyboard.
GROUNDS_PRESETS: tuple[str, ...] = (
    "arch alarm",
    "wand alarm",
    "item seen",
    "information received",
    "smell of cannabis",
    "behaviour",
)


def _dsl_must_know(
    setup: SearchSetup, items: Sequence[ItemEntry], force: str = ""
) -> tuple[str, ...]:
    """Why the designated safeguarding lead must be told, if they must."""
    why: list[str] = []
    if setup.exception is not None:
        why.append("the urgent exception was used")
    if force.strip():
        why.append("physical intervention was used")
    for item in items:
        if item.disposition is Disposition.POLICE:
            why.append(f"{item.category.label} handed to the police")
        elif item_rule(item.category).notify_dsl:
            why.append(f"{item.category.label} found")
    return tuple(dict.fromkeys(why))


class SearchRecordScreen(TouchScreen[SearchRecorded | None]):
    """The search record form; Save dismisses with SearchRecorded, Cancel with None."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(
        self,
        learner_first_name: str,
        setup: SearchSetup,
        categories: Sequence[ItemCategory],
        grounds_presets: Sequence[str] = GROUNDS_PRESETS,
        learner_note: str = "",
    ) -> None:
        """`learner_note`: the learner's year group and SEND flag, for reasonable adjustments."""
        super().__init__()
        self.learner_note = learner_note
        self.grounds_presets = tuple(grounds_presets)
        self.learner_first_name = learner_first_name
        self.setup = setup
        self.categories = tuple(categories)
        self.items: dict[int, ItemEntry] = {}
        self._next_item = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Static(f"Search of {self.learner_first_name}: scope", id="title", markup=False)
            yield Static("\n".join(f"• {line}" for line in SEARCH_SCOPE), id="scope")
            yield Static("\n".join(f"• {line}" for line in SEARCH_REMINDERS), id="reminders")
            if self.learner_note:
                yield Static(self.learner_note, id="learner-note", markup=False)
                yield Input(placeholder="Adjustments made (age, SEND)", id="adjustments")
            adult = self.setup.witness_adult
            if adult is not None:
                # R6: the record says who witnessed, and that they are not a member of staff.
                yield Static(
                    f"Witness: {adult.name} ({adult.relation}), not a member of staff; "
                    "the risk is significant.",
                    id="witness-note",
                    markup=False,
                )
            if self.setup.exception is not None:
                yield Static(
                    f"Urgent exception used: {self.setup.exception.reason}",
                    id="exception-note",
                    markup=False,
                )
            yield Static("Level", classes="label")
            with RadioSet(id="level"):
                for level in SearchLevel:
                    yield RadioButton(
                        level.value, id=f"level-{level.value}", value=level is SearchLevel.LOW
                    )
            yield Input(placeholder="Place, away from other learners (required)", id="place")
            yield Static("Consent (required)", classes="label")
            with RadioSet(id="consent"):
                yield RadioButton("consents", id="consent-yes")
                yield RadioButton("does not consent (law's items only)", id="consent-no")
            yield Static("Grounds (required)", classes="label")
            with Grid(classes="presets"):
                for n, text in enumerate(self.grounds_presets):
                    yield TouchKey(text, id=f"grounds-{n}")
            yield Input(placeholder="Grounds for the search (required)", id="grounds")
            yield Static("What was sought (required)", classes="label")
            with Grid(classes="presets"):
                for n, category in enumerate(self.categories):
                    yield TouchKey(category.label, id=f"sought-{n}")
            yield Input(placeholder="What was sought (required)", id="sought")
            yield Input(placeholder="Outcome", id="outcome")
            yield Static("Items found", classes="label")
            with Horizontal(classes="item-row"):
                yield Select(
                    [(c.label, c) for c in self.categories],
                    prompt="Category",
                    id="item-category",
                )
                yield Input(placeholder="Description", id="item-description")
            with Horizontal(classes="item-row"):
                yield Select[Disposition]([], prompt="What becomes of it", id="item-disposition")
                yield Input(placeholder="Police reference", id="item-police-ref")
                yield Input(placeholder="Reason", id="item-reason")
                yield Button("Add item", id="add-item", disabled=True)
            yield Static("", id="item-rule", markup=False)
            yield Vertical(id="items")
            yield Input(
                placeholder="Physical intervention used: what, by whom, why (blank if none)",
                id="force",
            )
            yield Checkbox("Parent informed", id="parent-informed")
            with RadioSet(id="parent-how"):
                for n, how in enumerate(PARENT_TOLD_HOW):
                    yield RadioButton(how, id=f"parent-how-{n}")
            yield Input(placeholder="Not told yet: why (optional)", id="parent-why-not")
            yield Static("", id="dsl-why", markup=False)
            yield Checkbox("I have told the DSL myself", id="dsl-informed")
        with Vertical(id="foot"):
            yield OnScreenKeyboard(id="keyboard")
            with Horizontal(id="actions"):
                yield Button("Cancel", id="cancel", variant="error")
                yield Button("Save search record", id="save", variant="success", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#item-police-ref", Input).display = False
        self._refresh()

    def _text(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def _category(self) -> ItemCategory | None:
        value = self.query_one("#item-category", Select).value
        return value if isinstance(value, ItemCategory) else None

    def _disposition(self) -> Disposition | None:
        value = self.query_one("#item-disposition", Select).value
        return value if isinstance(value, Disposition) else None

    def _draft(self) -> ItemEntry | None:
        """The item in the add row, if the rules allow it as it stands."""
        category, disposition = self._category(), self._disposition()
        description = self._text("#item-description")
        if category is None or disposition is None or not description:
            return None
        police_reference = self._text("#item-police-ref")
        reason = self._text("#item-reason")
        if not check_disposition(
            category,
            disposition,
            police_reference=police_reference,
            reason=reason,
            description=description,
        ).allowed:
            return None
        return ItemEntry(
            category,
            description,
            disposition,
            police_reference=police_reference if disposition is Disposition.POLICE else "",
            reason=reason,
        )

    def _consent(self) -> Consent | None:
        pressed = self.query_one("#consent", RadioSet).pressed_button
        if pressed is None:
            return None
        return Consent.YES if pressed.id == "consent-yes" else Consent.NO

    def _parent_how(self) -> str:
        pressed = self.query_one("#parent-how", RadioSet).pressed_button
        if pressed is None or not pressed.id:
            return ""
        return PARENT_TOLD_HOW[int(pressed.id.removeprefix("parent-how-"))]

    def _refresh(self) -> None:
        self.query_one("#add-item", Button).disabled = self._draft() is None
        why = _dsl_must_know(self.setup, tuple(self.items.values()), self._text("#force"))
        # Never ticked for staff: the record says "told" when the message is delivered, or
        # when the member of staff saving it says they told the DSL themselves.
        self.query_one("#dsl-why", Static).update(
            f"The DSL must be told: {'; '.join(why)}. A message goes to the DSL now; the "
            "record says told when it is delivered."
            if why
            else ""
        )
        informed = self.query_one("#parent-informed", Checkbox).value
        self.query_one("#parent-how", RadioSet).display = informed
        self.query_one("#parent-why-not", Input).display = not informed
        ready = (
            bool(self._text("#place"))
            and bool(self._text("#grounds"))
            and bool(self._text("#sought"))
            and self._consent() is not None
            and (not informed or bool(self._parent_how()))
        )
        self.query_one("#save", Button).disabled = not ready

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "item-category":
            category = self._category()
            dispositions = self.query_one("#item-disposition", Select)
            if category is None:
                dispositions.set_options([])
                self.query_one("#item-rule", Static).update("")
            else:
                rule = item_rule(category)
                dispositions.set_options([(str(d), d) for d in rule.allowed])
                dispositions.value = rule.default
                self.query_one("#item-rule", Static).update(" ".join(rule.reasons))
        police = self._disposition() is Disposition.POLICE
        self.query_one("#item-police-ref", Input).display = police
        self._refresh()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refresh()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter must not save a half-written record.

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._refresh()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self._refresh()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id == "cancel":
            self.dismiss(None)
        elif button_id == "save":
            self._save()
        elif button_id.startswith(("grounds-", "sought-")):
            self._add_preset(button_id)
        elif button_id == "add-item":
            self._add_item()
        elif button_id.startswith("remove-"):
            number = int(button_id.removeprefix("remove-"))
            self.items.pop(number, None)
            self.query_one(f"#item-{number}").remove()
            self._refresh()

    def _add_preset(self, button_id: str) -> None:
        """A preset touched is added to what the box already says (grounds are often several)."""
        field, _, number = button_id.partition("-")
        if field == "grounds":
            text = self.grounds_presets[int(number)]
        else:
            text = self.categories[int(number)].label
        box = self.query_one(f"#{field}", Input)
        parts = [p.strip() for p in box.value.split(";") if p.strip()]
        if text not in parts:
            box.value = "; ".join([*parts, text])
        self._refresh()

    def _add_item(self) -> None:
        item = self._draft()
        if item is None:
            return
        number = self._next_item
        self._next_item += 1
        self.items[number] = item
        text = f"{item.category.label}: {item.description} ({item.disposition})"
        if item.police_reference:
            text += f", police ref {item.police_reference}"
        if item.reason:
            text += f", reason: {item.reason}"
        self.query_one("#items", Vertical).mount(
            Horizontal(
                Static(text, classes="item-text", markup=False),
                Button("Remove", id=f"remove-{number}", variant="error"),
                id=f"item-{number}",
                classes="item",
            )
        )
        for selector in ("#item-description", "#item-police-ref", "#item-reason"):
            self.query_one(selector, Input).value = ""
        self.query_one("#item-category", Select).clear()
        self._refresh()

    def _save(self) -> None:
        if self.query_one("#save", Button).disabled:
            return
        grounds, sought = self._text("#grounds"), self._text("#sought")
        informed = self.query_one("#parent-informed", Checkbox).value
        pressed = self.query_one("#level", RadioSet).pressed_button
        level_id = pressed.id if pressed is not None and pressed.id else "level-low"
        level = SearchLevel(level_id.removeprefix("level-"))
        self.dismiss(
            SearchRecorded(
                level=level,
                place=self._text("#place"),
                grounds=grounds,
                sought=sought,
                outcome=self._text("#outcome"),
                items=tuple(self.items.values()),
                parent_informed=informed,
                dsl_informed=self.query_one("#dsl-informed", Checkbox).value,
                consent=self._consent(),
                physical_intervention=self._text("#force"),
                adjustments=self._text("#adjustments") if self.learner_note else "",
                parent_informed_how=self._parent_how() if informed else "",
                parent_not_informed_reason="" if informed else self._text("#parent-why-not"),
            )
        )
