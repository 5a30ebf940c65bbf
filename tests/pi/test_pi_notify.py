"""The sd_notify protocol against a real AF_UNIX datagram socket standing in for systemd."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.systemd_notify import Notifier, notify, watchdog_interval


class FakeSystemd:
    """The receiving end of $NOTIFY_SOCKET, as systemd binds it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def received(self) -> str:
        return self.sock.recv(4096).decode("utf-8")

    def nothing_waiting(self) -> bool:
        return not self.waiting()

    def waiting(self) -> list[str]:
        """Every message sent so far and not yet read, without waiting for more."""
        timeout = self.sock.gettimeout()
        self.sock.setblocking(False)
        got: list[str] = []
        try:
            while True:
                got.append(self.sock.recv(4096).decode("utf-8"))
        except BlockingIOError:
            return got
        finally:
            self.sock.settimeout(timeout)


@pytest.fixture(autouse=True)
def not_under_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        monkeypatch.delenv(name, raising=False)


def _bound(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(2)
    return sock


@pytest.fixture
def systemd_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSystemd]:
    # A short path: AF_UNIX addresses are limited to 108 bytes and tmp_path can be longer.
    path = Path("/tmp") / f"kiosk-notify-{uuid.uuid4().hex[:12]}"
    with _bound(str(path)) as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        try:
            yield FakeSystemd(sock)
        finally:
            path.unlink(missing_ok=True)


@pytest.fixture
def systemd_abstract(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSystemd]:
    name = f"kiosk-notify-{uuid.uuid4().hex}"
    with _bound("\0" + name) as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        yield FakeSystemd(sock)


def test_ready_reaches_a_notify_socket_given_as_a_path(systemd_path: FakeSystemd) -> None:
    assert Notifier().ready() is True
    assert systemd_path.received() == "READY=1"


def test_ready_reaches_an_abstract_namespace_socket_given_with_at(
    systemd_abstract: FakeSystemd,
) -> None:
    assert Notifier().ready() is True
    assert systemd_abstract.received() == "READY=1"


def test_each_notifier_call_sends_its_own_datagram(systemd_abstract: FakeSystemd) -> None:
    notifier = Notifier()
    notifier.watchdog()
    notifier.status("reader OFFLINE:\n unplugged")
    notifier.stopping()
    assert [systemd_abstract.received() for _ in range(3)] == [
        "WATCHDOG=1",
        "STATUS=reader OFFLINE: unplugged",
        "STOPPING=1",
    ]


def test_outside_systemd_every_call_is_a_quiet_no_op() -> None:
    notifier = Notifier()
    assert (notifier.ready(), notifier.watchdog(), notifier.stopping()) == (False, False, False)
    assert notifier.watchdog_interval is None


def test_a_vanished_notify_socket_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert notify("WATCHDOG=1") is False


def test_watchdog_interval_is_watchdog_usec_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert watchdog_interval() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_interval() == 30.0


def test_watchdog_meant_for_another_process_is_not_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert watchdog_interval() is None


@pytest.mark.parametrize("usec", ["", "0", "-5", "soon"])
def test_no_watchdog_without_a_positive_watchdog_usec(
    usec: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", usec)
    assert watchdog_interval() is None


async def test_pings_from_the_event_loop_at_half_the_interval_stop_while_it_is_frozen(
    systemd_abstract: FakeSystemd, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the app does: ping from its own loop (set_interval), so a blocked loop goes silent.
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    interval = watchdog_interval()
    assert interval == 0.2
    notifier = Notifier()

    async def ping_every_half_interval() -> None:
        while True:
            notifier.watchdog()
            await asyncio.sleep(interval / 2)

    task = asyncio.create_task(ping_every_half_interval())
    try:
        pings: list[str] = []
        deadline = time.monotonic() + 30
        while len(pings) < 3:  # the loop runs: pings arrive, however busy the machine
            assert time.monotonic() < deadline, f"only {pings} from a running loop"
            await asyncio.sleep(0.01)
            pings += systemd_abstract.waiting()  # and the pings already sent are dropped
        assert set(pings) == {"WATCHDOG=1"}
        time.sleep(0.3)  # the loop is blocked, as a hung screen would block it
        assert systemd_abstract.nothing_waiting()
    finally:
        task.cancel()
