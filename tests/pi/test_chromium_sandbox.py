"""Chromium keeps its own sandbox under kiosk.service's restrictions: Debian's Chromium, run as an
unprivileged user with the unit's settings applied, shows chrome://sandbox "adequately sandboxed";
with the namespaces forbidden, as the unit once had them, it aborts and the panel would stay black.

The settings are read from systemd/kiosk.service, so the test follows the unit: the user (another
unprivileged one, `nobody`, with a home folder of its own under /tmp, since the checkout may
sit in a folder only root may enter), NoNewPrivileges=, CapabilityBoundingSet=,
RestrictAddressFamilies=, RestrictNamespaces= and SystemCallFilter= with SystemCallErrorNumber=
(the groups expanded by `systemd-analyze syscall-filter`), applied by tests/pi/unit_sandbox.py in
systemd's order with Debian's libseccomp (python3-seccomp); and Chromium is the unit's, with the
unit's flags, headless.
The mount-namespace settings (ProtectSystem=, PrivateTmp=, ...) need systemd as PID 1 and are not
applied. The page is read over the DevTools protocol (Playwright's connect_over_cdp): Chromium
does not dump chrome:// pages with --dump-dom. Without root, Chromium, python3-seccomp or
systemd-analyze the tests are skipped, saying why; under CI=true they fail instead.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "kiosk.service"
LAUNCHER = Path(__file__).resolve().with_name("unit_sandbox.py")
SYSTEM_PYTHON = "/usr/bin/python3"
WAIT_SECONDS = 60.0  # a bound for a loaded machine, never a pause
HEADLESS = [
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What Chromium says when it cannot start its sandbox: without user namespaces it falls back to
# the setuid helper, which no-new-privileges stops (or, without the helper, finds none at all).
NO_SANDBOX = re.compile(r"No usable sandbox|setuid sandbox is not running as root")
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TRUE_WORDS = {"yes", "true", "on", "1"}
MARK = "KIOSK_SANDBOX_TEST_RUN"


def _needs(what: str, why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI: {why}", pytrace=False)
    pytest.skip(f"{what}: {why}")


# The unit, as systemd reads it.


def unit_settings(text: str) -> dict[str, list[str]]:
    """Each key's values in order, continuation lines joined, comments left out."""
    settings: dict[str, list[str]] = {}
    for line in text.replace("\\\n", " ").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(" ".join(value.split()))
    return settings


def _is_true(settings: dict[str, list[str]], key: str) -> bool:
    return settings.get(key, ["no"])[-1].lower() in TRUE_WORDS


@cache
def syscall_groups() -> dict[str, tuple[str, ...]]:
    """Each @group of SystemCallFilter= and its members, as this systemd defines them."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        _needs("systemd-analyze", "it expands the unit's system call groups (package systemd)")
        raise AssertionError  # not reached
    listing = subprocess.run(
        [analyze, "syscall-filter", "--no-pager"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in listing.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif not line.strip():
            current = None
        elif current is not None and not line.strip().startswith("#"):
            current.append(line.strip())
    return {name: tuple(members) for name, members in groups.items()}


def expand(names: list[str]) -> set[str]:
    found: set[str] = set()
    for name in names:
        if name.startswith("@"):
            found |= expand(list(syscall_groups()[name]))
        else:
            found.add(name)
    return found


def system_call_filter(values: list[str]) -> tuple[bool, set[str]] | None:
    """SystemCallFilter= merged as systemd merges it: the first assignment decides allow list or
    deny list (an allow list takes @default too); each later one adds to or takes from it; an
    empty one starts again."""
    allow: bool | None = None
    names: set[str] = set()
    for value in values:
        if not value:
            allow, names = None, set()
            continue
        invert = value.startswith("~")
        listed = expand(value.lstrip("~").split())
        if allow is None:
            allow = not invert
            names = listed | (expand(["@default"]) if allow else set())
        elif invert != allow:  # ~ on a deny list, or a plain line on an allow list
            names |= listed
        else:
            names -= listed
    return None if allow is None else (allow, names)


def retained_namespaces(settings: dict[str, list[str]]) -> list[str] | None:
    """RestrictNamespaces=: the namespaces the unit may still make, or None for no restriction."""
    value = settings.get("RestrictNamespaces", ["no"])[-1]
    known = ["cgroup", "ipc", "net", "mnt", "pid", "user", "uts"]
    if value.lower() in TRUE_WORDS:
        return []
    if value.lower() in {"no", "false", "off", "0"}:
        return None
    if value.startswith("~"):
        return [name for name in known if name not in value[1:].split()]
    return value.split()


def address_families(settings: dict[str, list[str]]) -> dict[str, Any] | None:
    if "RestrictAddressFamilies" not in settings:
        return None
    value = settings["RestrictAddressFamilies"][-1]
    if value == "none":
        return {"allow": True, "families": []}
    names = value.lstrip("~").split()
    return {"allow": not value.startswith("~"), "families": [getattr(socket, n) for n in names]}


def chromium_command(settings: dict[str, list[str]]) -> list[str]:
    """The unit's Chromium with the unit's own flags, less its profile folder and its page."""
    [exec_start] = settings["ExecStart"]
    words = shlex.split(exec_start)
    browser = words[words.index("--") + 1 :]
    return [browser[0]] + [
        word
        for word in browser[1:]
        if word.startswith("--") and not word.startswith("--user-data-dir=")
    ]


@dataclass
class Run:
    """What one run of Chromium showed: chrome://sandbox's text, or why it never got that far."""

    sandbox_page: str | None
    returncode: int | None
    stderr: list[str] = field(default_factory=list)

    def said(self) -> str:
        return "".join(self.stderr[-40:])


class Home:
    """A folder of the test user's own, outside the checkout (which may be closed to it)."""

    def __init__(self, user: pwd.struct_passwd) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="kiosk-chromium-", dir="/tmp"))
        os.chown(self.path, user.pw_uid, user.pw_gid)
        self.path.chmod(0o700)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _user() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        _needs("root", "the test runs Chromium as another, unprivileged user")
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        _needs("the user nobody", "Chromium runs as an unprivileged user")
        raise


def launch_spec(
    settings: dict[str, list[str]], user: pwd.struct_passwd, home: Path
) -> dict[str, Any]:
    calls = system_call_filter(settings.get("SystemCallFilter", []))
    error_name = settings.get("SystemCallErrorNumber", ["EPERM"])[-1]
    environment = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8"}
    for assignment in settings.get("Environment", []):
        key, _, value = assignment.partition("=")
        environment[key] = value
    environment["HOME"] = str(home)
    environment[MARK] = home.name  # finds every process of this run afterwards
    return {
        "uid": user.pw_uid,
        "gid": user.pw_gid,
        "groups": os.getgrouplist(user.pw_name, user.pw_gid),
        "no_new_privileges": _is_true(settings, "NoNewPrivileges"),
        "empty_bounding_set": settings.get("CapabilityBoundingSet") == [""],
        "address_families": address_families(settings),
        "namespaces": retained_namespaces(settings),
        "system_calls": None
        if calls is None
        else {"allow": calls[0], "names": sorted(calls[1]), "errno": getattr(errno, error_name)},
        "cwd": str(home),
        "environment": environment,
    }


def _system_python_with_seccomp() -> str:
    if not Path(SYSTEM_PYTHON).exists():
        _needs(SYSTEM_PYTHON, "Debian's python3 builds the seccomp filters")
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import seccomp"], capture_output=True, timeout=60, check=False
    )
    if done.returncode != 0:
        _needs("python3-seccomp", "the unit's system call filter is built with libseccomp")
    return SYSTEM_PYTHON


def _read_sandbox_page(devtools: str) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(devtools, timeout=WAIT_SECONDS * 1000)
        try:
            page = browser.contexts[0].new_page()
            page.goto("chrome://sandbox", timeout=WAIT_SECONDS * 1000)
            # The page fills itself in from the browser: wait for its verdict.
            page.wait_for_function(
                "document.body.innerText.includes('sandboxed')", timeout=WAIT_SECONDS * 1000
            )
            return page.inner_text("body")
        finally:
            browser.close()


def run_chromium(unit_text: str) -> Run:
    """Chromium as the unit would run it, headless, until chrome://sandbox has been read."""
    settings = unit_settings(unit_text)
    command = chromium_command(settings)
    if not Path(command[0]).exists():
        _needs(command[0], "the test runs Debian's Chromium (apt-get install chromium)")
    python = _system_python_with_seccomp()
    user = _user()
    home = Home(user)
    spec = launch_spec(settings, user, home.path)
    argv = [
        *command,
        *HEADLESS,
        f"--user-data-dir={home.path / 'chromium'}",
        "--remote-debugging-port=0",
        "about:blank",
    ]
    process = subprocess.Popen(
        [python, str(LAUNCHER), json.dumps(spec), *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    lines: list[str] = []
    listening = threading.Event()
    devtools: list[str] = []

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if found := re.search(r"DevTools listening on (ws://\S+)", line):
                devtools.append(found.group(1))
                listening.set()
        listening.set()  # the end of its output: it has stopped

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        listening.wait(WAIT_SECONDS)
        if devtools:
            return Run(_read_sandbox_page(devtools[0]), process.poll(), lines)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=WAIT_SECONDS)  # it closed its output: it is ending
        return Run(None, process.poll(), lines)
    finally:
        _stop(process, f"{MARK}={home.path.name}")
        reader.join(timeout=10)
        home.remove()


def _ours(marker: str) -> list[int]:
    """The processes of this run, by the mark in their environment (Chromium's crash handler
    leaves the process group; every helper inherits the environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # gone already
    return found


def _stop(process: subprocess.Popen[str], marker: str) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    deadline = time.monotonic() + WAIT_SECONDS
    while (left := _ours(marker)) and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    process.wait(timeout=10)
    assert not _ours(marker), "Chromium's processes outlived the test"


@pytest.fixture(scope="module")
def user_namespaces() -> None:
    """The machine lets an unprivileged user make the namespaces Chromium's sandbox needs (a
    container's own seccomp profile may not); otherwise no result here would say anything."""
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if unshare is None or setpriv is None:
        _needs("unshare and setpriv", "they check that this machine allows user namespaces")
        return
    user = _user()
    probe = subprocess.run(
        [
            *(setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"),
            *("--no-new-privs", unshare, "--user", "--pid", "--net", "--fork", "true"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0:
        _needs("user namespaces", f"an unprivileged user cannot make them here: {probe.stderr}")


def _unit_with(text: str, key: str, values: list[str]) -> str:
    """The unit with every `key=` line replaced by `values` (the first where the first was)."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{key}="))
    kept = [line for line in lines if not line.startswith(f"{key}=")]
    before = sum(1 for line in lines[:at] if not line.startswith(f"{key}="))
    return "\n".join(kept[:before] + [f"{key}={v}" for v in values] + kept[before:]) + "\n"


def test_chromium_keeps_its_sandbox_under_the_kiosk_units_restrictions(
    user_namespaces: None,
) -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert _is_true(unit_settings(text), "NoNewPrivileges"), "the unit keeps no-new-privileges"

    run = run_chromium(text)

    assert run.sandbox_page is not None, run.said()
    page = " ".join(run.sandbox_page.split())
    assert "Layer 1 Sandbox Namespace" in page, page
    assert "PID namespaces Yes" in page and "Network namespaces Yes" in page, page
    assert "Seccomp-BPF sandbox Yes" in page, page
    assert "Seccomp-BPF sandbox supports TSYNC Yes" in page, page  # the seccomp() call given back
    assert "You are adequately sandboxed." in page, page
    assert not NO_SANDBOX.search(run.said())


def test_with_namespaces_forbidden_as_the_unit_had_them_chromium_aborts(
    user_namespaces: None,
) -> None:
    old = _unit_with(UNIT.read_text(encoding="utf-8"), "RestrictNamespaces", ["yes"])

    run = run_chromium(old)

    assert run.sandbox_page is None
    assert run.returncode not in (None, 0), run.said()
    assert NO_SANDBOX.search(run.said()), run.said()


def test_without_the_system_calls_given_back_chromium_has_no_sandbox(
    user_namespaces: None,
) -> None:
    text = UNIT.read_text(encoding="utf-8")
    filters = unit_settings(text)["SystemCallFilter"]
    assert filters[-1].split() == ["chroot", "capset", "seccomp"]

    run = run_chromium(_unit_with(text, "SystemCallFilter", filters[:-1]))

    assert run.sandbox_page is None
    assert run.returncode not in (None, 0), run.said()


def test_the_kiosk_never_turns_chromiums_sandbox_off() -> None:
    command = chromium_command(unit_settings(UNIT.read_text(encoding="utf-8")))
    assert command[0] == "/usr/bin/chromium"
    switched_off = {
        "--no-sandbox",
        "--disable-namespace-sandbox",
        "--disable-seccomp-filter-sandbox",
    }
    assert not switched_off & set(command), command


def test_the_unit_is_read_as_systemd_reads_it() -> None:
    # The merge of SystemCallFilter= lines that the sandbox runs above depend on.
    allow, names = system_call_filter(["@system-service", "~@privileged @resources", "chroot"]) or (
        False,
        set(),
    )
    assert allow and {"read", "clone", "chroot"} <= names
    assert not {"capset", "setuid", "setrlimit"} & names
    assert system_call_filter(["~@mount", "mount"]) == (False, expand(["@mount"]) - {"mount"})
    assert retained_namespaces({"RestrictNamespaces": ["user pid net"]}) == ["user", "pid", "net"]
    assert retained_namespaces({"RestrictNamespaces": ["yes"]}) == []
    assert retained_namespaces({}) is None
