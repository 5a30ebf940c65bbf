"""The office at the kiosk: the day's lists, a phone returned, confiscated or collected by a
parent, the fire roll, and learners signed out or collected; for office staff and the DSL."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from kiosk.collection import CollectionError, awaiting_collection, record_collected
from kiosk.domain.phones import ConfiscatedItem
from kiosk.exports import record_search_log_read
from kiosk.office import school_office_view
from kiosk.on_site import AwaitingCollection, ParentCollected, Roll, SignOutChosen
from kiosk.phones_desk import (
    PhoneDeskError,
    confiscate_phone,
    phone_collected_by_parent,
    return_phone,
)
from kiosk.roll import school_roll
from kiosk.screens.office import OfficeScreen
from kiosk.screens.roll import RollScreen
from kiosk.screens.sign_out import SignOutScreen
from kiosk.screens.text import plain
from kiosk.signout import SignOutError, sign_out
from kiosk.station.host import DeskHost
from kiosk.station.staff_session import OFFICE_ROLES, StaffSession
from kiosk.views import OfficeAction, OfficeView


class OfficeDesk:
    """The office screen and what it leads to; every write in its own transaction."""

    def __init__(self, host: DeskHost, staff: StaffSession) -> None:
        self.host = host
        self.staff = staff

    def show_office(self, message: str = "") -> None:
        """The office screen; search detail only for the designated safeguarding lead."""
        if not self.staff.operator_has(*OFFICE_ROLES):
            self.host.back_to_idle()
            return
        config, now, is_dsl = self.host.config, self.host.clock(), self.staff.operator_is_dsl

        def read() -> OfficeView:
            with self.host.book.reads() as db:
                return school_office_view(db, config=config, now=now, is_dsl=is_dsl)

        def acted(action: OfficeAction | None) -> None:
            self.staff.touch()
            if action is None:
                self.staff.show_lane()
                return
            if action.kind == "return_phone" and action.learner_id is not None:
                self._return_phone(action.learner_id)
                return
            if action.kind == "confiscate_phone" and action.learner_id is not None:
                self._confiscate_phone(action.learner_id, action.text)
                return
            if action.kind == "confiscate_earphones" and action.learner_id is not None:
                self._confiscate_phone(action.learner_id, action.text, ConfiscatedItem.EARPHONES)
                return
            if action.kind == "parent_collected" and action.learner_id is not None:
                self._parent_collected(action.learner_id, action.text)
                return
            self.show_office()

        def shown(view: OfficeView) -> None:
            if self.staff.unlocked:  # staff may have signed off while the hub was asked
                self.staff.push(OfficeScreen(view, self.host.export_folder, message), acted)

        def read_recorded(view: OfficeView) -> None:
            """R35: the day's searches reach the screen only once the read is recorded."""
            if not view.searches:
                shown(view)
                return
            day, operator = now.astimezone(config.school.zone).date(), self.staff.operator_id()

            def job() -> OfficeView:
                with self.host.book.sessions.begin() as db:
                    record_search_log_read(
                        db,
                        at=now,
                        by_staff_id=operator,
                        first=day,
                        last=day,
                        where="the kiosk's office screen",
                        rows=len(view.searches),
                    )
                return view

            self.host.submit(job, shown)

        self.host.read(read, read_recorded if is_dsl else shown)

    def _return_phone(self, learner_id: int) -> None:
        at, operator = self.host.clock(), self.staff.operator_id()
        day = at.astimezone(self.host.config.school.zone).date()

        def job(db: Session) -> str:
            back = return_phone(db, learner_id, day=day, at=at, returned_by_staff_id=operator)
            return f"Returned from slot {back.slot or '-'}."

        self._phone_job(job, "Not returned")

    def _phone_job(self, job: Callable[[Session], str], failed_title: str) -> None:
        """A phone desk step in its own transaction on the writer, then the office again."""

        def run() -> tuple[bool, str]:
            try:
                with self.host.book.sessions.begin() as db:
                    return True, job(db)
            except PhoneDeskError as exc:
                return False, str(exc)

        def done(result: tuple[bool, str]) -> None:
            ok, message = result
            if ok:
                self.host.notify(plain(message), title="Saved")
            else:
                self.host.notify(plain(message), title=failed_title, severity="error")
            self.show_office(message if ok else f"{failed_title}: {message}")

        self.host.submit(run, done)

    def _confiscate_phone(
        self, learner_id: int, slot: str, item: ConfiscatedItem = ConfiscatedItem.PHONE
    ) -> None:
        """A phone or earphones seen in use during the day: confiscated (earphones only from a
        learner the roster does not permit them, R33), and the escalation said in words."""
        at, operator, zone = (
            self.host.clock(),
            self.staff.operator_id(),
            self.host.config.school.zone,
        )

        def job(db: Session) -> str:
            outcome = confiscate_phone(
                db, learner_id, at=at, by_staff_id=operator, zone=zone, slot=slot, item=item
            )
            return " ".join(outcome.said)

        self._phone_job(job, "Not confiscated")

    def _parent_collected(self, learner_id: int, collected_by: str) -> None:
        at, operator = self.host.clock(), self.staff.operator_id()

        def job(db: Session) -> str:
            done = phone_collected_by_parent(
                db, learner_id, at=at, collected_by=collected_by, by_staff_id=operator
            )
            return f"Collected by {done.collected_by}."

        self._phone_job(job, "Not recorded")

    def _roll(self, then: Callable[[Roll], object]) -> None:
        """Who is on site now: the whole school's from the hub where there is one (which may
        take a moment, so never on the UI thread), else this door's record."""
        config, now = self.host.config, self.host.clock()

        def read() -> Roll:
            with self.host.book.reads() as db:
                return school_roll(db, config=config, now=now)

        def shown(roll: Roll) -> None:
            if self.staff.unlocked:
                then(roll)

        self.host.read(read, shown)

    def show_roll(self) -> None:
        """The fire roll: who is on site now, by registration group."""

        def closed(choice: str | None) -> None:
            self.staff.touch()
            if choice == "refresh":
                self.show_roll()
            else:
                self.staff.show_lane()

        self._roll(lambda roll: self.staff.push(RollScreen(roll), closed))

    def show_sign_out(self, message: str = "") -> None:
        """A learner leaving early is signed out, with a reason, so the roll stays right; any
        learner on site, whichever door they came in by. A learner not admitted because
        suspected under the influence is listed too, until a parent or carer collects them."""

        def chosen(choice: SignOutChosen | ParentCollected | None) -> None:
            self.staff.touch()
            if choice is None:
                self.staff.show_lane()
                return
            if isinstance(choice, ParentCollected):
                self._collected(choice)
                return
            config, at, operator = self.host.config, self.host.clock(), self.staff.operator_id()

            def job() -> str:
                try:
                    with self.host.book.sessions.begin() as db:
                        sign_out(
                            db,
                            choice.learner_id,
                            at=at,
                            reason=choice.reason,
                            by_staff_id=operator,
                            school=config.school,
                        )
                except SignOutError as exc:
                    return str(exc)
                return ""

            def done(problem: str) -> None:
                if problem:
                    self.show_sign_out(problem)
                else:
                    self.host.notify("Signed out.", title="Saved")
                    self.staff.show_lane()

            self.host.submit(job, done)

        config, now = self.host.config, self.host.clock()

        def read() -> tuple[Roll, list[AwaitingCollection]]:
            with self.host.book.reads() as db:
                day = now.astimezone(config.school.zone).date()
                return (
                    school_roll(db, config=config, now=now),
                    awaiting_collection(db, day=day, zone=config.school.zone),
                )

        def shown(found: tuple[Roll, list[AwaitingCollection]]) -> None:
            if self.staff.unlocked:
                roll, awaiting = found
                self.staff.push(SignOutScreen(roll, message, awaiting), chosen)

        self.host.read(read, shown)

    def _collected(self, choice: ParentCollected) -> None:
        """R28: a parent or carer collected a learner not admitted: who, when, handed over by
        whom; then the lane."""
        at, operator, zone = (
            self.host.clock(),
            self.staff.operator_id(),
            self.host.config.school.zone,
        )

        def job() -> tuple[bool, str]:
            try:
                with self.host.book.sessions.begin() as db:
                    done = record_collected(
                        db,
                        choice.refusal_id,
                        choice.collected_by,
                        at=at,
                        by_staff_id=operator,
                        zone=zone,
                    )
            except CollectionError as exc:
                return False, str(exc)
            return True, f"{done.learner} collected by {done.collected_by} at {done.at}."

        def done(result: tuple[bool, str]) -> None:
            saved, message = result
            if saved:
                self.host.notify(plain(message), title="Saved")
                self.staff.show_lane()
            else:
                self.show_sign_out(message)

        self.host.submit(job, done)


__all__ = ["OfficeDesk"]
