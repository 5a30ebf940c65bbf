"""One pyserial port kept open at a configured URL, reopened whenever it goes away."""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import serial
import serial.threaded

_log = logging.getLogger("drivers.serial")


def describe_serial_error(url: str, exc: BaseException) -> str:
    """One line of plain English for a failure to open or read a serial port."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return f"{url}: no such port (is the reader plugged in?)"
    if code == errno.EACCES:
        return f"{url}: permission denied"
    if code in (errno.EBUSY, errno.EAGAIN) or "exclusively lock" in str(exc):
        return f"{url}: in use by another program"
    text = " ".join(str(exc).split()) or type(exc).__name__
    # pyserial puts the errno of a failed read only in its message: "read failed: [Errno 5] ...".
    gone = ("returned no data", "[Errno 5]", "[Errno 6]", "[Errno 19]")
    if code in (errno.ENODEV, errno.ENXIO, errno.EIO) or any(g in text for g in gone):
        return f"{url}: device went away (unplugged?)"
    return f"{url}: {text}"


class DeviceFault(Exception):
    """An expected device failure (it stopped answering); the message is the offline reason."""


class LinkSession:
    """The life of one opened port: written to by the device, ended by loss or close."""

    def __init__(self, url: str, port: serial.Serial, closing: threading.Event) -> None:
        self.url = url
        self._port = port
        self._closing = closing
        self._ended = threading.Event()
        self._write_lock = threading.Lock()
        self.loss: BaseException | None = None

    @property
    def ended(self) -> bool:
        """True once the port failed or the device is being closed."""
        return self._ended.is_set() or self._closing.is_set()

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds; return True early if the session ended."""
        if self._closing.is_set():
            return True
        return self._ended.wait(timeout) or self._closing.is_set()

    def write(self, data: bytes) -> None:
        """Write to the port; a failure ends the session and is raised."""
        with self._write_lock:
            try:
                self._port.write(data)
                self._port.flush()
            except (serial.SerialException, OSError) as exc:
                self.end(exc)
                raise

    def end(self, exc: BaseException | None) -> None:
        if exc is not None and self.loss is None:
            self.loss = exc
        self._ended.set()


class _ForwardingProtocol(serial.threaded.Protocol):
    """Hands received bytes to the device and never lets its code stop the reader thread."""

    def __init__(self, session: LinkSession, on_data: Callable[[bytes], None]) -> None:
        self._session = session
        self._on_data = on_data

    def data_received(self, data: bytes) -> None:
        # ReaderThread ends the whole read loop at the first exception from protocol code;
        # one bad frame must cost one frame, not the reader.
        try:
            self._on_data(data)
        except Exception:
            _log.exception("error handling data from %s", self._session.url)

    def connection_lost(self, exc: BaseException | None) -> None:
        # The base class re-raises `exc`, which would only print a traceback from a dying
        # thread; the supervisor reopens the port instead.
        self._session.end(exc)


if TYPE_CHECKING:
    _ReaderThreadBase = serial.threaded.ReaderThread[_ForwardingProtocol]
else:  # pyserial's class is generic only in its type stubs
    _ReaderThreadBase = serial.threaded.ReaderThread


class _ReaderThread(_ReaderThreadBase):
    """pyserial's ReaderThread, made to report every way its loop can end."""

    def __init__(
        self, port: serial.Serial, session: LinkSession, on_data: Callable[[bytes], None]
    ) -> None:
        super().__init__(port, lambda: _ForwardingProtocol(session, on_data))
        self._session = session
        self.name = f"serial-reader {session.url}"

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            # `serial.in_waiting` raises OSError (not SerialException) when a USB adapter is
            # pulled, and ReaderThread.run lets that escape without calling connection_lost.
            self.alive = False
            self._session.end(exc)
        finally:
            self._session.end(None)


class SerialLink:
    """Keeps a port open at `url`, reopening it at the same path after it vanishes.

    Bytes go to `on_data` from the reader thread. `on_online` / `on_offline(reason)` are
    called from the supervisor thread on each change (`on_offline` also when the first open
    fails, and when the reason changes while offline). `serve`, when given, runs in the
    supervisor thread for each opened port until the session ends, and calls `report_online`
    itself: a request/response chip counts as online once it has answered, not when its port
    opens. Raise `DeviceFault` from it to drop the port and retry. Without `serve` the port is
    online as soon as it opens. Retries happen every `retry_interval` seconds.
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int,
        on_data: Callable[[bytes], None],
        on_online: Callable[[], None],
        on_offline: Callable[[str], None],
        serve: Callable[[LinkSession], None] | None = None,
        on_open: Callable[[], None] | None = None,
        retry_interval: float = 1.0,
        exclusive: bool = True,
    ) -> None:
        if baudrate <= 0:
            raise ValueError(f"baudrate must be positive, got {baudrate}")
        if not 0 < retry_interval <= 2.0:
            raise ValueError("retry_interval must be more than 0 and at most 2 seconds")
        self.url = url
        self.baudrate = baudrate
        self._on_data = on_data
        self._on_online = on_online
        self._on_offline = on_offline
        self._serve = serve
        self._on_open = on_open
        self._retry_interval = retry_interval
        self._exclusive = exclusive
        self._closing = threading.Event()
        self._state_lock = threading.Lock()
        self._online: bool | None = None
        self._last_fault: str | None = None
        self._session: LinkSession | None = None
        self._thread = threading.Thread(target=self._supervise, name=f"serial-link {url}")
        self._thread.daemon = True

    def start(self) -> None:
        self._thread.start()

    @property
    def is_online(self) -> bool:
        return self._online is True

    @property
    def last_fault(self) -> str | None:
        return self._last_fault

    def report_online(self) -> None:
        """Mark the link online (for `serve` functions, once the device has answered)."""
        with self._state_lock:
            if self._online is True or self._closing.is_set():
                return
            self._online = True
        self._on_online()

    def _report_offline(self, reason: str) -> None:
        with self._state_lock:
            repeat = self._online is False and reason == self._last_fault
            self._last_fault = reason
            if repeat or self._closing.is_set():
                return
            self._online = False
        _log.warning("%s", reason)
        self._on_offline(reason)

    def close(self, timeout: float = 5.0) -> None:
        """Stop reading and close the port; no events are reported after this returns."""
        self._closing.set()
        session = self._session
        if session is not None:
            session.end(None)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        with self._state_lock:
            self._online = False

    def _open(self) -> serial.Serial:
        return serial.serial_for_url(
            self.url,
            baudrate=self.baudrate,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=None,
            exclusive=self._exclusive or None,
        )

    def _supervise(self) -> None:
        while not self._closing.is_set():
            try:
                port = self._open()
            except Exception as exc:
                self._report_offline(describe_serial_error(self.url, exc))
                self._closing.wait(self._retry_interval)
                continue
            reason = self._run_session(port)
            if self._closing.is_set():
                break
            self._report_offline(reason)
            self._closing.wait(self._retry_interval)

    def _run_session(self, port: serial.Serial) -> str:
        session = LinkSession(self.url, port, self._closing)
        self._session = session
        reader = _ReaderThread(port, session, self._on_data)
        reason = f"{self.url}: connection lost"
        try:
            if self._on_open is not None:
                self._on_open()
            if self._serve is None:
                # Online before the first byte is read, so a read never precedes its online.
                self.report_online()
                reader.start()
                while not session.wait(0.5) and reader.is_alive():
                    pass
            else:
                reader.start()
                self._serve(session)
        except Exception as exc:
            session.end(exc)
            if not isinstance(exc, (serial.SerialException, OSError, DeviceFault)):
                _log.exception("device session on %s failed", self.url)
        finally:
            session.end(None)
            self._stop_reader(reader, port)
            self._session = None
        if session.loss is not None:
            reason = describe_serial_error(self.url, session.loss)
        return reason

    def _stop_reader(self, reader: _ReaderThread, port: serial.Serial) -> None:
        try:
            if reader.is_alive():
                reader.stop()
        except Exception:
            _log.debug("stopping reader on %s", self.url, exc_info=True)
        try:
            port.close()
        except Exception:
            # Closing a descriptor whose device has gone can fail; it is closed either way.
            _log.debug("closing %s", self.url, exc_info=True)
