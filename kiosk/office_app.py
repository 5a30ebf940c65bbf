"""The office screens as their own app, for a browser at a desk (`kiosk office` serves it).

Each browser gets its own process running this app (textual-serve starts one per connection):
it reads the school's database and writes through the same use cases as the kiosk (a phone
handed back, a learner signed out). It never opens a reader or a GPIO pin. Exports are
delivered to the browser as downloads, written by the CLI's own CSV writer.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from textual import events
from textual.binding import BindingType

from kiosk.config import Config, ConfigError, config_path, load_config
from kiosk.crash import LogsCrashes, run_app
from kiosk.database import Book, DatabaseError, open_school_book
from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.csvsafe import spreadsheet_safe
from kiosk.domain.people import Role, StaffMember
from kiosk.duty import sign_on
from kiosk.exports import (
    ATTENDANCE_HEADER,
    SEARCH_HEADER,
    ExportError,
    attendance_rows,
    search_rows,
)
from kiosk.mis.credentials import CredentialsError
from kiosk.mis.outbox import PROVIDER_NAMES, outbox_view, round_message
from kiosk.mis.provider import MisError
from kiosk.mis.queue import send_round
from kiosk.office import school_office_view
from kiosk.on_site import Roll, SignOutChosen
from kiosk.phones_desk import PhoneDeskError, return_phone
from kiosk.roll import school_roll
from kiosk.screens.mis_outbox import MisOutboxScreen, MisSendRequested
from kiosk.screens.office import ExportRequested, OfficeScreen
from kiosk.screens.office_home import OfficeChoice, OfficeHomeScreen
from kiosk.screens.office_sign_in import OfficeSignInScreen, SignInRequested
from kiosk.screens.results import MisOutboxView, OfficeAction, OfficeView
from kiosk.screens.roll import RollChoice, RollScreen
from kiosk.screens.sign_out import SignOutScreen
from kiosk.screens.text import plain
from kiosk.signout import SignOutError, sign_out
from records.csvfiles import write_csv
from records.queries import staff_by_staff_id

log = logging.getLogger(__name__)

OFFICE_ROLES = frozenset({Role.OFFICE, Role.DSL})
IDLE_CHECK_SECONDS = 1.0
# The MIS outbox names learners and their marks: for those who may see attendance.
MIS_ROLES = frozenset({Role.OFFICE, Role.DSL})
NOT_RECOGNISED = "Staff id or PIN not recognised."
# The export folder box on the office screen means nothing in a browser: the file downloads.
DOWNLOADS = "(your browser's downloads)"

T = TypeVar("T")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OfficeSignIn:
    """The outcome of signing in at the office: the member of staff, or why not."""

    member: StaffMember | None
    message: str


def office_sign_in(
    sessions: sessionmaker[Session], staff_id: str, pin: str, *, at: datetime
) -> OfficeSignIn:
    """Staff id and PIN, checked as at the kiosk (the same lockout); office and DSL only."""
    with sessions() as session:
        staff = staff_by_staff_id(session, staff_id.strip())
        record_id = None if staff is None or not staff.active else staff.id
    if record_id is None:
        return OfficeSignIn(None, NOT_RECOGNISED)
    outcome = sign_on(sessions, record_id, pin, at=at)
    if not outcome.accepted or outcome.member is None:
        return OfficeSignIn(None, outcome.message)
    if not OFFICE_ROLES & outcome.member.roles:
        return OfficeSignIn(None, "The office is for office staff and the safeguarding lead.")
    return OfficeSignIn(outcome.member, "Signed in.")


class OfficeApp(LogsCrashes[int]):
    """Sign in, then the office's home: the morning, the fire roll, signing a learner out."""

    TITLE = "Office"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(
        self,
        config: Config,
        book: Book,
        *,
        clock: Callable[[], datetime] = _utc_now,
        idle_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.config = config
        self.book = book
        self.clock = clock
        self.member: StaffMember | None = None
        # An office browser left open shows who is in and, to the DSL, the searches: it signs
        # off after the kiosk's idle time with no key or touch, as the kiosk's staff side does.
        self._idle_clock = idle_clock
        self._used_at = idle_clock()

    @property
    def is_dsl(self) -> bool:
        return self.member is not None and Role.DSL in self.member.roles

    def on_mount(self) -> None:
        self.show_sign_in()
        self.set_interval(IDLE_CHECK_SECONDS, self._sign_off_if_idle)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._used_at = self._idle_clock()
        await super().on_event(event)

    def _sign_off_if_idle(self) -> None:
        idle = self._idle_clock() - self._used_at
        limit = self.config.policy.staff_idle_lock_seconds
        if self.member is None or idle < limit:
            return
        log.info("office: %s signed off after %d s with no use", self.member.staff_id, idle)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.show_sign_in("Signed off after a while with no use.")

    def _in_thread(self, job: Callable[[], T], then: Callable[[T], None]) -> None:
        """Database work off the UI thread (a PIN check is slow on purpose); `then` runs back
        on it with the result."""

        def work() -> None:
            result = job()
            self.call_from_thread(then, result)

        self.run_worker(work, thread=True, group="database")

    # --- signing in and out ---------------------------------------------------------------

    def show_sign_in(self, message: str = "") -> None:
        self.member = None
        self.push_screen(OfficeSignInScreen(self.config.school.name, message))

    def on_sign_in_requested(self, request: SignInRequested) -> None:
        screen = self.screen
        at = self.clock()

        def answered(result: OfficeSignIn) -> None:
            if result.member is None:
                if isinstance(screen, OfficeSignInScreen) and screen.is_current:
                    screen.refused(result.message)
                return
            self.member = result.member
            log.info("office: %s signed in", result.member.staff_id)
            screen.dismiss()
            self.show_home()

        self._in_thread(
            lambda: office_sign_in(self.book.sessions, request.staff_id, request.pin, at=at),
            answered,
        )

    def show_home(self) -> None:
        if self.member is None:
            self.show_sign_in()
            return
        may_see_mis = bool(MIS_ROLES & self.member.roles)
        self.push_screen(OfficeHomeScreen(self.member.name, mis=may_see_mis), self._home_chosen)

    def _home_chosen(self, choice: OfficeChoice | None) -> None:
        if choice == "morning":
            self.show_morning()
        elif choice == "roll":
            self.show_roll()
        elif choice == "sign_out":
            self.show_sign_out()
        elif choice == "mis":
            self.show_mis()
        else:
            log.info("office: %s signed off", self.member.staff_id if self.member else "-")
            self.show_sign_in("Signed off.")

    # --- the morning, phones and exports ----------------------------------------------------

    def show_morning(self) -> None:
        now, is_dsl = self.clock(), self.is_dsl

        def read() -> OfficeView:  # the hub may take a moment to answer, or not answer
            with self.book.reads() as session:
                return school_office_view(session, config=self.config, now=now, is_dsl=is_dsl)

        def shown(view: OfficeView) -> None:
            if self.member is not None:
                self.push_screen(OfficeScreen(view, DOWNLOADS), self._morning_acted)

        self._in_thread(read, shown)

    def _morning_acted(self, action: OfficeAction | None) -> None:
        if action is None:
            self.show_home()
        elif action.kind == "return_phone" and action.learner_id is not None:
            self._return_phone(action.learner_id)
        else:
            self.show_morning()

    def _return_phone(self, learner_id: int) -> None:
        at, member = self.clock(), self.member
        if member is None:
            self.show_sign_in()
            return
        day = at.astimezone(self.config.school.zone).date()

        def job() -> tuple[bool, str]:
            try:
                with self.book.sessions.begin() as session:
                    back = return_phone(
                        session, learner_id, day=day, at=at, returned_by_staff_id=member.staff_id
                    )
            except PhoneDeskError as exc:
                return False, str(exc)
            return True, f"Returned from slot {back.slot or '-'}."

        def done(result: tuple[bool, str]) -> None:
            returned, message = result
            self.notify(
                plain(message),
                title="Saved" if returned else "Not returned",
                severity="information" if returned else "error",
            )
            self.show_morning()

        self._in_thread(job, done)

    def on_export_requested(self, request: ExportRequested) -> None:
        """Build the export and hand it to the browser as a download."""
        screen = self.screen
        if self.member is None or not isinstance(screen, OfficeScreen):
            return
        if request.kind == "searches" and not self.is_dsl:
            return  # search detail is for the safeguarding lead only
        now = self.clock()
        school = self.config.school
        day = now.astimezone(school.zone).date()
        name = f"{request.kind}-{day.isoformat()}.csv"

        def job() -> tuple[str, int, str]:
            header: Sequence[str]
            try:
                with self.book.reads() as session:
                    if request.kind == "attendance":
                        header = ATTENDANCE_HEADER
                        rows: list[tuple[str, ...]] = list(
                            attendance_rows(
                                session,
                                day=day,
                                school_session=SchoolSession.AM,
                                school=school,
                                now=now,
                            )
                        )
                    else:
                        header = SEARCH_HEADER
                        rows = list(search_rows(session, first=day, last=day, zone=school.zone))
            except (ExportError, SQLAlchemyError) as exc:
                return "", 0, str(exc)
            text = io.StringIO(newline="")
            count = write_csv(text, header, rows, escape=spreadsheet_safe)
            return text.getvalue(), count, ""

        def done(result: tuple[str, int, str]) -> None:
            text, count, problem = result
            if problem:
                log.error("office export %s failed: %s", request.kind, problem)
                screen.export_finished(f"Not exported: {problem}")
                return
            self.deliver_text(
                io.StringIO(text, newline=""),
                save_filename=name,
                open_method="download",
                encoding="utf-8",
                mime_type="text/csv",
            )
            screen.export_progress(count, max(count, 1))
            screen.export_finished(f"Downloading {name} ({count} rows)")
            log.info("office export %s: %d rows by %s", request.kind, count, self.member)

        self._in_thread(job, done)

    # --- the MIS outbox -------------------------------------------------------------------------

    def _mis_view(self) -> MisOutboxView:
        now = self.clock()
        zone = self.config.school.zone
        try:
            with self.book.reads() as session:
                return outbox_view(
                    session, self.config.mis, today=now.astimezone(zone).date(), now=now, zone=zone
                )
        except SQLAlchemyError as exc:
            log.error("office: the MIS outbox cannot be read: %s", exc)
            name = PROVIDER_NAMES.get(self.config.mis.provider, self.config.mis.provider)
            return MisOutboxView(name, problem="The outbox cannot be read.")

    def show_mis(self) -> None:
        if self.member is None or not MIS_ROLES & self.member.roles:
            self.show_home()
            return
        self.push_screen(MisOutboxScreen(self._mis_view()), self._mis_closed)

    def _mis_closed(self, _: None) -> None:
        self.show_home()

    def on_mis_send_requested(self, _: MisSendRequested) -> None:
        """One round of sending, off the UI thread: a busy MIS may keep it waiting a minute."""
        screen, member = self.screen, self.member
        if member is None or not MIS_ROLES & member.roles:
            return
        if not isinstance(screen, MisOutboxScreen):
            return
        now = self.clock()
        day = now.astimezone(self.config.school.zone).date()

        def job() -> tuple[MisOutboxView, str]:
            try:
                done = send_round(
                    self.book.sessions,
                    self.config.mis,
                    day=day,
                    now=now,
                    retry_refused=True,
                    send_waiting_now=True,
                )
            except (CredentialsError, MisError, SQLAlchemyError) as exc:
                log.error("office: MIS send by %s failed: %s", member.staff_id, exc)
                message = f"Not sent: {exc}"
            else:
                message = round_message(done)
                log.info("office: MIS send by %s: %s", member.staff_id, message)
            return self._mis_view(), message

        def done(result: tuple[MisOutboxView, str]) -> None:
            if screen.is_current:
                screen.sent(*result)

        self._in_thread(job, done)

    # --- the fire roll and signing out -------------------------------------------------------

    def _roll(self, then: Callable[[Roll], object]) -> None:
        """Who is on site now, the whole school's where there is a hub: read off the UI thread
        (the hub may take a moment to answer, or not answer)."""
        now = self.clock()

        def read() -> Roll:
            with self.book.reads() as session:
                return school_roll(session, config=self.config, now=now)

        def shown(roll: Roll) -> None:
            if self.member is not None:
                then(roll)

        self._in_thread(read, shown)

    def show_roll(self) -> None:
        self._roll(lambda roll: self.push_screen(RollScreen(roll), self._roll_closed))

    def _roll_closed(self, choice: RollChoice | None) -> None:
        if choice == "refresh":
            self.show_roll()
        else:
            self.show_home()

    def show_sign_out(self, message: str = "") -> None:
        self._roll(
            lambda roll: self.push_screen(SignOutScreen(roll, message), self._sign_out_chosen)
        )

    def _sign_out_chosen(self, chosen: SignOutChosen | None) -> None:
        member = self.member
        if chosen is None or member is None:
            self.show_home()
            return
        at = self.clock()

        def job() -> tuple[bool, str]:
            try:
                with self.book.sessions.begin() as session:
                    done = sign_out(
                        session,
                        chosen.learner_id,
                        at=at,
                        reason=chosen.reason,
                        by_staff_id=member.staff_id,
                        school=self.config.school,
                    )
            except SignOutError as exc:
                return False, str(exc)
            return True, f"{done.name} signed out at {done.at}: {done.reason}"

        def answered(result: tuple[bool, str]) -> None:
            saved, message = result
            if saved:
                self.notify(plain(message), title="Signed out")
                self.show_home()
            else:
                self.show_sign_out(message)

        self._in_thread(job, answered)


def make_office_app(
    config: Config, book: Book, *, clock: Callable[[], datetime] = _utc_now
) -> OfficeApp:
    return OfficeApp(config, book, clock=clock)


def main(argv: Sequence[str] | None = None) -> int:
    """One browser's office app; `kiosk office` starts this once per connection."""
    parser = argparse.ArgumentParser(prog="kiosk.office_app")
    parser.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        config = load_config(config_path(args.config))
        book = open_school_book(config.database)
    except (ConfigError, DatabaseError) as exc:
        log.error("%s", exc)
        return 2
    try:
        return run_app(make_office_app(config, book))
    finally:
        book.close()


def _run() -> Any:  # pragma: no cover - the process textual-serve starts
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    _run()
