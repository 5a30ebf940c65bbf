"""An OSDP (IEC 60839-11-5) door reader on RS-485, with the kiosk as its control panel (CP).

The protocol is libosdp's (the C library, through its Python binding): the CP's state machine,
polling, the secure channel and the reader's replies. This module gives it a serial port that
comes back after an unplug (`drivers.serial_link`), turns card reads into `BadgeRead`s, and
drives the reader's own LED and beeper from the kiosk's answer (`show`).

The secure channel is required: OSDP without it sends every card number in clear on the wire.
Its key (the SCBK, 16 bytes as 32 hex digits) is read from a file only its owner may read.

Wiring: a USB RS-485 adapter's A(-)/B(+) to the reader's, with 0 V (GND) joined; 120 Ohm across
A and B at each end of a long run; the reader powered from its own 12 V supply.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Unpack

import osdp
import osdp_sys

from drivers.badge_reader import SerialBadgeReader, SerialReaderOptions
from drivers.serial_link import DeviceFault, LinkSession
from drivers.wiegand_formats import raw_hex

_log = logging.getLogger("drivers.osdp")

SIGNALS = ("admitted", "refused", "alarm", "idle")
_REFRESH_SECONDS = 0.005  # libosdp asks for a refresh at least every 50 ms


class KeyFileError(ValueError):
    """The secure channel key file cannot be used; the message says why and what to do."""


def load_scbk(path: str) -> bytes:
    """The 16-byte secure channel key from `path`: 32 hex digits, in a file only its owner reads."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such key file") from None
    except PermissionError:
        raise KeyFileError(f"{path}: permission denied reading the key file") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{path}: not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise KeyFileError(
            f"{path}: the secure channel key is readable by others (mode {mode:04o}); "
            f"make it private: chmod 600 {path}"
        )
    try:
        with open(path, encoding="ascii") as handle:
            text = "".join(handle.read().split())
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: cannot read the key: {exc}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 16:
        raise KeyFileError(f"{path}: the key must be 32 hex digits (16 bytes)")
    return key


@dataclass(frozen=True, slots=True)
class ReaderIdentity:
    """What the reader said of itself (osdp_PDID) and whether it can light and beep."""

    vendor_code: int
    model: int
    version: int
    serial_number: int
    firmware: str
    has_led: bool
    has_buzzer: bool

    def describe(self) -> str:
        return (
            f"vendor {self.vendor_code:06X} model {self.model} serial {self.serial_number:08X} "
            f"firmware {self.firmware}; LED {'yes' if self.has_led else 'no'}, "
            f"buzzer {'yes' if self.has_buzzer else 'no'}"
        )


def card_uid(event: dict[str, Any]) -> str | None:
    """The badge from an osdp_RAW / osdp_FMT card read, in the same raw form as a Wiegand reader's.

    Raw reads carry the card's Wiegand bits, left-aligned in `data` with `length` in bits; an
    ASCII read carries the number as text. None if it is neither.
    """
    data = bytes(event.get("data", b""))
    if event.get("format") == osdp.CardFormat.ASCII:
        text = data.decode("ascii", "replace").strip().upper()
        return text if text and all(c in "0123456789ABCDEF" for c in text) else None
    length = int(event.get("length", 0))
    if not 0 < length <= 8 * len(data):
        return None
    value = int.from_bytes(data, "big") >> (8 * len(data) - length)
    return raw_hex(value, length)


class _Channel(osdp.Channel):  # type: ignore[misc]
    """libosdp's byte pipe: bytes the serial thread received, writes to the current port."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._rx = bytearray()
        self.session: LinkSession | None = None
        self.received = 0
        self.last_rx_at = 0.0

    def feed(self, data: bytes) -> None:
        with self._lock:
            self._rx.extend(data)
            self.received += len(data)
            self.last_rx_at = time.monotonic()

    def reset(self) -> None:
        with self._lock:
            self._rx.clear()
            self.received = 0
            self.last_rx_at = time.monotonic()

    def read(self, max_bytes: int) -> bytes:
        with self._lock:
            data = bytes(self._rx[:max_bytes])
            del self._rx[:max_bytes]
        return data

    def write(self, buf: bytes) -> int:
        session = self.session
        if session is None or session.ended:
            return 0
        try:
            session.write(bytes(buf))
        except Exception:
            return 0  # the session has ended; the supervisor reopens the port
        return len(buf)

    def flush(self) -> None:
        pass


def _led(color: int, *, seconds: float, flashing: bool = False) -> dict[str, Any]:
    on, off = (2, 2) if flashing else (int(seconds * 10), 0)
    return {
        "command": osdp.Command.LED,
        "reader": 0,
        "led_number": 0,
        "temporary": True,
        "control_code": 2,  # temporary state now, for timer_count x 100 ms
        "on_color": color,
        "off_color": osdp.CommandLEDColor.Black,
        "on_count": min(on, 255),
        "off_count": off,
        "timer_count": min(int(seconds * 10), 255),
    }


def _beep(on: float, off: float, times: int) -> dict[str, Any]:
    return {
        "command": osdp.Command.Buzzer,
        "reader": 0,
        "control_code": 2,  # the default tone
        "on_count": int(on * 10),
        "off_count": int(off * 10),
        "rep_count": times,
    }


_LED_CANCEL = {**_led(osdp.CommandLEDColor.Black, seconds=0), "control_code": 1}
_BEEP_OFF = {**_beep(0, 0, 0), "control_code": 1}

# Each signal as the reader's own LED and beeper show it; the same patterns as `Outputs`.
_SHOWS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "admitted": (_led(osdp.CommandLEDColor.Green, seconds=3.0), _beep(0.1, 0, 1)),
    "refused": (_led(osdp.CommandLEDColor.Red, seconds=3.0), _beep(0.5, 0.3, 2)),
    "alarm": (_led(osdp.CommandLEDColor.Red, seconds=3.0, flashing=True), _beep(0.1, 0.1, 15)),
    "idle": (_LED_CANCEL, _BEEP_OFF),
}


class OsdpReader(SerialBadgeReader):
    """An OSDP reader at `address` on an RS-485 port: `OsdpReader(port, address=0, scbk=key)`.

    The CP polls the reader over a secure channel opened with `scbk`; each card read becomes a
    `BadgeRead` whose uid is the card's raw Wiegand form (so a card enrolled from a Wiegand
    reader, or as its printed `FC:card`, is the same card here). The reader counts as online
    once the secure channel is up; a reader silent for `silence_timeout` seconds, or one that
    refuses the key, is reported offline and the session started again every `retry_interval`.
    `show(signal)` lights and beeps the reader for the kiosk's answer. Callbacks come from the
    reader's supervisor thread.
    """

    default_baudrate = 9600
    _serves = True

    def __init__(
        self,
        port: str,
        *,
        scbk: bytes,
        address: int = 0,
        online_timeout: float = 3.0,
        silence_timeout: float = 2.0,
        **options: Unpack[SerialReaderOptions],
    ) -> None:
        if not 0 <= address <= 126:
            raise ValueError(f"an OSDP address is 0 to 126, got {address}")
        if len(scbk) != 16:
            raise ValueError("the secure channel key (SCBK) is 16 bytes")
        self.address = address
        self.online_timeout = online_timeout
        self.silence_timeout = silence_timeout
        self._scbk = scbk
        self._channel = _Channel()
        self._ctx_lock = threading.RLock()
        self._ctx: Any = None
        self._sc_refused = False
        self.identity: ReaderIdentity | None = None
        # libosdp logs to the process's standard error, which is the kiosk's screen.
        osdp_sys.set_loglevel(osdp.LogLevel.Emergency)
        super().__init__(port, **options)

    def show(self, signal: str) -> bool:
        """Light and beep the reader for `signal`: admitted (green, a pip), refused (red, two
        tones), alarm (red flashing, rapid beeps) or idle (back to its own state).

        Returns at once; False if the reader is offline (nothing is queued for later).
        """
        if signal not in _SHOWS:
            raise ValueError(f"unknown signal {signal!r}; expected one of {', '.join(SIGNALS)}")
        led, beep = _SHOWS[str(signal)]
        identity = self.identity
        with self._ctx_lock:
            ctx = self._ctx
            if ctx is None or not self._online:
                return False
            sent = True
            if identity is None or identity.has_led:
                sent = bool(ctx.submit_command(0, dict(led))) and sent
            if identity is None or identity.has_buzzer:
                sent = bool(ctx.submit_command(0, dict(beep))) and sent
        return sent

    def _port_opened(self) -> None:
        self._channel.reset()

    def _data_received(self, data: bytes) -> None:
        self._channel.feed(data)

    def _new_cp(self) -> Any:
        info = osdp.PDInfo(
            self.address,
            self._channel,
            scbk=self._scbk,
            name=self.name,
            flags=[osdp.LibFlag.EnforceSecure, osdp.LibFlag.EnableNotification],
        ).get()
        ctx = osdp_sys.ControlPanel([info])
        ctx.set_event_callback(self._event)
        return ctx

    def _serve(self, session: LinkSession) -> None:
        # A fresh CP for each session: libosdp's own retry after a failure waits minutes.
        self._channel.session = session
        self._sc_refused = False
        ctx = self._new_cp()
        with self._ctx_lock:
            self._ctx = ctx
        started = time.monotonic()
        online = False
        try:
            while not session.ended:
                with self._ctx_lock:
                    ctx.refresh()
                    up = bool(ctx.status() & 1) and bool(ctx.sc_status() & 1)
                if up and not online:
                    online = True
                    self.identity = self._identify(ctx)
                    _log.info("%s: OSDP reader %s", self.name, self.identity.describe())
                    self._link.report_online()
                elif online and (not up or self._silent()):
                    raise DeviceFault(
                        f"the OSDP reader at address {self.address} stopped answering"
                    )
                elif not online and time.monotonic() - started > self.online_timeout:
                    raise DeviceFault(self._why_not_online())
                session.wait(_REFRESH_SECONDS)
        finally:
            with self._ctx_lock:
                self._ctx = None
            self._channel.session = None

    def _silent(self) -> bool:
        return time.monotonic() - self._channel.last_rx_at > self.silence_timeout

    def _why_not_online(self) -> str:
        where = f"OSDP reader at address {self.address}"
        if self._sc_refused:
            return (
                f"{where} refused the secure channel: its key is not the one in scbk_file "
                "(or the reader is still on its install key)"
            )
        if self._channel.received == 0:
            return f"{where} does not answer (check RS-485 A/B wiring, the address and baudrate)"
        return f"{where} answers but did not come online (check the address and baudrate)"

    def _identify(self, ctx: Any) -> ReaderIdentity:
        pd_id = ctx.get_pd_id(0) or {}
        firmware = int(pd_id.get("firmware_version", 0)) & 0xFFFFFF
        return ReaderIdentity(
            vendor_code=int(pd_id.get("vendor_code", 0)) & 0xFFFFFF,
            model=int(pd_id.get("model", 0)),
            version=int(pd_id.get("version", 0)),
            serial_number=int(pd_id.get("serial_number", 0)) & 0xFFFFFFFF,
            firmware=f"{firmware >> 16}.{(firmware >> 8) & 0xFF}.{firmware & 0xFF}",
            has_led=ctx.check_capability(0, osdp.Capability.LEDControl)[0] > 0,
            has_buzzer=ctx.check_capability(0, osdp.Capability.AudibleControl)[0] > 0,
        )

    def _event(self, pd: int, event: dict[str, Any]) -> int:
        # Called from inside `refresh`, on the supervisor thread; must not raise into C.
        try:
            kind = event.get("event")
            if kind == osdp.Event.CardRead:
                uid = card_uid(event)
                if uid is None:
                    raw = bytes(event.get("data", b""))
                    self._report_rejected("card read the kiosk cannot use as a badge", raw)
                else:
                    self._report_uid(uid)
            elif (
                kind == osdp.Event.Notification
                and event.get("type") == osdp.EventNotification.SecureChannelStatus
                and not event.get("arg0")
            ):
                self._sc_refused = True
        except Exception:
            _log.exception("%s: handling OSDP event %r", self.name, event)
        return 0


def probe_osdp(
    port: str,
    *,
    address: int,
    scbk_file: str,
    baudrate: int | None = None,
    timeout: float = 4.0,
    opened: Callable[[OsdpReader], None] | None = None,
) -> tuple[bool, str]:
    """For `kiosk check`: (ok, one line) with the reader's ID report and capabilities."""
    try:
        key = load_scbk(scbk_file)
    except KeyFileError as exc:
        return False, str(exc)
    done = threading.Event()
    reader = OsdpReader(
        port,
        scbk=key,
        address=address,
        baudrate=baudrate,
        online_timeout=min(timeout, 3.0),
        when_online=lambda _e: done.set(),
        when_offline=lambda _e: done.set(),
    )
    try:
        if opened is not None:
            opened(reader)
        done.wait(timeout)
        if reader.is_online and reader.identity is not None:
            return True, f"{port}: OSDP reader at address {address}: {reader.identity.describe()}"
        return False, reader.last_fault or f"{port}: no answer within {timeout:g} s"
    finally:
        reader.close()
