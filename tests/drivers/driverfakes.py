"""Test doubles for the drivers suite: pseudo-terminal devices, a scripted PN532, recorders."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drivers.pn532 import (
    ACK_FRAME,
    IN_LIST_PASSIVE_TARGET,
    InformationFrame,
    Nack,
    Pn532Framer,
    build_response,
)

WAIT = 5.0  # generous upper bound for anything a test waits on; passing tests return early


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


class Recorder:
    """A callback that keeps every event it is given, for `when_*` attributes."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, kind: type) -> list[Any]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(self, kind: type, count: int = 1, timeout: float = WAIT) -> list[Any]:
        """Wait until `count` events of `kind` have arrived; return them (fails on timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [e for e in self.events if isinstance(e, kind)]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._cond.wait(remaining)
        assert len(found) >= count, f"waited for {count} {kind.__name__}, got {self.events!r}"
        return found

    def kinds(self) -> list[str]:
        with self._cond:
            return [type(e).__name__ for e in self.events]


def reader_callbacks(recorder: Recorder) -> dict[str, Any]:
    """Constructor keywords sending every reader event to `recorder`."""
    return {f"when_{name}": recorder for name in ("read", "rejected", "online", "offline")}


def detector_callbacks(recorder: Recorder) -> dict[str, Any]:
    """Constructor keywords sending every detector event to `recorder`."""
    return {f"when_{name}": recorder for name in ("alarm", "clear", "online", "offline")}


class PtyDevice:
    """The far end of a pseudo-terminal: plays the part of a USB serial reader.

    The driver is given `path`: the pty's slave, or a symlink to it (as /dev/serial/by-id is).
    `unplug()` closes the master, which makes reads on the slave fail as a pulled USB adapter's do.
    """

    def __init__(self, link: Path | None = None) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.slave_path = os.ttyname(self._slave)
        self.link = link
        if link is not None:
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            link.symlink_to(self.slave_path)
        self.path = str(link) if link is not None else self.slave_path
        self._open = True

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def read(self, timeout: float = 0.05) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            return os.read(self.master, 4096)
        except OSError:
            return b""

    def unplug(self) -> None:
        if not self._open:
            return
        self._open = False
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        os.close(self.master)
        os.close(self._slave)

    close = unplug


def poll_response(uid: bytes | None, *, sel_res: int = 0x08) -> bytes:
    """An InListPassiveTarget response with one card (or none) as the chip sends it."""
    if uid is None:
        return build_response(IN_LIST_PASSIVE_TARGET, b"\x00")
    target = bytes([0x01, 0x00, 0x44 if len(uid) == 7 else 0x04, sel_res, len(uid)]) + uid
    return build_response(IN_LIST_PASSIVE_TARGET, b"\x01" + target)


def corrupt(frame: bytes) -> bytes:
    """The same frame with its data checksum off by one."""
    return frame[:-2] + bytes([(frame[-2] + 1) & 0xFF]) + frame[-1:]


class ScriptedPn532:
    """A PN532 on the master side of a pty: ACKs each command, then answers as the chip does.

    Poll answers come from `polls` in order (each a list of frames sent after the ACK, so a
    corrupted frame can be followed by nothing and resent on NACK); once they run out the
    field is empty. With `answering` False it stays silent, as a chip without power.
    """

    def __init__(self, device: PtyDevice, polls: list[list[bytes]] | None = None) -> None:
        self.device = device
        self.polls = list(polls or [])
        self.answering = True
        self.received = bytearray()
        self.commands: list[bytes] = []
        self.nacks = 0
        self._resend: list[bytes] = []
        self._framer = Pn532Framer()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def command_codes(self) -> list[int]:
        return [c[0] for c in list(self.commands)]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.device.read(0.02)
            except (OSError, ValueError):
                return
            if not data:
                continue
            self.received.extend(data)
            if not self.answering:
                continue
            for frame in self._framer.feed(data):
                if isinstance(frame, Nack):
                    self.nacks += 1
                    if self._resend:
                        self._send(self._resend.pop(0))
                elif isinstance(frame, InformationFrame) and frame.tfi == 0xD4:
                    self.commands.append(frame.data)
                    self._answer(frame.data)

    def _send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            self.device.write(data)

    def _answer(self, command: bytes) -> None:
        self._send(ACK_FRAME)
        code = command[0]
        if code == IN_LIST_PASSIVE_TARGET:
            frames = self.polls.pop(0) if self.polls else [poll_response(None)]
        else:
            frames = [build_response(code, b"\x32\x01\x06\x07" if code == 0x02 else b"")]
        first, *rest = frames
        self._resend = rest
        self._send(first)
