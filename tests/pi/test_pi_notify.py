"""The sd_notify protocol against a real AF_UNIX datagram socket standing in for systemd, and
kiosk-panel.service's watchdog hearing `kiosk run` under `kiosk panel` from the start."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.station.systemd_notify import Notifier, notify, watchdog_interval
from tests.drivers.driverfakes import PtyDevice


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


# kiosk-panel.service: the pings come from `kiosk run`, started by `kiosk panel` (the unit's main
# process) as soon as it starts, with no browser connected.

ROOT = Path(__file__).resolve().parents[2]
PANEL_UNIT = ROOT / "systemd" / "kiosk-panel.service"
# The unit's WatchdogSec= is 30 s; the pings are watched at a fifteenth of the scale, so the test
# takes seconds. What is timed at full scale is the start-up, against the real WatchdogSec.
SCALE = 15
PANEL_CONFIG = """\
[school]
name = "Watchdog Academy"

[database]
url = "sqlite:///{db}"

[policy]
phone_handin = "off"
screening = "off"

[rfid]
driver = "em4100"
port = "{reader}"

[detector]
driver = "none"
"""


def _panel_unit() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in PANEL_UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seconds(value: str) -> float:
    units = {"ms": 0.001, "s": 1.0, "min": 60.0}
    for suffix, factor in sorted(units.items(), key=lambda unit: -len(unit[0])):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value)


def _panel_as_systemd_starts_it(
    tmp_path: Path, notify_socket: str, watchdog_usec: int
) -> tuple[subprocess.Popen[bytes], PtyDevice]:
    """`kiosk panel` with the environment kiosk-panel.service gives it: the unit's Environment=
    (the config and home made local), NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID naming the
    main process (itself: a shell that sets it to its own pid and execs), then UnsetEnvironment=."""
    unit = _panel_unit()
    reader = PtyDevice(tmp_path / "reader")
    config = tmp_path / "kiosk.toml"
    config.write_text(PANEL_CONFIG.format(db=tmp_path / "kiosk.db", reader=reader.path))
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "db", "upgrade", "--config", str(config)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "PYTEST_CURRENT_TEST"}
    }
    for assignment in unit.get("Environment", []):
        key, _, value = assignment.partition("=")
        environment[key] = value
    environment |= {
        "HOME": str(tmp_path),
        "KIOSK_CONFIG": str(config),
        "KIOSK_LOG": str(tmp_path / "kiosk.log"),
        "GPIOZERO_PIN_FACTORY": "mock",
        "RUNTIME_DIRECTORY": str(tmp_path),  # RuntimeDirectory=: the device lock
        "PYTHONPATH": str(ROOT),
        "NOTIFY_SOCKET": notify_socket,
        "WATCHDOG_USEC": str(watchdog_usec),
    }
    [exec_start] = unit["ExecStart"]
    program, *arguments = exec_start.split()
    assert program.endswith("/bin/kiosk") and arguments[:2] == ["panel", "--listen"]
    command = [sys.executable, "-m", "kiosk", "panel", "--listen", f"127.0.0.1:{_free_port()}"]
    unset = " ".join(" ".join(unit.get("UnsetEnvironment", [])).split())
    shell = f'export WATCHDOG_PID=$$; {f"unset {unset}; " if unset else ""}exec "$@"'
    process = subprocess.Popen(
        ["/bin/sh", "-c", shell, "sh", *command],
        cwd=tmp_path,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=(tmp_path / "panel.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, reader


def test_the_panel_units_watchdog_hears_kiosk_run_from_the_start_with_no_browser(
    systemd_abstract: FakeSystemd, tmp_path: Path
) -> None:
    unit = _panel_unit()
    assert unit["NotifyAccess"] == ["all"], "the pings come from a child of the main process"
    [watchdog] = [_seconds(value) for value in unit["WatchdogSec"]]
    watchdog_usec = int(watchdog / SCALE * 1_000_000)
    started = time.monotonic()
    process, reader = _panel_as_systemd_starts_it(
        tmp_path, os.environ["NOTIFY_SOCKET"], watchdog_usec
    )
    try:
        systemd_abstract.sock.settimeout(60)
        said: list[tuple[float, str]] = []
        while sum(1 for _, text in said if text == "WATCHDOG=1") < 3:
            try:
                said.append((time.monotonic(), systemd_abstract.received()))
            except TimeoutError:
                log = (tmp_path / "panel.log").read_text(errors="replace")
                raise AssertionError(f"systemd heard only {said}; the panel said:\n{log}") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        reader.unplug()

    ready = [at for at, text in said if text == "READY=1"]
    pings = [at for at, text in said if text == "WATCHDOG=1"]
    assert ready, said
    # At full scale the first ping is due WatchdogSec/2 after the app starts: it must be up by
    # then, or systemd restarts the unit before it ever pings.
    assert ready[0] - started < watchdog / 2, f"READY=1 only after {ready[0] - started:.1f} s"
    gaps = [later - earlier for earlier, later in itertools.pairwise(pings)]
    assert max(gaps) < watchdog / SCALE, f"silent for {max(gaps):.2f} s: systemd would restart"
    # Pinged every WatchdogSec/2 (a fixed-rate timer: a late ping does not delay the next).
    assert sum(gaps) / len(gaps) < 0.6 * watchdog / SCALE, gaps
