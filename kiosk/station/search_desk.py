"""A learner's search at the desk: who may search and witness, the record, and the DSL told
at once of a serious incident."""

from __future__ import annotations

from kiosk.domain.items import categories_for
from kiosk.door.searches import SearchForm, SearchNotAllowed, who_may_search
from kiosk.notify.send import SendReport, send_dsl_now
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.screens.search_setup import SearchSetupScreen
from kiosk.screens.text import plain
from kiosk.station.host import DeskHost
from kiosk.station.lane_front import LaneFront
from kiosk.station.staff_session import StaffSession
from kiosk.views.desk import SearchRecorded, SearchSetup
from kiosk.views.lane import LaneRow
from records.models import LearnerRecord


def tell_dsl_now(host: DeskHost) -> None:
    """A serious incident goes to the DSL at once, not on the timer's next round; on a
    thread of its own so the lane never waits for the mail server. What is not delivered
    stays in the outbox, shown to the office, and the timer tries again."""
    sessions, config, now = host.book.sessions, host.config.notify, host.clock()

    def send() -> SendReport:
        return send_dsl_now(sessions, config, now=now)

    def sent(report: SendReport) -> None:
        if report.failed or report.no_address:
            host.notify(
                "The DSL has not been told yet: the message waits in the outbox. "
                "Tell the DSL in person.",
                title="DSL not told",
                severity="warning",
            )

    host.read(send, sent)


class SearchDesk:
    """The search's two screens (set up, then record), saved through the lane."""

    def __init__(self, host: DeskHost, staff: StaffSession, lane: LaneFront) -> None:
        self.host = host
        self.staff = staff
        self.lane = lane

    async def search(self, row: LaneRow) -> None:
        """Set up (who searches, who witnesses), record, save: a step of the learner's desk."""
        with self.host.book.reads() as db:
            requirement = who_may_search(
                db,
                row.learner_id,
                self.staff.duty.staff_ids,
                today=self.staff.today(),
                training=self.host.config.policy.training,
            )
            learner = db.get_one(LearnerRecord, row.learner_id)
            year, sen = learner.year_group, learner.sen
        # Age, ability and SEND are considered before and during the search (reasonable
        # adjustments): the searcher sees them on the record.
        note = f"Year {year or '?'}" + (
            " · SEND: make reasonable adjustments" if sen else " · no SEND recorded"
        )
        categories = categories_for(self.host.config.policy.school_rules_items)

        setup = await self.staff.ask(
            SearchSetupScreen(row.first_name, requirement, self.staff.duty.members)
        )
        self.staff.touch()
        if setup is None:
            return
        recorded = await self.staff.ask(
            SearchRecordScreen(row.first_name, setup, categories, learner_note=note)
        )
        self.staff.touch()
        if recorded is not None:
            await self._save(self._form(row, setup, recorded))

    @staticmethod
    def _form(row: LaneRow, setup: SearchSetup, recorded: SearchRecorded) -> SearchForm:
        return SearchForm(
            learner_id=row.learner_id,
            searcher_staff_id=setup.searcher_staff_id,
            witness_staff_id=setup.witness_staff_id,
            level=recorded.level,
            place=recorded.place,
            grounds=recorded.grounds,
            sought=recorded.sought,
            outcome=recorded.outcome,
            items=recorded.items,
            parent_informed=recorded.parent_informed,
            parent_informed_how=recorded.parent_informed_how,
            parent_not_informed_reason=recorded.parent_not_informed_reason,
            dsl_told_by_recorder=recorded.dsl_informed,
            exception=setup.exception,
            consent=recorded.consent,
            physical_intervention=recorded.physical_intervention,
            adjustments=recorded.adjustments,
            witness_adult=setup.witness_adult,
        )

    async def _save(self, form: SearchForm) -> None:
        operator, at, keeper = self.staff.by(), self.host.clock(), self.host.keeper
        result = await self.staff.written(lambda: keeper.record_search(form, at=at, by=operator))
        if isinstance(result, SearchNotAllowed):
            self.host.notify(
                plain("\n".join(result.reasons)), title="Search not recorded", severity="error"
            )
            return
        self.lane.apply(result)
        self.host.notify("Search recorded.", title="Saved")
        tell_dsl_now(self.host)


__all__ = ["SearchDesk", "tell_dsl_now"]
