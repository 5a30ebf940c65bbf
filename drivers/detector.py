"""Metal-detector arches: an alarm relay contact on a GPIO input, or alarm lines on a serial port.

Alarm contact wiring (`AlarmContact`, BCM pin numbers). Both settings read a HIGH pin as the alarm:

    active_high=False (default, fail-safe): the Pi's internal pull-up is on and the arch relay's
        normally-closed contact connects the pin to GND. Idle: contact closed, pin LOW, clear.
        Alarm: contact opens, pin pulled HIGH. A cut cable, a loose terminal or an unpowered
        arch also leave the pin HIGH, so they read as an alarm rather than as a quiet arch.
    active_high=True: the internal pull-down is on and the arch drives the pin to 3V3 (a 3.3 V
        logic output, or a normally-open contact to 3V3) on alarm. Pin HIGH: alarm; LOW: clear.
        A cut cable reads as clear, so prefer the default wiring where the arch allows it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypedDict, Unpack

from drivers.callbacks import fire
from drivers.clock import Clock, SystemClock
from drivers.events import AlarmCleared, AlarmRaised, DetectorOffline, DetectorOnline
from drivers.floodlog import FloodCounter
from drivers.gpio_input import TimedInput
from drivers.presence import Presence
from drivers.serial_link import SerialLink

_log = logging.getLogger("drivers.detector")

DETECTOR_DRIVERS = ("gpio", "serial", "none")


class DetectorCallbacks(TypedDict, total=False):
    """The callbacks a detector's constructor accepts, so none of its first events is missed."""

    when_alarm: Callable[[AlarmRaised], object] | None
    when_clear: Callable[[AlarmCleared], object] | None
    when_online: Callable[[DetectorOnline], object] | None
    when_offline: Callable[[DetectorOffline], object] | None


class AlarmDetector(Presence):
    """An arch: set `when_alarm` and `when_clear`; `is_alarm` is the current state.

    Callbacks are called from the device's own thread (gpiozero's, or the serial reader's);
    hand events to your event loop with a thread-safe call (in Textual: `app.post_message`).
    Pass them to the constructor to be sure of the first events; callbacks assigned later
    only see later events.
    """

    def __init__(
        self, name: str, *, clock: Clock | None = None, **callbacks: Unpack[DetectorCallbacks]
    ) -> None:
        super().__init__(online=True)
        self.name = name
        self.port = name
        self.clock: Clock = clock or SystemClock()
        self.when_alarm: Callable[[AlarmRaised], object] | None = callbacks.get("when_alarm")
        self.when_clear: Callable[[AlarmCleared], object] | None = callbacks.get("when_clear")
        self.when_online: Callable[[DetectorOnline], object] | None = callbacks.get("when_online")
        self.when_offline: Callable[[DetectorOffline], object] | None = callbacks.get(
            "when_offline"
        )
        self._alarm = False

    @property
    def is_alarm(self) -> bool:
        """True while the arch is alarming."""
        return self._alarm

    @property
    def is_online(self) -> bool:
        return self._online and not self._closed

    def close(self) -> None:
        self._closed = True

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("alarm" if self._alarm else "clear")
        return f"<{type(self).__name__} {self.name!r} {state}>"

    def _report_alarm(
        self, zone: str | None = None, at: datetime | None = None
    ) -> AlarmRaised | None:
        if self._closed:
            return None
        with self._lock:
            self._alarm = True
        event = AlarmRaised(at=at or self.clock.now(), zone=zone)
        _log.info("%s: alarm%s", self.name, f" zone {zone}" if zone else "")
        fire(self.when_alarm, event)
        return event

    def _report_clear(self, at: datetime | None = None) -> AlarmCleared | None:
        if self._closed:
            return None
        with self._lock:
            self._alarm = False
        event = AlarmCleared(at=at or self.clock.now())
        _log.info("%s: clear", self.name)
        fire(self.when_clear, event)
        return event

    def _report_online(self) -> None:
        if self._went_online():
            fire(self.when_online, DetectorOnline(port=self.port, at=self.clock.now()))

    def _report_offline(self, reason: str) -> None:
        if self._went_offline(reason):
            fire(
                self.when_offline,
                DetectorOffline(port=self.port, reason=reason, at=self.clock.now()),
            )


class AlarmContact(AlarmDetector, TimedInput):
    """The arch's alarm relay on a GPIO input (see the module docstring for the wiring).

    `AlarmContact(17, active_high=False, bounce_time=0.05)`. A change is reported once the pin
    has held its new level for `bounce_time` seconds, so relay chatter and glitches shorter
    than that give no event at all and each settled change gives exactly one (the contact
    debounces itself: see `TimedInput`). No event is sent for the level found at start: read
    `is_alarm` after wiring up the callbacks.
    """

    def __init__(
        self,
        pin: int | str,
        *,
        active_high: bool = False,
        bounce_time: float | None = 0.05,
        clock: Clock | None = None,
        pin_factory: Any = None,
        name: str | None = None,
        **callbacks: Unpack[DetectorCallbacks],
    ) -> None:
        super().__init__(name or f"GPIO{pin}", clock=clock, **callbacks)
        self.active_high = active_high
        self.bounce_time = bounce_time or None
        self._open_input(pin, active_high=active_high, pin_factory=pin_factory)
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._changed_at: datetime | None = None
        self._alarm = self._read_pin()
        self._worker: threading.Thread | None = None
        if self.bounce_time is not None:
            self._worker = threading.Thread(target=self._settle, name=f"alarm-contact {pin}")
            self._worker.daemon = True
            self._worker.start()
        self._device.when_activated = self._edge
        self._device.when_deactivated = self._edge

    def _read_pin(self) -> bool:
        # gpiozero's "active" is the contact pulling against its pull resistor: LOW with the
        # pull-up, HIGH with the pull-down. Either way the alarm is the pin being HIGH.
        active = bool(self._device.is_active)
        return active if self.active_high else not active

    def _edge(self) -> None:
        if self._closed:
            return
        if self.bounce_time is None:
            self._publish(self._read_pin(), self.clock.now())
            return
        with self._cond:
            if self._changed_at is None:
                self._changed_at = self.clock.now()
            self._deadline = time.monotonic() + self.bounce_time
            self._cond.notify()

    def _settle(self) -> None:
        while True:
            with self._cond:
                while not self._closed:
                    if self._deadline is None:
                        self._cond.wait()
                        continue
                    remaining = self._deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                if self._closed:
                    return
                at, self._changed_at, self._deadline = self._changed_at, None, None
            self._publish(self._read_pin(), at)

    def _publish(self, alarm: bool, at: datetime | None) -> None:
        if alarm == self._alarm:
            return
        if alarm:
            self._report_alarm(None, at)
        else:
            self._report_clear(at)

    def close(self) -> None:
        if self._closed:
            return
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(2)
        self._device.close()


class LineSplitter:
    """Splits a byte stream into text lines on CR, LF or CR LF; blank lines are dropped.

    Arches differ in their line endings (pyserial's LineReader insists on CR LF). A line longer
    than `max_length` is cut there, so noise without line breaks cannot grow without bound.
    """

    def __init__(self, *, encoding: str = "utf-8", max_length: int = 1024) -> None:
        self.encoding = encoding
        self.max_length = max_length
        self._pending = bytearray()

    def reset(self) -> None:
        self._pending.clear()

    def feed(self, data: bytes) -> list[str]:
        lines: list[str] = []
        for byte in data:
            if byte in (0x0A, 0x0D):
                self._flush(lines)
            else:
                self._pending.append(byte)
                if len(self._pending) >= self.max_length:
                    self._flush(lines)
        return lines

    def _flush(self, lines: list[str]) -> None:
        text = self._pending.decode(self.encoding, "replace").strip()
        self._pending.clear()
        if text:
            lines.append(text)


def compile_pattern(key: str, pattern: str) -> re.Pattern[str]:
    """Compile a detector pattern, naming the setting in the error."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{key} {pattern!r} is not a valid regular expression: {exc}") from exc


class SerialDetector(AlarmDetector):
    """An arch that reports on a serial port (any pyserial URL), one text line per event.

    A line matching `alarm_pattern` (searched anywhere in the line) raises an alarm, with the
    zone from a `(?P<zone>...)` group when there is one; a line matching `clear_pattern`
    clears it. Every matching line is reported, so an arch that alarms for each person who
    passes gives one event per person. Other lines are ignored and counted in
    `ignored_count`. The port is reopened when it vanishes, with `when_online` /
    `when_offline` events.
    """

    def __init__(
        self,
        port: str,
        *,
        alarm_pattern: str = "ALARM",
        clear_pattern: str = "CLEAR|PASS",
        baudrate: int = 9600,
        clock: Clock | None = None,
        name: str | None = None,
        retry_interval: float = 1.0,
        **callbacks: Unpack[DetectorCallbacks],
    ) -> None:
        super().__init__(name or port, clock=clock, **callbacks)
        self.port = port
        self.alarm_pattern = compile_pattern("alarm_pattern", alarm_pattern)
        self.clear_pattern = compile_pattern("clear_pattern", clear_pattern)
        self._online = False
        self._lines = LineSplitter()
        self._ignored = 0
        self._ignored_log = FloodCounter(self.clock.monotonic)
        self._link = SerialLink(
            port,
            baudrate=baudrate,
            on_data=self._data_received,
            on_online=self._report_online,
            on_offline=self._report_offline,
            on_open=self._lines.reset,
            retry_interval=retry_interval,
        )
        self._link.start()

    @property
    def ignored_count(self) -> int:
        """Lines that matched neither pattern."""
        return self._ignored

    def handle_line(self, line: str) -> None:
        """Act on one line from the arch (called from the reader thread)."""
        match = self.alarm_pattern.search(line)
        if match is not None:
            zone = match.groupdict().get("zone")
            self._report_alarm(zone or None)
            return
        if self.clear_pattern.search(line) is not None:
            self._report_clear()
            return
        with self._lock:
            self._ignored += 1
        due = self._ignored_log.count()
        if due is not None:
            _log.debug(
                "%s: %d line(s) matched neither pattern since the last such line "
                "(at most one a minute); latest: %r",
                self.name,
                due,
                line,
            )

    def _data_received(self, data: bytes) -> None:
        for line in self._lines.feed(data):
            self.handle_line(line)

    def close(self) -> None:
        super().close()  # first, so nothing is reported while the threads wind down
        self._link.close()


def open_detector(
    driver: str,
    pin: int | str | None = None,
    active_high: bool = False,
    port: str = "",
    alarm_pattern: str = "ALARM",
    clear_pattern: str = "CLEAR|PASS",
    clock: Clock | None = None,
    **kw: Any,
) -> AlarmDetector | None:
    """Open the detector named by `driver` (gpio | serial | none); `none` gives None.

    Extra keywords go to the constructor: the callbacks (`when_alarm=...`), and `bounce_time`,
    `pin_factory` for gpio; `baudrate`, `retry_interval` for serial.
    """
    if driver == "none":
        return None
    if driver == "gpio":
        if pin is None:
            raise ValueError("the gpio detector needs a pin (a BCM number)")
        return AlarmContact(pin, active_high=active_high, clock=clock, **kw)
    if driver == "serial":
        if not port:
            raise ValueError("the serial detector needs a port (a device path or pyserial URL)")
        return SerialDetector(
            port, alarm_pattern=alarm_pattern, clear_pattern=clear_pattern, clock=clock, **kw
        )
    raise ValueError(
        f"unknown detector driver {driver!r}; expected one of {', '.join(DETECTOR_DRIVERS)}"
    )
