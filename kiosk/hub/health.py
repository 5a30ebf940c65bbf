"""What the door says about the hub: the staff status line, and the backlog `kiosk check` shows.

Both read this door's own book (its note of how far the hub has got), never the hub itself, so
neither waits on a hub out of reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.hub.engine import reader
from records.models import VisitEventRecord
from records.remote import HubSyncRecord

# The local note of progress is rewritten at least this often even when nothing moved.
_NOTE_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SyncStatus:
    """What the staff status line shows about the hub."""

    online: bool | None  # None: no round has finished yet
    waiting: int
    last_sync_at: datetime | None
    error: str = ""

    def line(self, zone: ZoneInfo) -> str:
        when = (
            f"last sync {self.last_sync_at.astimezone(zone):%H:%M:%S}"
            if self.last_sync_at is not None
            else "never synced"
        )
        if self.online:
            waiting = f", {self.waiting} events waiting" if self.waiting else ""
            return f"hub online{waiting}, {when}"
        if self.online is None:
            return f"hub: connecting, {self.waiting} events waiting, {when}"
        return f"hub offline, {self.waiting} events waiting, {when}"


def waiting_events(session: Session, station: str) -> int:
    """This door's events the hub was not known to hold at the last sync."""
    pushed = session.execute(
        select(HubSyncRecord.pushed_event_id).where(HubSyncRecord.station == station)
    ).scalar_one_or_none()
    return session.execute(
        select(func.count()).where(VisitEventRecord.id > (pushed or 0))
    ).scalar_one()


def last_sync_at(session: Session, station: str) -> datetime | None:
    return session.execute(
        select(HubSyncRecord.last_sync_at).where(HubSyncRecord.station == station)
    ).scalar_one_or_none()


def note_progress(
    local: sessionmaker[Session], station: str, pushed_to: int, now: datetime, *, force: bool
) -> int:
    """Keep the local hint of how far the hub has got; returns the events still waiting."""
    with reader(local)() as db:
        note = db.scalars(select(HubSyncRecord).where(HubSyncRecord.station == station)).first()
        waiting = db.execute(
            select(func.count()).where(VisitEventRecord.id > pushed_to)
        ).scalar_one()
    stale = (
        note is None
        or note.pushed_event_id != pushed_to
        or note.last_sync_at is None
        or now - note.last_sync_at >= _NOTE_EVERY
    )
    if force or stale:
        with local.begin() as db:
            note = db.scalars(select(HubSyncRecord).where(HubSyncRecord.station == station)).first()
            if note is None:
                db.add(HubSyncRecord(station=station, pushed_event_id=pushed_to, last_sync_at=now))
            else:
                note.pushed_event_id = pushed_to
                note.last_sync_at = now
    return int(waiting)
