"""The office screen: this morning so far, phones to hand back, the outbox, exports, and, for
the safeguarding lead only, today's searches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Input,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)

from kiosk.screens.keyboard import OnScreenKeyboard
from kiosk.screens.text import TextCell, cells
from kiosk.views.office import (
    OfficeAction,
    OfficeActionKind,
    OfficeLearnerRow,
    OfficePhoneRow,
    OfficeView,
)

_BARS = " ▁▂▃▄▅▆▇█"
_EIGHTHS = " ▏▎▍▌▋▊▉"  # a horizontal bar's last part, in eighths of a cell


@dataclass
class ExportRequested(Message):
    """Staff asked for an export into `folder`; the app writes it and reports progress."""

    kind: str  # "attendance" | "searches"
    folder: str


def arrivals_chart(view: OfficeView, width: int = 30) -> str:
    """One line per five minutes, "08:35 ██████▌ 12": a bar for each bin, its number beside it
    (a sparkline of every minute drew as a solid block at the panel's width)."""
    bins = view.arrivals_per_five()
    top = max((count for _, count in bins), default=0) or 1
    lines = []
    for at, count in bins:
        eighths = round(count / top * width * 8)
        bar = "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")
        lines.append(f"{at} {bar} {count}")
    return "\n".join(lines)


def weeks_bar(counts: tuple[int, ...]) -> str:
    """Late marks per week as a little bar chart, oldest week first."""
    top = max(counts, default=0) or 1
    return "".join(_BARS[round(c / top * (len(_BARS) - 1))] if c else "·" for c in counts)


# The phone tab's buttons and what each asks of the desk: earphones seen in use are their own
# confiscation (R33), refused by the desk for a learner the roster permits them.
_PHONE_ACTIONS: dict[str | None, OfficeActionKind] = {
    kind.replace("_", "-"): kind for kind in OfficeActionKind
}


def _held_as(phone: OfficePhoneRow) -> str:
    """The row's last column: what is held for a confiscation ("earphones" named), else blank."""
    if not phone.confiscated:
        return ""
    return "confiscated" if phone.item == "phone" else f"{phone.item}, confiscated"


class OfficeScreen(Screen[OfficeAction | None]):
    CSS_PATH = Path(__file__).with_suffix(".tcss")

    def __init__(self, view: OfficeView, export_folder: str, message: str = "") -> None:
        """`message`: what the last step did (a phone confiscated and its escalation)."""
        super().__init__()
        self.view = view
        self.export_folder = export_folder
        self.message = message

    def compose(self) -> ComposeResult:
        view = self.view
        yield Static(
            f"Office · {view.day} · in {len(view.arrived)} · not in yet {len(view.not_in)}"
            f" · late {len(view.lates)} · refused {len(view.refusals)}",
            id="title",
            markup=False,
        )
        if self.message:
            yield Static(self.message, id="message", markup=False)
        with TabbedContent(initial="phones" if self.message else "morning"):
            with TabPane("This morning", id="morning"), VerticalScroll():
                yield Static(
                    "Arrivals per five minutes" if view.arrivals_per_minute else "No arrivals yet.",
                    id="chart-label",
                )
                yield Static(arrivals_chart(view), id="arrivals-chart", markup=False)
                yield Static("Not in yet", classes="heading")
                yield self._learners("not-in", view.not_in, late=False)
                yield Static("Late (last 6 weeks on the right)", classes="heading")
                yield self._learners("lates", view.lates, late=True)
                yield Static("Refused: not admitted (O)", classes="heading")
                yield self._learners("refusals", view.refusals, late=False)
            with TabPane(f"Phones ({len(view.phones)})", id="phones"):
                yield self._phones(view.phones)
                yield Input(
                    placeholder="Envelope (confiscating) or parent's name (collecting)",
                    id="phone-text",
                )
                with Horizontal(classes="row"):
                    yield Button("Returned", id="return-phone", variant="primary")
                    yield Button("Take phone", id="confiscate-phone")
                    yield Button("Take earphones", id="confiscate-earphones")
                    yield Button("To a parent", id="parent-collected")
            if view.is_dsl:
                with TabPane(f"Searches ({len(view.searches)})", id="searches"):
                    searches: DataTable[TextCell] = DataTable(id="searches-table")
                    searches.add_columns(
                        "Time", "Learner", "Searcher", "Witness", "Level", "Outcome", "Exception"
                    )
                    for s in view.searches:
                        searches.add_row(
                            *cells(s.time, s.learner, s.searcher, s.witness, s.level, s.outcome,
                                   s.exception_reason or "-"),
                        )  # fmt: skip
                    yield searches
                    used = sum(1 for s in view.searches if s.exception_reason)
                    yield Static(
                        f"The search exception was used {used} time(s) today."
                        if used
                        else "The search exception was not used today.",
                        id="exceptions",
                    )
            with TabPane(f"Outbox ({len(view.outbox)})", id="outbox"):
                yield Static(
                    "\n".join(view.outbox) or "Nothing waiting.", id="outbox-list", markup=False
                )
            with TabPane("Export", id="export"):
                yield Static("Folder (a USB stick is usually under /media):")
                yield Input(self.export_folder, id="folder")
                with Horizontal(classes="row"):
                    yield Button("Export today's marks", id="export-attendance")
                    if view.is_dsl:
                        yield Button("Export today's search log", id="export-searches")
                yield ProgressBar(id="progress", show_eta=False)
                yield Static("", id="export-result", markup=False)
        yield Button("Close", id="close")
        yield OnScreenKeyboard(id="keyboard")

    def on_mount(self) -> None:
        # Until an export is asked for there is no progress to show: an empty bar would only
        # pulse, and say nothing.
        self.query_one("#progress", ProgressBar).display = False

    @staticmethod
    def _phones(phones: tuple[OfficePhoneRow, ...]) -> DataTable[TextCell]:
        """Phones held, a row per learner to act on; earphones confiscated are named."""
        table: DataTable[TextCell] = DataTable(id="phones-table", cursor_type="row")
        table.add_columns("Slot", "Learner", "Reg", "In at", "")
        for n, phone in enumerate(phones):
            table.add_row(
                *cells(phone.slot, phone.name, phone.reg_group, phone.handed_in, _held_as(phone)),
                key=f"{phone.learner_id}:{n}",
            )
        return table

    @staticmethod
    def _learners(
        table_id: str, rows: tuple[OfficeLearnerRow, ...], *, late: bool
    ) -> DataTable[TextCell]:
        table: DataTable[TextCell] = DataTable(id=table_id, show_cursor=False)
        if late:
            table.add_columns("Learner", "Reg", "Mark", "Minutes", "Reason", "Weeks")
            for r in rows:
                table.add_row(
                    *cells(r.name, r.reg_group, r.code, str(r.minutes_late), r.comment,
                           weeks_bar(r.late_weeks)),
                )  # fmt: skip
        else:
            table.add_columns("Learner", "Reg", "Mark", "Comment")
            for r in rows:
                table.add_row(*cells(r.name, r.reg_group, r.code or "-", r.comment))
        table.styles.height = len(rows) + 1
        return table

    def _open(self) -> bool:
        """Still on the app's screen stack: a closed screen's widgets are gone."""
        return self.is_attached and self in self.app.screen_stack

    def export_progress(self, done: int, total: int) -> None:
        """Called by the app while an export is written (the screen may have closed since)."""
        if not self._open():
            return
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=total, progress=done)

    def export_finished(self, message: str) -> None:
        if self._open():
            self.query_one("#export-result", Static).update(message)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id
        folder = self.query_one("#folder", Input).value.strip()
        if button == "close":
            self.dismiss(None)
        elif button in _PHONE_ACTIONS:
            table = self.query_one("#phones-table", DataTable)
            if table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                text = self.query_one("#phone-text", Input).value.strip()
                learner_id = int((key or "0").split(":")[0])
                self.dismiss(OfficeAction(_PHONE_ACTIONS[button], learner_id=learner_id, text=text))
        elif button == "export-attendance":
            self.post_message(ExportRequested("attendance", folder))
        elif button == "export-searches":
            self.post_message(ExportRequested("searches", folder))
