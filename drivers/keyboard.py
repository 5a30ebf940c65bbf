"""Keyboard-wedge badge readers: a USB reader that types the badge number and Enter."""

from __future__ import annotations

import contextlib
import importlib
import logging
import select
import threading
from types import ModuleType
from typing import Any, Unpack

from drivers.badge_reader import BadgeReader, ReaderOptions

_log = logging.getLogger("drivers.keyboard")

ENTER_KEYS = frozenset({"enter", "return", "\r", "\n", "kp_enter"})
_BADGE_CHARS = frozenset("0123456789ABCDEFabcdef")


class KeystrokeBadgeBuffer:
    """Turns a stream of key presses into badge numbers, ignoring people typing.

    A reader types its whole number with every key within `max_gap_seconds` of the one before
    and ends with Enter; a person at the staff screen does not. A run of at least `min_length`
    hex digits typed that fast and closed by Enter just as fast is a badge; anything slower,
    shorter, longer than `max_length` or interrupted by another key is not. Pure: time is
    passed in (monotonic seconds).
    """

    def __init__(
        self,
        *,
        min_length: int = 8,
        max_length: int = 24,
        max_gap_seconds: float | None = 0.1,
    ) -> None:
        if min_length < 1 or max_length < min_length:
            raise ValueError("need 1 <= min_length <= max_length")
        self.min_length = min_length
        self.max_length = max_length
        self.max_gap_seconds = max_gap_seconds
        self._run: list[str] = []
        self._last_at: float | None = None
        self._spoiled = False

    def reset(self) -> None:
        self._run.clear()
        self._last_at = None
        self._spoiled = False

    def _too_slow(self, at: float) -> bool:
        return (
            self.max_gap_seconds is not None
            and self._last_at is not None
            and at - self._last_at > self.max_gap_seconds
        )

    def feed(self, key: str, at: float) -> str | None:
        """Take one key press (a character, or "enter"); return a badge number when one ends."""
        if key.lower() in ENTER_KEYS:
            complete = (
                not self._spoiled
                and not self._too_slow(at)
                and self.min_length <= len(self._run) <= self.max_length
            )
            uid = "".join(self._run).upper() if complete else None
            self.reset()
            return uid
        if len(key) != 1 or key not in _BADGE_CHARS:
            self.reset()
            return None
        if self._too_slow(at):
            # What came before was typed by a person; this key may start a reader's run.
            self.reset()
        self._run.append(key)
        self._last_at = at
        if len(self._run) > self.max_length:
            self._spoiled = True
        return None


class KeystrokeReader(BadgeReader):
    """A keyboard-wedge reader whose keys reach the app: the app calls `feed_key` for each.

    Use it when the reader types into the kiosk's own terminal. `feed_key` runs the callbacks
    in the caller's thread and returns the `BadgeRead` it reported, if any. It is always
    online: there is no device to lose.
    """

    def __init__(
        self,
        port: str = "",
        *,
        min_length: int = 8,
        max_gap_seconds: float = 0.1,
        **options: Unpack[ReaderOptions],
    ) -> None:
        super().__init__(port or "keyboard", **options)
        self._buffer = KeystrokeBadgeBuffer(min_length=min_length, max_gap_seconds=max_gap_seconds)
        self._feed_lock = threading.Lock()
        self._online = True

    def feed_key(self, key: str) -> bool:
        """Feed one key (a character, or "enter"); True if it completed a badge read."""
        with self._feed_lock:
            uid = self._buffer.feed(key, self.clock.monotonic())
        if uid is None:
            return False
        return self._report_uid(uid) is not None


class MissingDependency(ImportError):
    """An optional package a driver needs is not installed."""


def _import_evdev() -> ModuleType:
    try:
        evdev = importlib.import_module("evdev")
    except ImportError as exc:
        raise MissingDependency(
            "the keyboard driver with a /dev/input device needs the evdev package: "
            "pip install evdev (or apt install python3-evdev)"
        ) from exc
    return evdev


def _key_map(ecodes: Any) -> dict[int, str]:
    names = ecodes.ecodes
    keys: dict[int, str] = {}
    for digit in "0123456789":
        for name in (f"KEY_{digit}", f"KEY_KP{digit}"):
            if name in names:
                keys[names[name]] = digit
    for letter in "ABCDEF":
        if f"KEY_{letter}" in names:
            keys[names[f"KEY_{letter}"]] = letter
    for name in ("KEY_ENTER", "KEY_KPENTER"):
        if name in names:
            keys[names[name]] = "enter"
    return keys


class EvdevKeyboardReader(BadgeReader):
    """A keyboard-wedge reader read directly from its `/dev/input/...` device with evdev.

    The device is grabbed, so its digits never reach the console or the kiosk's screen, and
    every key is the reader's (no typing-speed test). Reopened when unplugged, every
    `retry_interval` seconds. Callbacks come from the reader's thread. Needs `evdev`.
    """

    def __init__(
        self,
        device: str,
        *,
        retry_interval: float = 1.0,
        grab: bool = True,
        **options: Unpack[ReaderOptions],
    ) -> None:
        self._evdev = _import_evdev()
        super().__init__(device, **options)
        self.retry_interval = retry_interval
        self.grab = grab
        self._keys = _key_map(self._evdev.ecodes)
        self._key_type = self._evdev.ecodes.EV_KEY
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"evdev-reader {device}")
        self._thread.daemon = True
        self._thread.start()

    def close(self) -> None:
        super().close()  # first, so nothing is reported while the thread winds down
        self._closing.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._closing.is_set():
            try:
                device = self._evdev.InputDevice(self.port)
            except OSError as exc:
                self._report_offline(f"{self.port}: {exc.strerror or exc}")
                self._closing.wait(self.retry_interval)
                continue
            try:
                if self.grab:
                    device.grab()
                self._report_online()
                self._read(device)
                reason = f"{self.port}: device went away"
            except (OSError, ValueError) as exc:
                reason = f"{self.port}: {getattr(exc, 'strerror', None) or exc}"
            finally:
                with contextlib.suppress(OSError):
                    device.close()
            if not self._closing.is_set():
                self._report_offline(reason)
                self._closing.wait(self.retry_interval)

    def _read(self, device: Any) -> None:
        buffer = KeystrokeBadgeBuffer(max_gap_seconds=None, min_length=4)
        fd = device.fd
        while not self._closing.is_set():
            # select with a timeout, not read_loop(), so close() is noticed within half a second.
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                events = list(device.read())
            except BlockingIOError:
                continue
            for event in events:
                if event.type != self._key_type or event.value != 1:  # key down only
                    continue
                key = self._keys.get(event.code)
                if key is None:
                    # Shift and friends: readers that type upper-case hex press them too.
                    continue
                uid = buffer.feed(key, 0.0)
                if uid is not None:
                    self._report_uid(uid)
