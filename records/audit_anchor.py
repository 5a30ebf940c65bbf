"""The audit anchor: a sealed file beside the key naming the log's first and newest entries.

Why it exists and what it guarantees is said in `records.audit`. Here: reading it, moving it
forward (only forward, one process at a time, 0600, replaced whole and synced) and setting it
aside after a restore.

Each process remembers the anchor it last wrote or read, with the file's identity (inode,
size, modification time): while the file on disk is still that file it is not read and its
seal not checked again on every tap. Another writer replaces the file (a new inode), so it is
read afresh; `kiosk audit verify` always reads it afresh.

The anchor is moved after the commit by a thread of its own (`move_anchor`), never on the tap's
path: the anchor's own fsync would double what a learner waits for, and in a burst the newest
head is written once for many commits. Anything that reads the anchor (`read_anchor`, verify,
reset-anchor, closing the book, the process's exit) first waits for the moves already asked.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from records.canonical import canonical_json
from records.keys import derive_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditAnchor:
    """The oldest and newest entry a station saw in the log after its last commit."""

    first_id: int
    first_hash: str
    head_id: int
    head_hash: str

    def fields(self) -> dict[str, Any]:
        return {
            "first_id": self.first_id,
            "first_hash": self.first_hash,
            "head_id": self.head_id,
            "head_hash": self.head_hash,
        }


@dataclass(frozen=True)
class AnchorUnfit:
    """An anchor file that cannot be trusted: unreadable, not an anchor, or not the key's seal."""

    reason: str


_Identity = tuple[int, int, int]  # st_ino, st_size, st_mtime_ns

# path -> (the file's identity when this process last wrote or read it, what it held)
_remembered: dict[Path, tuple[_Identity, AuditAnchor]] = {}


def _identity(path: Path) -> _Identity | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _remembered_now(path: Path) -> AuditAnchor | None:
    """The anchor this process last wrote or read in `path`, while the file is still that one."""
    identity = _identity(path)
    remembered = _remembered.get(path)
    if identity is not None and remembered is not None and remembered[0] == identity:
        return remembered[1]
    return None


class _Mover:
    """Moves anchors forward on a thread of its own; for each file only the newest head asked."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._asked: dict[Path, tuple[bytes, AuditAnchor, bool]] = {}
        self._moving: Path | None = None
        self._moving_anchor: AuditAnchor | None = None
        self._thread: threading.Thread | None = None

    def ask(self, path: Path, key: bytes, anchor: AuditAnchor, start: bool) -> None:
        with self._changed:
            earlier = self._asked.get(path)
            if earlier is not None and earlier[1].head_id >= anchor.head_id:
                return
            # A newer head takes over an unwritten one, and with it the right to start a file.
            self._asked[path] = (key, anchor, start or (earlier is not None and earlier[2]))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audit-anchor", daemon=True)
                self._thread.start()
                atexit.register(self.wait)
            self._changed.notify_all()

    def asked(self, path: Path) -> AuditAnchor | None:
        """The newest head asked for `path` and not yet written: waiting, or being written
        (while the file still holds the head before it)."""
        with self._changed:
            waiting = self._asked.get(path)
            if waiting is not None:
                return waiting[1]
            return self._moving_anchor if self._moving == path else None

    def wait(self, path: Path | None = None) -> None:
        """Until the moves asked (for `path`, or every file) are written."""
        with self._changed:
            self._changed.wait_for(
                lambda: (
                    (path is None and not self._asked and self._moving is None)
                    or (path is not None and path not in self._asked and self._moving != path)
                )
            )

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._asked))
                path, (key, anchor, start) = next(iter(self._asked.items()))
                del self._asked[path]
                self._moving, self._moving_anchor = path, anchor
            try:
                write_anchor(path, key, anchor, start=start)
            except OSError as exc:
                # The entries are committed; failing the door now helps no one. Verify says
                # the anchor is behind only if entries before it go missing.
                log.error("cannot write the audit anchor %s: %s", path, exc)
            except Exception:  # the thread must outlive any one failure
                log.exception("cannot write the audit anchor %s", path)
            finally:
                with self._changed:
                    self._moving, self._moving_anchor = None, None
                    self._changed.notify_all()


_mover = _Mover()


def move_anchor(path: Path, key: bytes, anchor: AuditAnchor, *, start: bool) -> None:
    """Ask for the anchor in `path` to be moved to `anchor` (after a commit), off this thread."""
    _mover.ask(path, key, anchor, start)


def wait_for_anchors(path: Path | None = None) -> None:
    """Until every anchor move asked so far (for `path`, or for every file) is written."""
    _mover.wait(path)


def read_anchor(path: Path, key: bytes | None) -> AuditAnchor | AnchorUnfit | None:
    """The anchor in `path`, read afresh (once the moves asked are written); None when there is
    none."""
    _mover.wait(path)
    return _read(path, key)


def _read(path: Path, key: bytes | None) -> AuditAnchor | AnchorUnfit | None:
    try:
        fields = _read_fields(path)
    except (OSError, ValueError) as exc:
        return AnchorUnfit(f"{path}: cannot read the anchor file: {exc}")
    if fields is None:
        return None
    try:
        anchor = AuditAnchor(
            int(fields["first_id"]),
            str(fields["first_hash"]),
            int(fields["head_id"]),
            str(fields["head_hash"]),
        )
        mac = str(fields["mac"])
    except (KeyError, TypeError, ValueError):
        return AnchorUnfit(f"{path}: not an audit anchor file")
    if key is not None and not hmac.compare_digest(mac, _mac(key, anchor)):
        return AnchorUnfit(f"{path}: the anchor does not match the key (edited, or another key)")
    return anchor


def known_anchor(path: Path, key: bytes) -> AuditAnchor | AnchorUnfit | None:
    """The anchor in `path` as this process knows it: the move it has asked and not yet
    written, else the file as remembered while it is the one last written or read."""
    asked = _mover.asked(path)
    if asked is not None:
        return asked
    remembered = _remembered_now(path)
    if remembered is not None:
        return remembered
    before = _identity(path)
    anchor = _read(path, key)
    if isinstance(anchor, AuditAnchor) and before is not None and _identity(path) == before:
        _remembered[path] = (before, anchor)
    return anchor


def write_anchor(path: Path, key: bytes, anchor: AuditAnchor, *, start: bool = True) -> None:
    """Write `anchor` to `path` (0600, replaced whole), unless it already names a newer head.

    Only forward: a station that lost a race with another process on the same machine, or a
    log whose tail was cut and refilled, never moves the anchor back over the evidence.
    Without `start`, an anchor that is not there (deleted, or unreadable) is not made anew.
    """
    with _lock(path):
        remembered = _remembered_now(path)
        if remembered is not None:
            current_head: int | None = remembered.head_id
        else:
            try:
                fields = _read_fields(path)
            except ValueError:
                fields = None  # unreadable
                if not start:
                    return
            if fields is None and not start:
                log.error("the audit anchor %s is missing: not made anew", path)
                return
            current_head = None if fields is None else int(fields.get("head_id", 0))
        if current_head is not None and current_head >= anchor.head_id:
            return
        body = {**anchor.fields(), "mac": _mac(key, anchor)}
        part = path.with_name(f".{path.name}.{os.getpid()}.part")
        out = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(out, (canonical_json(body) + "\n").encode("utf-8"))
            os.fsync(out)
        finally:
            os.close(out)
        os.replace(part, path)
        written = _identity(path)
        if written is not None:
            _remembered[path] = (written, anchor)


def set_anchor_aside(path: Path, at: datetime) -> Path | None:
    """Rename the anchor out of the way (kept beside it, named for `at`) so the next append
    anchors the log as it is now: after a restore from backup, whose log is shorter than the
    anchor remembers. Returns where the old anchor now is, or None when there was none."""
    _mover.wait(path)
    with _lock(path):
        _remembered.pop(path, None)
        if not path.exists():
            return None
        kept = path.with_name(f"{path.name}.before-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}")
        os.replace(path, kept)
        return kept


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Held while the anchor is read and replaced: one process at a time moves it."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _mac(key: bytes, anchor: AuditAnchor) -> str:
    message = canonical_json(anchor.fields()).encode("utf-8")
    return hmac.new(derive_key(key, "audit-anchor"), message, hashlib.sha256).hexdigest()


def _read_fields(path: Path) -> dict[str, Any] | None:
    with contextlib.suppress(FileNotFoundError):
        content = path.read_text(encoding="utf-8")
        value = json.loads(content) if content.strip() else None
        if value is None:
            # An empty file: a power cut before the first anchor reached the card.
            return None
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value
    return None
