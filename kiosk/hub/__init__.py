"""Sync between this door's own book and the school's hub: push what happened here, pull the rest.

The door never waits for the hub. It records everything locally in one transaction, as it
always has; a sync round, on its own thread, then pushes this door's facts and pulls the other
doors' and the roster. One module per concern:

- `engine`: the hub's engine, built there and nowhere else (quick to give up: offline, not a wait);
- `push`: this door's visit events, admissions and refusals;
- `facts`: its sign-outs, amendments, staff sign-ons and -offs, phones and enrolled cards;
- `pull`: other doors' arrivals and phone slots, and what the lane asks of them;
- `roster`: the school's roster, copied from the hub and published to it;
- `health`: the status line and backlog the door shows about the hub;
- `worker`: one round, and the thread that runs rounds;
- `export`: what the office reads from the hub (the whole school's morning).

Other packages import from here; the modules import one another directly.
"""

from __future__ import annotations

from kiosk.hub.engine import hub_engine
from kiosk.hub.export import (
    HubLearner,
    HubPhone,
    hub_arrival_times,
    hub_attendance_rows,
    hub_latest_admissions,
    hub_latest_sign_outs,
    hub_learners,
    hub_marked_days,
    hub_outstanding_phones,
    hub_staff_on_site,
)
from kiosk.hub.health import last_sync_at, waiting_events
from kiosk.hub.pull import already_in, slots_taken_elsewhere
from kiosk.hub.roster import publish_roster
from kiosk.hub.worker import SyncWorker, sync_once

__all__ = [
    "HubLearner",
    "HubPhone",
    "SyncWorker",
    "already_in",
    "hub_arrival_times",
    "hub_attendance_rows",
    "hub_engine",
    "hub_latest_admissions",
    "hub_latest_sign_outs",
    "hub_learners",
    "hub_marked_days",
    "hub_outstanding_phones",
    "hub_staff_on_site",
    "last_sync_at",
    "publish_roster",
    "slots_taken_elsewhere",
    "sync_once",
    "waiting_events",
]
