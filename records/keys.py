"""The school's secret key: a file outside the database that seals the audit chain and the PINs.

A copy of the database (a backup, a dump, a stolen SD card image taken without the key file)
then gives up neither the PINs nor the power to rewrite the audit log unseen. The key travels
with the sessions a database was opened with (`records.database.make_sessionmaker(key=...)`),
never through a global.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from sqlalchemy.orm import Session

# Raw key length; the file holds it as hex so that an administrator can copy it to paper.
KEY_BYTES = 32

# Where a session finds the key and the audit anchor it was opened with (Session.info).
SESSION_KEY = "records.key"
SESSION_AUDIT_ANCHOR = "records.audit_anchor"


class KeyFileError(Exception):
    """The key file cannot be used; the message names it and says what to do."""


def load_or_create_key(path: Path) -> bytes:
    """The key in `path`, creating it (mode 0600, and its folder 0700) when there is none.

    Created with O_CREAT|O_EXCL, so two `kiosk db upgrade` runs at once never end up with
    two different keys: the loser reads the winner's file.
    """
    if not path.exists():
        make_private_folder(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_key(path)
        except OSError as exc:
            raise KeyFileError(f"{path}: cannot create the key file: {exc.strerror}") from None
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, (secrets.token_bytes(KEY_BYTES).hex() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
    return load_key(path)


def load_key(path: Path) -> bytes:
    """The key in `path`; KeyFileError when it is missing, unreadable, malformed or shared."""
    try:
        info = path.stat()
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyFileError(
            f"{path}: no key file; run `kiosk db upgrade` to create it, or restore the copy "
            "kept apart from the backups"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: cannot read the key file: {exc}") from None
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise KeyFileError(
            f"{path}: the key file is readable by other users; make it the kiosk user's "
            f"alone with `chmod 600 {path}`"
        )
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path}: not a kiosk key file ({KEY_BYTES * 2} hex digits expected)")
    return key


def derive_key(key: bytes, purpose: str) -> bytes:
    """A key for one purpose only, so a value sealed for one use proves nothing for another."""
    return hmac.new(key, b"kiosk:" + purpose.encode("ascii"), hashlib.sha256).digest()


def anchor_path(key_file: Path) -> Path:
    """The audit anchor kept beside a key file (it names the newest audit entry)."""
    return key_file.with_name(key_file.name + ".audit-anchor")


def session_key(session: Session) -> bytes | None:
    """The key the session's database was opened with; None for an unkeyed (legacy) book."""
    key = session.info.get(SESSION_KEY)
    return key if isinstance(key, bytes) else None


def session_anchor(session: Session) -> Path | None:
    """The audit anchor file the session's database was opened with, if any."""
    anchor = session.info.get(SESSION_AUDIT_ANCHOR)
    return anchor if isinstance(anchor, Path) else None


def make_private_folder(folder: Path) -> None:
    """Create `folder` and any missing parents as 0700 (whatever the umask); keep existing ones."""
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(created, 0o700)
