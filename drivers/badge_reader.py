"""The badge reader device every driver shares: callbacks, repeat suppression and counters."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypedDict, Unpack

from drivers.callbacks import fire
from drivers.clock import Clock, SystemClock
from drivers.events import BadgeRead, FrameRejected, ReaderOffline, ReaderOnline
from drivers.floodlog import FloodCounter
from drivers.presence import Presence
from drivers.serial_link import LinkSession, SerialLink

_log = logging.getLogger("drivers.reader")


class RepeatSuppressor:
    """Tells a new presentation from the same card still in the field.

    A UID seen again less than `window_seconds` after it was *last seen* is the same
    presentation, so a card held on a repeating reader stays one read however long it is held.
    """

    def __init__(self, window_seconds: float) -> None:
        if window_seconds < 0:
            raise ValueError("repeat_suppress_seconds must not be negative")
        self.window_seconds = window_seconds
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_new_presentation(self, uid: str, now: float) -> bool:
        """Record that `uid` was seen at monotonic time `now`; True if it is a new presentation."""
        with self._lock:
            last = self._last_seen.get(uid)
            self._last_seen[uid] = now
            # Forget cards long gone so a day of badges does not accumulate.
            stale = [u for u, t in self._last_seen.items() if now - t >= self.window_seconds]
            for u in stale:
                if u != uid:
                    del self._last_seen[u]
            return last is None or now - last >= self.window_seconds


class ReaderCallbacks(TypedDict, total=False):
    """The callbacks a reader's constructor accepts, so none of its first events is missed."""

    when_read: Callable[[BadgeRead], object] | None
    when_rejected: Callable[[FrameRejected], object] | None
    when_online: Callable[[ReaderOnline], object] | None
    when_offline: Callable[[ReaderOffline], object] | None


class ReaderOptions(ReaderCallbacks, total=False):
    """What every reader takes besides its own settings, handed on to `BadgeReader` as given
    (so its defaults are said there once)."""

    repeat_suppress_seconds: float
    clock: Clock | None
    name: str | None


class SerialReaderOptions(ReaderOptions, total=False):
    """What every serial reader takes besides its own settings, handed on to
    `SerialBadgeReader` as given."""

    baudrate: int | None
    retry_interval: float


class BadgeReader(Presence):
    """A badge reader: set `when_read` and receive a `BadgeRead` for each presentation.

    Callbacks (`when_read`, `when_rejected`, `when_online`, `when_offline`) are called from the
    device's own thread (for the simulated and keystroke readers, the thread that feeds them);
    hand the event to your event loop with a thread-safe call (in Textual:
    `app.post_message`). An exception in a callback is logged and the reader carries on.

    Readers start work as soon as they are made, so pass the callbacks to the constructor
    (`Em4100Reader(port, when_read=..., when_offline=...)`) to be sure of the first events (a
    reader missing at start-up reports `ReaderOffline` at once). Callbacks assigned later
    only see later events; read `is_online` and `last_fault` for the state so far.

    Subclasses feed `_report_uid`, `_report_rejected`, `_report_online` and `_report_offline`.
    """

    def __init__(
        self,
        port: str,
        *,
        repeat_suppress_seconds: float = 3.0,
        clock: Clock | None = None,
        name: str | None = None,
        **callbacks: Unpack[ReaderCallbacks],
    ) -> None:
        super().__init__(online=False)
        self.port = port
        self.name = name or port
        self.clock: Clock = clock or SystemClock()
        self._suppressor = RepeatSuppressor(repeat_suppress_seconds)
        self.when_read: Callable[[BadgeRead], object] | None = callbacks.get("when_read")
        self.when_rejected: Callable[[FrameRejected], object] | None = callbacks.get(
            "when_rejected"
        )
        self.when_online: Callable[[ReaderOnline], object] | None = callbacks.get("when_online")
        self.when_offline: Callable[[ReaderOffline], object] | None = callbacks.get("when_offline")
        self._read_count = 0
        self._rejected_count = 0
        self._rejected_log = FloodCounter(self.clock.monotonic)

    @property
    def repeat_suppress_seconds(self) -> float:
        return self._suppressor.window_seconds

    @property
    def is_online(self) -> bool:
        """True while the reader is connected (and, for readers that answer, answering)."""
        return self._online

    @property
    def read_count(self) -> int:
        """Presentations reported through `when_read`."""
        return self._read_count

    @property
    def rejected_count(self) -> int:
        """Frames dropped for a bad checksum or shape since the reader was made."""
        return self._rejected_count

    def close(self) -> None:
        """Stop reading and release the device; idempotent."""
        self._closed = True
        self._online = False
        unlogged = self._rejected_log.take()
        if unlogged:
            _log.info("%s: %d more frame(s) rejected before closing", self.name, unlogged)

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("online" if self._online else "offline")
        return f"<{type(self).__name__} {self.name!r} {state}>"

    def _report_uid(self, uid: str) -> BadgeRead | None:
        """A checksum-valid UID was seen; report it unless it is the same presentation."""
        if self._closed:
            return None
        if not self._suppressor.is_new_presentation(uid, self.clock.monotonic()):
            return None
        event = BadgeRead(uid=uid, read_at=self.clock.now(), reader=self.name)
        with self._lock:
            self._read_count += 1
        # Not at INFO: a flood of cards would write a line each; the kiosk records real taps.
        _log.debug("%s: badge %s", self.name, uid)
        fire(self.when_read, event)
        return event

    def _report_rejected(self, reason: str, raw: bytes) -> FrameRejected | None:
        if self._closed:
            return None
        event = FrameRejected(reason=reason, raw=raw, at=self.clock.now())
        with self._lock:
            self._rejected_count += 1
            self._last_fault = reason
        due = self._rejected_log.count()
        if due is not None:
            _log.info(
                "%s: %d frame(s) rejected since the last such line (at most one a minute); "
                "latest: %s %r",
                self.name,
                due,
                reason,
                raw,
            )
        fire(self.when_rejected, event)
        return event

    def _report_online(self) -> None:
        if self._went_online():
            fire(self.when_online, ReaderOnline(port=self.port, at=self.clock.now()))

    def _report_offline(self, reason: str) -> None:
        if self._went_offline(reason):
            fire(
                self.when_offline, ReaderOffline(port=self.port, reason=reason, at=self.clock.now())
            )


class SerialBadgeReader(BadgeReader):
    """A badge reader on a serial port given as any pyserial URL, reopened when it vanishes.

    Subclasses turn bytes into UIDs in `_data_received` (called on pyserial's reader thread,
    with what it needs made in `_prepare`), and may drive a request/response chip from `_serve`
    (called on the supervisor thread).
    """

    default_baudrate = 9600
    # Readers that only listen leave this False: their port is online as soon as it opens.
    _serves = False

    def __init__(
        self,
        port: str,
        *,
        baudrate: int | None = None,
        retry_interval: float = 1.0,
        **options: Unpack[ReaderOptions],
    ) -> None:
        super().__init__(port, **options)
        self.baudrate = baudrate or self.default_baudrate
        self._prepare()
        self._link = SerialLink(
            port,
            baudrate=self.baudrate,
            on_data=self._data_received,
            on_online=self._report_online,
            on_offline=self._report_offline,
            on_open=self._port_opened,
            serve=self._serve if self._serves else None,
            retry_interval=retry_interval,
        )
        self._link.start()

    def _prepare(self) -> None:
        """Make what `_data_received` needs; called once, before the reader thread starts."""

    def _data_received(self, data: bytes) -> None:
        raise NotImplementedError

    def _port_opened(self) -> None:
        """Called before the first read of each opened port: drop state from the last one."""

    def _serve(self, session: LinkSession) -> None:
        raise NotImplementedError

    def close(self) -> None:
        super().close()  # first, so nothing is reported while the threads wind down
        self._link.close()
