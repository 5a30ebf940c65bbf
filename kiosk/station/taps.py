"""The tap pipeline: a badge at the entry reader (or the phone station) to the learner's answer.

One path for every tap: a PIN pad left open closes, unknown cards are turned away without the
database, the tap is recorded on the writer in the order read, and staff and unknown cards go
to the staff session whichever way it was recorded. Only the recording and a learner's answer
differ: a plain sign-in station admits on the tap (kiosk.door.checkin); otherwise the tap is a lane
event (kiosk.door.lane) and the lane's outcome is the answer.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from textual.timer import Timer

from kiosk.domain import lane as rules
from kiosk.domain.badges import Holder
from kiosk.door.arrivals import BadgeOwner
from kiosk.door.checkin import (
    DISK_FULL,
    NOT_SAVED,
    SAVING,
    TapOutcome,
    is_disk_full,
    is_locked,
    sign_in,
)
from kiosk.door.lane import LaneOutcome
from kiosk.screens.greeting import Tone, tone_for
from kiosk.screens.pin_pad import PinPadScreen
from kiosk.station.host import StationHost
from kiosk.station.lane_front import LaneFront
from kiosk.station.learner_desk import LearnerDesk
from kiosk.station.staff_session import StaffSession
from kiosk.station.status import DISK_FULL_STATUS, SAVE_PATIENCE_SECONDS, StatusLine

log = logging.getLogger(__name__)

NOT_RECOGNISED = "Badge not recognised"
# Cards found unknown are remembered a short while, so a flood of them is answered without the
# database; long enough to drain a burst, short enough that a card enrolled since is read again.
UNKNOWN_REMEMBERED = 1024
UNKNOWN_FORGOTTEN_SECONDS = 30.0


class TapPipeline:
    """Every badge read at this door, from the reader's message to the answer on screen."""

    def __init__(
        self,
        host: StationHost,
        staff: StaffSession,
        learners: LearnerDesk,
        lane: LaneFront,
        status: StatusLine,
    ) -> None:
        self.host = host
        self.staff = staff
        self.learners = learners
        self.lane = lane
        self.status = status
        self._entry_pending: set[str] = set()  # entry taps on their way to the lane
        self._unknown: OrderedDict[str, float] = OrderedDict()  # unknown cards, when seen
        self._unknown_counted = 0  # unknown cards since the last minute's log line
        self._unknown_logged_at = time.monotonic()
        # One timer looks for sign-ins kept waiting, while any are: not a timer for every tap.
        self._patience: Timer | None = None

    def badge(self, uid: str, read_at: datetime) -> None:
        """Record the tap on the writer, in the order taps were read; the read time is the
        arrival time, so the mark is right however long the database keeps it waiting."""
        if isinstance(self.host.screen, PinPadScreen):
            # A learner's tap closes a PIN pad left open: the learner's answer comes first.
            self.host.back_to_idle()
        if self._known_unknown(uid) or (
            not self.staff.unlocked and self.host.known_badges.knows(uid) is False
        ):
            # A card nobody owns (a flood of them, however many different) never reaches the
            # database nor the log one by one: staff signed on see it, to enrol it.
            self._unknown_counted += 1
            self._not_recognised()
            return
        if self.host.config.policy.plain_sign_in:
            self._sign_in(uid, read_at)
        else:
            self._to_lane(uid, read_at)

    def _not_a_learner(
        self, kind: str, owner: BadgeOwner | None, uid: str, read_at: datetime | None
    ) -> bool:
        """Staff sign on; an unknown card is enrolled by staff signed on, else "not
        recognised". Whether the tap was one of these (a learner's is answered by the caller)."""
        if kind == Holder.UNKNOWN and read_at is not None and self.staff.unlocked:
            self.host.close_answers()
            self.learners.unknown_badge(uid, read_at)
        elif kind == Holder.STAFF and owner is not None:
            self.host.close_answers()
            self.staff.staff_badge(owner)
        elif kind == Holder.UNKNOWN:
            self._remember_unknown(uid)
            self._not_recognised()
        else:
            return False
        return True

    # --- the lane: the tap is a lane event ------------------------------------------------------

    def _to_lane(self, uid: str, read_at: datetime) -> None:
        if uid in self._entry_pending:
            return  # the same card again while its first read is on its way: one tap
        self._entry_pending.add(uid)
        keeper = self.host.keeper
        self.host.submit(
            lambda: keeper.badge(uid, read_at),
            lambda result: self._entry_recorded(uid, read_at, result),
            urgent=True,  # a new arrival changes nothing for those already in the lane
        )

    def _entry_recorded(
        self, uid: str, read_at: datetime, result: tuple[Any, LaneOutcome | None]
    ) -> None:
        self._entry_pending.discard(uid)
        owner, outcome = result
        if outcome is not None:
            self.status.set_alert("")
            self.lane.apply(outcome)
            if outcome.rejected and not any(isinstance(e, rules.Tell) for e in outcome.effects):
                self.host.greet(
                    f"Hello, {owner.first_name}", "Please see a member of staff.", tone=Tone.STAFF
                )
            return
        if not self._not_a_learner(owner.kind, owner, uid, read_at):
            self._not_recognised()  # a card of someone who has left, or unreadable

    def phone(self, uid: str, read_at: datetime) -> None:
        """A learner's badge at the phone station: their phone is handed in, by the lane."""
        keeper = self.host.keeper
        self.host.submit(lambda: keeper.phone_badge(uid, read_at), self._phone_tapped)

    def _phone_tapped(self, outcome: LaneOutcome) -> None:
        self.lane.apply(outcome)
        if outcome.rejected and not self.staff.unlocked:
            self.host.greet("Please wait", "Please see a member of staff.", tone=Tone.STAFF)

    # --- a plain sign-in station: the tap is the admission --------------------------------------

    def _sign_in(self, uid: str, read_at: datetime) -> None:
        number = self.status.sending()
        self.host.submit(
            lambda: self._signing_in(uid, read_at), lambda out: self._signed_in(number, out)
        )
        if self._patience is None:
            self._patience = self.host.set_interval(SAVE_PATIENCE_SECONDS / 2, self._still_saving)

    def _signing_in(self, uid: str, read_at: datetime) -> TapOutcome:
        """The writer's job for a plain tap. A lock is raised, for the writer to wait out;
        any other failure is the learner's answer (sent to staff) and the staff line's."""
        config = self.host.config
        try:
            return sign_in(
                self.host.book.sessions,
                uid,
                at=read_at,
                school=config.school,
                tap_admits=config.policy.plain_sign_in,
            )
        except Exception as exc:  # the learner is answered whatever went wrong
            if isinstance(exc, SQLAlchemyError) and is_locked(exc):
                raise
            return _failed(exc)

    def _still_saving(self) -> None:
        """Sign-ins not saved within SAVE_PATIENCE_SECONDS: the learner is told "One moment"
        (once, however many wait) and staff see how many wait."""
        if not self.status.saving:
            if self._patience is not None:
                self._patience.stop()
                self._patience = None
            return
        if self.status.newly_late():
            self._show(SAVING)

    def _signed_in(self, number: int, outcome: TapOutcome) -> None:
        self.status.saved(number)
        self._show(outcome)

    def _show(self, outcome: TapOutcome) -> None:
        if outcome.owner is not None:
            self.status.set_alert("")  # staff signing on: the tap was read, nothing is wrong
        if self._not_a_learner(outcome.kind, outcome.owner, outcome.uid, outcome.read_at):
            return
        if outcome is DISK_FULL:
            self.status.set_alert(DISK_FULL_STATUS)
        elif outcome.admitted:
            self.status.set_alert("")  # a tap was saved: whatever was wrong is not wrong now
        # Every plain tap that is neither admitted nor still saving is one for staff to see to.
        tone = tone_for(admitted=outcome.admitted, see_staff=outcome is not SAVING)
        self.host.greet(outcome.headline, outcome.next_step, tone=tone)
        # An unknown badge is not an alarm: the door stays locked and nothing sounds, so a
        # learner who forgot their badge is not made a spectacle of.
        if outcome.admitted:
            self.host.drive_outputs(rules.Signal.ADMITTED)

    # --- unknown cards ------------------------------------------------------------------------

    def _remember_unknown(self, uid: str) -> None:
        self._unknown[uid] = time.monotonic()
        while len(self._unknown) > UNKNOWN_REMEMBERED:
            self._unknown.popitem(last=False)

    def _known_unknown(self, uid: str) -> bool:
        """A card found unknown moments ago (staff signed on may enrol it: they always see it)."""
        seen = self._unknown.get(uid)
        if seen is None or self.staff.unlocked:
            return False
        if (
            time.monotonic() - seen > UNKNOWN_FORGOTTEN_SECONDS
            or seen < self.host.known_badges.changed_at
        ):
            del self._unknown[uid]  # it may have been enrolled since
            return False
        return True

    def _not_recognised(self) -> None:
        """An unknown badge is not an alarm: the door stays locked and nothing sounds. When the
        screen already says so, only its few seconds start again (`GreetingScreen.show`), so a
        flood of unknown cards costs nothing on screen and the next learner is greeted at once."""
        self.host.greet(NOT_RECOGNISED, "Please see a member of staff.", tone=Tone.STAFF)

    def log_unknown(self) -> None:
        """Unknown cards are logged once a minute, counted, never one line each."""
        if self._unknown_counted and time.monotonic() - self._unknown_logged_at >= 60:
            log.info("%d tap(s) of unknown cards in the last minute", self._unknown_counted)
            self._unknown_counted, self._unknown_logged_at = 0, time.monotonic()


def _failed(exc: Exception) -> TapOutcome:
    """A tap that cannot be saved: logged, and the outcome says why (any thread)."""
    if is_disk_full(exc):
        log.error("disk full: a tap was not saved: %s", getattr(exc, "orig", exc))
        return DISK_FULL
    log.error("database error: a tap was not saved", exc_info=exc)
    return NOT_SAVED


__all__ = ["NOT_RECOGNISED", "TapPipeline"]
