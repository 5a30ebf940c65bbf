"""The office at the kiosk: the day's lists, a phone returned, confiscated or collected by a
parent, the fire roll, and learners signed out or collected; for office staff and the DSL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from kiosk.domain.phones import ConfiscatedItem
from kiosk.exports import record_search_log_read
from kiosk.office.collection import CollectionError, awaiting_collection, record_collected
from kiosk.office.overview import school_office_view
from kiosk.office.roll import school_roll
from kiosk.office.signout import SignOutError, sign_out
from kiosk.phones.desk import (
    PhoneDeskError,
    confiscate_phone,
    phone_collected_by_parent,
    return_phone,
)
from kiosk.screens.office import OfficeScreen
from kiosk.screens.roll import RollScreen
from kiosk.screens.sign_out import SignOutScreen
from kiosk.screens.text import plain
from kiosk.station.host import DeskHost
from kiosk.station.staff_session import OFFICE_ROLES, StaffSession
from kiosk.views.office import OfficeAction, OfficeActionKind, OfficeView
from kiosk.views.on_site import AwaitingCollection, ParentCollected, Roll, SignOutChosen


class OfficeDesk:
    """The office screen and what it leads to; every write in its own transaction."""

    def __init__(self, host: DeskHost, staff: StaffSession) -> None:
        self.host = host
        self.staff = staff

    def show_office(self) -> None:
        """The office screen; search detail only for the designated safeguarding lead."""
        self.staff.flow(self._office())

    async def _office(self) -> None:
        """The office screen, again after each step, until staff close it."""
        message = ""
        while self.staff.operator_has(*OFFICE_ROLES):
            view = await self._office_view()
            action = await self.staff.ask(OfficeScreen(view, self.host.export_folder, message))
            self.staff.touch()
            if action is None:
                self.staff.show_lane()
                return
            message = await self._office_step(action)
        self.host.back_to_idle()

    async def _office_view(self) -> OfficeView:
        config, now, is_dsl = self.host.config, self.host.clock(), self.staff.operator_is_dsl

        def read() -> OfficeView:
            with self.host.book.reads() as db:
                return school_office_view(db, config=config, now=now, is_dsl=is_dsl)

        view = await self.staff.read(read)
        if not view.searches:
            return view
        # R35: the day's searches reach the screen only once the read is recorded.
        day, operator = now.astimezone(config.school.zone).date(), self.staff.by()

        def recorded() -> OfficeView:
            with self.host.book.sessions.begin() as db:
                record_search_log_read(
                    db,
                    at=now,
                    by=operator,
                    first=day,
                    last=day,
                    where="the kiosk's office screen",
                    rows=len(view.searches),
                )
            return view

        return await self.staff.written(recorded)

    async def _office_step(self, action: OfficeAction) -> str:
        """A phone desk step in its own transaction on the writer: what the office then says."""
        learner_id, text = action.learner_id, action.text
        at, operator = self.host.clock(), self.staff.by()
        zone = self.host.config.school.zone
        if learner_id is None:
            return ""
        if action.kind == OfficeActionKind.RETURN_PHONE:
            day = at.astimezone(zone).date()

            def step(db: Session) -> str:
                back = return_phone(db, learner_id, day=day, at=at, by=operator)
                return f"Returned from slot {back.slot or '-'}."

            return await self._phone_job(step, "Not returned")
        if action.kind in (
            OfficeActionKind.CONFISCATE_PHONE,
            OfficeActionKind.CONFISCATE_EARPHONES,
        ):
            # A phone or earphones seen in use during the day: confiscated (earphones only
            # from a learner the roster does not permit them, R33), the escalation in words.
            item = (
                ConfiscatedItem.EARPHONES
                if action.kind == OfficeActionKind.CONFISCATE_EARPHONES
                else ConfiscatedItem.PHONE
            )

            def step(db: Session) -> str:
                outcome = confiscate_phone(
                    db, learner_id, at=at, by=operator, zone=zone, slot=text, item=item
                )
                return " ".join(outcome.said)

            return await self._phone_job(step, "Not confiscated")
        if action.kind == OfficeActionKind.PARENT_COLLECTED:

            def step(db: Session) -> str:
                done = phone_collected_by_parent(
                    db, learner_id, at=at, collected_by=text, by=operator
                )
                return f"Collected by {done.collected_by}."

            return await self._phone_job(step, "Not recorded")
        return ""

    async def _phone_job(self, job: Callable[[Session], str], failed_title: str) -> str:
        def run() -> tuple[bool, str]:
            try:
                with self.host.book.sessions.begin() as db:
                    return True, job(db)
            except PhoneDeskError as exc:
                return False, str(exc)

        ok, message = await self.staff.written(run)
        if ok:
            self.host.notify(plain(message), title="Saved")
            return message
        self.host.notify(plain(message), title=failed_title, severity="error")
        return f"{failed_title}: {message}"

    def show_roll(self) -> None:
        """The fire roll: who is on site now, by registration group."""
        self.staff.flow(self._roll())

    async def _roll(self) -> None:
        while True:
            # The whole school's from the hub where there is one (which may take a moment,
            # so never on the UI thread), else this door's record.
            roll = await self.staff.read(partial(self._read_roll, self.host.clock()))
            choice = await self.staff.ask(RollScreen(roll))
            self.staff.touch()
            if choice != "refresh":
                break
        self.staff.show_lane()

    def show_sign_out(self) -> None:
        """A learner leaving early is signed out, with a reason, so the roll stays right; any
        learner on site, whichever door they came in by. A learner not admitted because
        suspected under the influence is listed too, until a parent or carer collects them."""
        self.staff.flow(self._sign_out())

    async def _sign_out(self) -> None:
        """The list until a learner is signed out or collected, or staff close it."""
        message = ""
        while True:
            roll, awaiting = await self.staff.read(partial(self._read_leaving, self.host.clock()))
            choice = await self.staff.ask(SignOutScreen(roll, message, awaiting))
            self.staff.touch()
            if choice is None:
                break
            if isinstance(choice, ParentCollected):
                message = await self._collected(choice)
            else:
                message = await self._signed_out(choice)
            if not message:
                break
        self.staff.show_lane()

    def _read_roll(self, now: datetime) -> Roll:
        with self.host.book.reads() as db:
            return school_roll(db, config=self.host.config, now=now)

    def _read_leaving(self, now: datetime) -> tuple[Roll, list[AwaitingCollection]]:
        """Who is on site to sign out, and who waits to be collected."""
        zone = self.host.config.school.zone
        with self.host.book.reads() as db:
            return (
                school_roll(db, config=self.host.config, now=now),
                awaiting_collection(db, day=now.astimezone(zone).date(), zone=zone),
            )

    async def _signed_out(self, choice: SignOutChosen) -> str:
        """Signed out, or what stopped it."""
        config, at, operator = self.host.config, self.host.clock(), self.staff.by()

        def job() -> str:
            try:
                with self.host.book.sessions.begin() as db:
                    sign_out(
                        db,
                        choice.learner_id,
                        at=at,
                        reason=choice.reason,
                        by=operator,
                        school=config.school,
                    )
            except SignOutError as exc:
                return str(exc)
            return ""

        problem = await self.staff.written(job)
        if not problem:
            self.host.notify("Signed out.", title="Saved")
        return problem

    async def _collected(self, choice: ParentCollected) -> str:
        """R28: a parent or carer collected a learner not admitted: who, when, handed over by
        whom. Saved, or what stopped it."""
        at, operator = self.host.clock(), self.staff.by()
        zone = self.host.config.school.zone

        def job() -> tuple[bool, str]:
            try:
                with self.host.book.sessions.begin() as db:
                    done = record_collected(
                        db,
                        choice.refusal_id,
                        choice.collected_by,
                        at=at,
                        by=operator,
                        zone=zone,
                    )
            except CollectionError as exc:
                return False, str(exc)
            return True, f"{done.learner} collected by {done.collected_by} at {done.at}."

        saved, message = await self.staff.written(job)
        if not saved:
            return message
        self.host.notify(plain(message), title="Saved")
        return ""


__all__ = ["OfficeDesk"]
