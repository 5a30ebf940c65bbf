"""Hardware events into the app: every device callback, held until the app can take them.

The devices are opened (and start reading) before the app runs; a badge read in that moment,
or while a restarted kiosk is still drawing its first screen, is held here and handed to the
app in order once it is mounted, never dropped. Callbacks run on the devices' threads;
`post_message` is the one thread-safe way into a Textual app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.message import Message

from kiosk.messages import (
    ArchAlarmed,
    ArchCleared,
    ArchPassed,
    BadgeScanned,
    DetectorStatusChanged,
    PhoneBadgeScanned,
    ReaderStatusChanged,
)
from kiosk.station.devices import Devices


class DeviceInbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: list[Message] = []
        self._post: Callable[[Message], object] | None = None

    def deliver(self, message: Message) -> None:
        with self._lock:
            if self._post is None:
                self._held.append(message)
                return
            post = self._post
        post(message)

    def open(self, post: Callable[[Message], object]) -> None:
        """From now on messages go to `post`; the held ones first, in the order they came."""
        with self._lock:  # a read arriving meanwhile waits, so it cannot overtake the held
            for message in self._held:
                post(message)
            self._held.clear()
            self._post = post


def wire_devices(devices: Devices, deliver: Callable[[Message], None]) -> None:
    """Point every device's callbacks at `deliver`."""
    reader = devices.reader
    if reader is not None:
        reader.when_read = lambda event: deliver(BadgeScanned(event.uid, event.read_at))
        reader.when_online = lambda event: deliver(ReaderStatusChanged(True, "reader online"))
        reader.when_offline = lambda event: deliver(
            ReaderStatusChanged(False, f"reader OFFLINE: {getattr(event, 'reason', '')}")
        )
    phone_reader = devices.phone_reader
    if phone_reader is not None:
        phone_reader.when_read = lambda event: deliver(PhoneBadgeScanned(event.uid, event.read_at))
    passage = devices.passage
    if passage is not None:
        passage.when_passed = lambda event: deliver(ArchPassed(event.at))
    detector = devices.detector
    if detector is not None:
        detector.when_alarm = lambda event: deliver(ArchAlarmed(event.at, event.zone))
        detector.when_clear = lambda event: deliver(ArchCleared(event.at))
        detector.when_online = lambda event: deliver(DetectorStatusChanged(True, "arch online"))
        detector.when_offline = lambda event: deliver(
            DetectorStatusChanged(False, f"arch OFFLINE: {getattr(event, 'reason', '')}")
        )
        if devices.arch_alarming:  # a quiet arch is never assumed at start
            deliver(ArchAlarmed(detector.clock.now(), None))
