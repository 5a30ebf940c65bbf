"""Sync rounds: one round (push this door's facts, pull the rest) and the thread that runs them.

The door never waits for the hub. It records everything locally in one transaction, as it
always has; a sync round, on its own thread, then pushes and pulls. A round cut short anywhere
is simply run again: the next one carries on from what the hub holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.config import Config
from kiosk.hub.engine import DEFAULT_BATCH, hub_engine, reader
from kiosk.hub.facts import push_door_facts
from kiosk.hub.health import SyncStatus, last_sync_at, note_progress, waiting_events
from kiosk.hub.pull import pull_arrivals, pull_phone_slots
from kiosk.hub.push import push_events, push_marks
from kiosk.hub.roster import pull_roster

log = logging.getLogger(__name__)

# How long the worker waits between rounds while the hub is out of reach, at most.
_MAX_BACKOFF_SECONDS = 15.0


@dataclass(frozen=True)
class SyncReport:
    """What one round did."""

    sent: int  # events the hub did not have before
    offered: int  # events offered (sent plus those it already had)
    marks_sent: int  # admissions and refusals the hub did not have before
    received: int  # other doors' arrivals new to this door
    roster: int  # learners, staff and badges added or changed here
    roster_version: str  # the hub roster this door now holds
    waiting: int  # this door's events the hub does not hold yet (new since the round began)
    synced_at: datetime
    # Sign-outs, amendments, staff sign-ons and -offs, phones and enrolled cards new to the hub.
    others_sent: int = 0
    slots: int = 0  # changes to the phone slots held at doors sharing this door's store

    def lines(self) -> list[str]:
        return [
            f"sent {self.sent} event(s) to the hub ({self.offered - self.sent} it already had), "
            f"{self.marks_sent} admission(s) and refusal(s), {self.others_sent} other "
            "record(s) (sign-outs, amendments, staff on and off, phones, cards)",
            f"received {self.received} arrival(s) at other doors, {self.roster} roster change(s), "
            f"{self.slots} phone slot change(s)",
            f"{self.waiting} event(s) waiting",
        ]


# --- one round --------------------------------------------------------------------------------


def sync_once(
    local: sessionmaker[Session],
    hub: Engine,
    station: str,
    *,
    now: datetime,
    zone: ZoneInfo,
    batch_size: int = DEFAULT_BATCH,
    roster_version: str = "",
    on_batch: Callable[[int], None] | None = None,
    store: str = "",
    on_badges: Callable[[frozenset[str]], object] | None = None,
) -> SyncReport:
    """One round: push events, marks and the door's other facts (sign-outs, amendments, staff
    presence, phones, enrolled cards); pull arrivals, the phone slots in use at doors sharing
    `store` (default: this door's own, shared with none) and (if it changed) the roster.

    Raises SQLAlchemyError (OperationalError when the hub cannot be reached); what was
    committed at the hub before that stays, and the next round carries on from there.
    `on_batch(sent)` is called after each committed batch of events; `on_badges(keys)` with
    the door's badge keys as a changed roster leaves them, just before it is committed.
    """
    reading = reader(local)
    offered, sent, pushed_to = push_events(reading, hub, station, batch_size, on_batch)
    marks_sent = push_marks(reading, hub, station, batch_size)
    store = store or station
    others = push_door_facts(reading, hub, station, store, batch_size)
    today = now.astimezone(zone).date()
    received = pull_arrivals(local, hub, station, today)
    slots = pull_phone_slots(local, hub, station, store, today)
    changed, version = pull_roster(local, hub, now, roster_version, on_badges)
    waiting = note_progress(local, station, pushed_to, now, force=bool(sent or received))
    report = SyncReport(
        sent, offered, marks_sent, received, changed, version, waiting, now, others, slots
    )
    log.debug("sync round: %s", "; ".join(report.lines()))
    return report


# --- the worker -------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SyncWorker:
    """Sync rounds on a thread of their own: every `interval_seconds`, and soon after `nudge()`.

    The door's own work never waits for it. While the hub is unreachable rounds fail quietly
    and are retried (backing off to 15 s); the backlog drains by itself when the hub returns.
    """

    def __init__(
        self,
        config: Config,
        local: sessionmaker[Session],
        *,
        engine: Engine | None = None,
        clock: Callable[[], datetime] = _utc_now,
        on_roster: Callable[[], object] | None = None,
        on_badges: Callable[[frozenset[str]], object] | None = None,
    ) -> None:
        self.config = config
        self.local = local
        # Called on the sync thread after a round that changed learners, staff or badges here,
        # and with the badge keys a changed roster leaves, just before it is committed.
        self._on_roster = on_roster
        self._on_badges = on_badges
        self.station = config.station.name
        self._hub = engine if engine is not None else hub_engine(config.hub)
        self._own_engine = engine is None
        self._clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._roster_version = ""
        with reader(local)() as db:
            self._status = SyncStatus(
                None, waiting_events(db, self.station), last_sync_at(db, self.station)
            )

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="hub-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._own_engine:
            self._hub.dispose()

    def nudge(self) -> None:
        """Something was recorded: run a round soon rather than at the next interval."""
        self._wake.set()

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def run_once(self) -> SyncReport | None:
        """One round now, on the caller's thread; None when the hub could not be reached."""
        now = self._clock()
        hub = self.config.hub
        try:
            report = sync_once(
                self.local,
                self._hub,
                self.station,
                now=now,
                zone=self.config.school.zone,
                batch_size=hub.batch_size,
                roster_version=self._roster_version,
                store=self.config.station.store,
                on_badges=self._on_badges,
            )
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0:1]
            try:
                with reader(self.local)() as db:
                    waiting = waiting_events(db, self.station)
            except SQLAlchemyError:
                waiting = self.status().waiting
            with self._lock:
                was = self._status
                self._status = SyncStatus(False, waiting, was.last_sync_at, "".join(reason))
            if was.online is not False:
                log.warning("hub offline: %s", "".join(reason))
            return None
        self._roster_version = report.roster_version
        if report.roster and self._on_roster is not None:
            self._on_roster()
        with self._lock:
            was = self._status
            self._status = SyncStatus(True, report.waiting, report.synced_at)
        if was.online is False:
            log.info("hub back online; sent %d event(s)", report.sent)
        return report

    def _run(self) -> None:
        interval = self.config.hub.interval_seconds
        delay = 0.0
        while not self._stopping.is_set():
            self._wake.wait(delay)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                report = self.run_once()
            except Exception:  # a round must never end the thread
                log.exception("sync round failed")
                report = None
            if report is None:
                delay = min(max(delay * 2, interval), _MAX_BACKOFF_SECONDS)
            else:
                delay = interval
