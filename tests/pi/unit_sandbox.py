"""Run a command under a systemd service's sandbox, as far as it applies without systemd as PID 1.

    /usr/bin/python3 unit_sandbox.py SPEC_JSON COMMAND [ARGUMENT...]

Run as root by Debian's own python3, whose python3-seccomp (libseccomp) builds the filters.
tests/pi/test_chromium_sandbox.py makes SPEC from the unit file. In systemd's order (the
service manager's exec step): the supplementary groups, group and user, keeping the capabilities
across the change of user only until execve() (as systemd does, so a filter may be loaded with or
without no-new-privileges); the capability bounding set; no-new-privileges when the unit asks
for it; the seccomp filters of RestrictAddressFamilies=, RestrictNamespaces= and, last,
SystemCallFilter=; then execve() in the working directory with the environment given. What needs
systemd's own mount namespace (ProtectSystem=, PrivateTmp=, ProtectProc=, ...) is not applied.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import sys
from typing import Any

import seccomp  # type: ignore[import-not-found]  # Debian's python3-seccomp, for /usr/bin/python3

PR_SET_KEEPCAPS = 8
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

# The namespaces RestrictNamespaces= knows, by the clone() flag that makes each (systemd 252).
NAMESPACE_FLAGS = {
    "cgroup": 0x02000000,
    "ipc": 0x08000000,
    "net": 0x40000000,
    "mnt": 0x00020000,
    "pid": 0x20000000,
    "user": 0x10000000,
    "uts": 0x04000000,
}
AF_MAX = 46  # one past the highest address family Linux knows (AF_MCTP is 45)

libc = ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def become(uid: int, gid: int, groups: list[int]) -> None:
    """Change user, keeping the capabilities (permitted and effective) until execve()."""
    _check(libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "PR_SET_KEEPCAPS")
    os.setgroups(groups)
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(libc.capget(ctypes.byref(header), data), "capget")
    for half in data:
        half.effective = half.permitted
    _check(libc.capset(ctypes.byref(header), data), "capset")


def drop_bounding_set() -> None:
    cap = 0
    while libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    if ctypes.get_errno() != errno.EINVAL:  # EINVAL: past the last capability this kernel has
        _check(-1, f"PR_CAPBSET_DROP {cap}")


def _load(rules: Any) -> None:
    # systemd turns off libseccomp's own no-new-privileges: the unit decides that alone.
    rules.set_attr(seccomp.Attr.CTL_NNP, 0)
    rules.load()


def restrict_address_families(allow: bool, families: list[int]) -> None:
    """RestrictAddressFamilies=: socket() of a family not allowed fails with EAFNOSUPPORT."""
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    refused = [f for f in range(AF_MAX) if (f in families) != allow]
    for family in refused:
        rules.add_rule(
            seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.EQ, family)
        )
    if allow:
        rules.add_rule(
            seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.GE, AF_MAX)
        )
    _load(rules)


def restrict_namespaces(retained: list[str]) -> None:
    """RestrictNamespaces=, as systemd builds it: unshare(), clone() and setns() with the flag of
    a namespace not retained fail with EPERM; clone3() with ENOSYS (its flags cannot be seen), so
    that callers fall back to clone()."""
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    if retained:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "setns", seccomp.Arg(1, seccomp.EQ, 0))
    else:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "setns")
    for name, flag in NAMESPACE_FLAGS.items():
        if name in retained:
            continue
        masked = seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag)
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "unshare", masked)
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", masked)
        if retained:
            rules.add_rule(
                seccomp.ERRNO(errno.EPERM), "setns", seccomp.Arg(1, seccomp.MASKED_EQ, flag, flag)
            )
    _load(rules)


def filter_system_calls(allow: bool, names: list[str], error: int) -> None:
    """SystemCallFilter= with SystemCallErrorNumber=: an allow list (anything else fails with
    `error`) or a deny list. A name this architecture lacks (setuid32 on arm64) is skipped."""
    listed = seccomp.ALLOW if allow else seccomp.ERRNO(error)
    rules = seccomp.SyscallFilter(defaction=seccomp.ERRNO(error) if allow else seccomp.ALLOW)
    for name in names:
        try:
            rules.add_rule(listed, name)
        except (RuntimeError, ValueError):
            continue
    _load(rules)


def main(argv: list[str]) -> None:
    spec = json.loads(argv[1])
    command = argv[2:]
    if os.geteuid() == 0:
        become(spec["uid"], spec["gid"], spec["groups"])
    if spec["empty_bounding_set"]:
        drop_bounding_set()
    if spec["no_new_privileges"]:
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
    if (families := spec["address_families"]) is not None:
        restrict_address_families(families["allow"], families["families"])
    if (retained := spec["namespaces"]) is not None:
        restrict_namespaces(retained)
    if (calls := spec["system_calls"]) is not None:
        filter_system_calls(calls["allow"], calls["names"], calls["errno"])
    os.chdir(spec["cwd"])
    os.execve(command[0], command, spec["environment"])


if __name__ == "__main__":
    main(sys.argv)
