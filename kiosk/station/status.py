"""The staff's line at the foot of the idle screen: the devices, the hub, a fault to act on, and
sign-ins kept waiting by a busy database (counted here, as the tap pipeline sends them)."""

from __future__ import annotations

import itertools
import logging
import time

from kiosk.station.devices import Devices
from kiosk.station.host import StationHost

log = logging.getLogger(__name__)

# A sign-in not saved within this time is shown as waiting: the learner is told "One moment"
# and staff see how many sign-ins wait (another program holds the database, or the disk stalls).
SAVE_PATIENCE_SECONDS = 0.1
DISK_FULL_STATUS = (
    "DISK FULL: sign-ins are NOT being saved. Free space on the kiosk's disk, then tap again."
)


class StatusLine:
    """What staff read on the idle screen, redrawn only when it changes."""

    def __init__(self, host: StationHost) -> None:
        self.host = host
        self.reader_status = ""
        self.detector_status = ""
        self.alert = ""  # a fault staff must act on (the disk full), until a tap is saved again
        # Sign-ins on their way to the writer, and those of them that took longer than
        # SAVE_PATIENCE_SECONDS (UI thread only).
        self._numbers = itertools.count()
        self.saving: dict[int, float] = {}  # tap number: when it went to the writer
        self._late: set[int] = set()

    def show(self) -> None:
        """The line as it stands now: a busy database first, else a fault, else the devices."""
        host = self.host
        waiting = host.writer.waiting if host.writer.locked or self._late else 0
        if waiting:
            text = (
                f"Database busy (another program is writing): {waiting} sign-in(s) "
                "waiting to be saved; nothing is lost"
            )
        else:
            hub = host.sync.status().line(host.config.school.zone) if host.sync else ""
            parts = (self.reader_status, self.detector_status, hub)
            text = self.alert or "  ·  ".join(s for s in parts if s)
        if text != host.idle.status_text:
            host.idle.show_status(text)

    def devices_started(self, devices: Devices) -> None:
        """The reader and the arch started before the app: where each stands now."""
        reader, detector = devices.reader, devices.detector
        if reader is not None:
            self.reader(
                "reader online" if reader.is_online else f"reader OFFLINE: {reader.last_fault}"
            )
        if detector is not None:
            self.detector(
                "arch online" if detector.is_online else f"arch OFFLINE: {detector.last_fault}"
            )

    def set_alert(self, text: str) -> None:
        if text != self.alert:
            self.alert = text
            self.show()

    def reader(self, text: str) -> None:
        self.reader_status = text
        self.show()

    def detector(self, text: str) -> None:
        self.detector_status = text
        self.show()

    # --- sign-ins kept waiting ------------------------------------------------------------------

    def sending(self) -> int:
        """A sign-in goes to the writer: its number, to say when it is saved."""
        number = next(self._numbers)
        self.saving[number] = time.monotonic()
        return number

    def saved(self, number: int) -> None:
        self.saving.pop(number, None)
        if number in self._late:
            self._late.discard(number)
            if not self._late:
                log.warning("database free again: every queued tap is saved")
            self.show()

    def newly_late(self) -> bool:
        """Whether sign-ins have waited past SAVE_PATIENCE_SECONDS since last asked (the
        learner is then told "One moment", once however many wait)."""
        due = time.monotonic() - SAVE_PATIENCE_SECONDS
        late = {n for n, sent in self.saving.items() if sent <= due} - self._late
        if not late:
            return False
        if not self._late:
            log.warning("database busy: taps are queued until it is free")
        self._late |= late
        self.show()
        return True


__all__ = ["DISK_FULL_STATUS", "SAVE_PATIENCE_SECONDS", "StatusLine"]
