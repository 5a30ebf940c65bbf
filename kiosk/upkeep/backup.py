"""Nightly online backups of the kiosk's SQLite database, checked and pruned to a number of days.

SQLite's backup API (not a file copy) reads a consistent snapshot while the kiosk keeps writing:
a copied file could catch the database between a page write and its WAL checkpoint. Backups hold
the same safeguarding data as the database: each file is 0600 and the folder 0700. They do not
hold the key file (`[database] key_file`): keep a copy of it apart, or a restored backup can
neither check its audit log nor accept a PIN.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import stat
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from records.database import is_sqlite, sqlite_path

log = logging.getLogger(__name__)

DEFAULT_BACKUP_FOLDER = Path("/var/lib/kiosk/backups")
DEFAULT_KEEP_DAYS = 14

# How long the backup waits for a writer's lock before giving up (the kiosk's own is 5 s).
_BUSY_TIMEOUT_SECONDS = 30.0


class BackupError(Exception):
    """The backup could not be taken or did not check out; the message says what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    pruned: tuple[Path, ...]

    def summary(self) -> str:
        removed = f"; removed {len(self.pruned)} old backup(s)" if self.pruned else ""
        return f"backup written to {self.path} ({self.size} bytes, integrity ok){removed}"


def database_file(url: str) -> Path:
    """The SQLite file a database URL names; BackupError for another database or in-memory."""
    if not is_sqlite(url):
        raise BackupError(
            f"[database] url is not SQLite ({url.split(':', 1)[0]}): `kiosk backup` copies a "
            "SQLite file; back up a PostgreSQL server with its own tools (pg_dump)"
        )
    path = sqlite_path(url)
    if path is None:
        raise BackupError("[database] url is an in-memory SQLite database: nothing to back up")
    return path


def backup_name(db_path: Path, day: date) -> str:
    return f"{db_path.stem}-{day.isoformat()}.db"


def backup_sqlite(db_path: Path, folder: Path, *, now: datetime, keep_days: int) -> BackupResult:
    """Copy `db_path` into `folder` as `<stem>-YYYY-MM-DD.db` (`now`'s date), check, then prune.

    A second backup the same day replaces the first. Backups of this database older than
    `keep_days` days (today counts as one) are removed, but only after a good new one exists.
    """
    if keep_days < 1:
        raise BackupError(f"keep_days must be at least 1, got {keep_days}")
    if not db_path.is_file():
        raise BackupError(f"{db_path}: no database there; run `kiosk db upgrade` first")
    if not folder.is_dir():
        raise BackupError(f"{folder}: no such folder for the backups")
    make_private(folder)
    target = folder / backup_name(db_path, now.date())
    part = folder / f".{target.name}.part"
    part.unlink(missing_ok=True)  # left by a backup cut short (a power cut)
    try:
        _create_private(part)
        _copy(db_path, part)
        _check(part)
        _fsync(part)
        os.replace(part, target)
        _fsync(folder)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    pruned = prune_backups(db_path, folder, today=now.date(), keep_days=keep_days)
    return BackupResult(target, target.stat().st_size, pruned)


def ensure_backup_folder(folder: Path) -> None:
    """Create the backup folder (its parent must exist, e.g. a mounted stick) as 0700."""
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    make_private(folder)


def make_private(folder: Path) -> None:
    """Make a backup folder the kiosk user's alone (0700), or say in the log why it is not.

    A folder on a stick formatted FAT cannot have Unix permissions: the mount options decide.
    """
    try:
        mode = stat.S_IMODE(folder.stat().st_mode)
        if mode != 0o700:
            os.chmod(folder, 0o700)
    except OSError as exc:
        log.warning("cannot make the backup folder %s private (0700): %s", folder, exc)


def _create_private(part: Path) -> None:
    # SQLite would create the file 0644 (less the umask); creating it first, empty, is a valid
    # empty database it then writes into, and its journal takes the same permissions.
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def prune_backups(db_path: Path, folder: Path, *, today: date, keep_days: int) -> tuple[Path, ...]:
    """Remove this database's dated backups older than `keep_days` days; other files are left."""
    pattern = re.compile(re.escape(db_path.stem) + r"-(\d{4}-\d{2}-\d{2})\.db")
    oldest_kept = today - timedelta(days=keep_days - 1)
    removed = []
    for path in sorted(folder.iterdir()):
        match = pattern.fullmatch(path.name)
        if match is None:
            continue
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            continue
        if day < oldest_kept:
            path.unlink(missing_ok=True)
            removed.append(path)
    return tuple(removed)


def _copy(source: Path, part: Path) -> None:
    # mode=rw: never create an empty database where the real one is missing.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True)
    try:
        src.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_SECONDS * 1000)}")
        dest = sqlite3.connect(part)
        try:
            # All pages in one step: under WAL that is one read snapshot, so writers carry on,
            # whereas copying in slices restarts whenever the kiosk commits and may never end.
            src.backup(dest, pages=-1)
            # The copy inherits WAL mode; a backup is one self-contained file.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{source}: cannot back up the database: {exc}") from None
    finally:
        src.close()


def _check(part: Path) -> None:
    copy = sqlite3.connect(f"{part.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = [str(row[0]) for row in copy.execute("PRAGMA integrity_check")]
    except sqlite3.Error as exc:
        raise BackupError(f"the new backup cannot be read back: {exc}") from None
    finally:
        copy.close()
    if rows != ["ok"]:
        raise BackupError(
            f"the new backup failed its integrity check ({'; '.join(rows[:3])}); the database "
            "itself may be damaged: run `kiosk check` and keep the older backups"
        )


def _fsync(path: Path) -> None:
    # The rename is only durable once the file and then its folder reach the card.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
