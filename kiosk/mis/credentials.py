"""The MIS credentials file: readable only by the kiosk user, never printed or logged."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class CredentialsError(Exception):
    """The credentials file cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class Credentials:
    """A bearer token (Wonde) or a username and password (Arbor, SIMS)."""

    token: str = field(default="", repr=False)
    username: str = ""
    password: str = field(default="", repr=False)


def read_credentials(path: Path) -> Credentials:
    """Read `token = "..."` or `username`/`password` from a TOML file only its owner can read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise CredentialsError(f"[mis] credentials_file {path}: no such file") from None
    except OSError as exc:
        raise CredentialsError(f"[mis] credentials_file {path}: {exc.strerror}") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        # Group or other access: anyone on the Pi could read the school's MIS password.
        raise CredentialsError(
            f"[mis] credentials_file {path}: readable by group or others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); refusing to use it: "
            f"run `chmod 600 {path}` (owned by the kiosk user)"
        )
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise CredentialsError(
            f"[mis] credentials_file {path}: owned by another user; "
            "it must belong to the user the kiosk runs as"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialsError(f"[mis] credentials_file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        # The parser's message may quote the file's text, so it is not passed on.
        raise CredentialsError(
            f'[mis] credentials_file {path}: not valid TOML; write token = "..." or '
            'username = "..." and password = "..."'
        ) from None
    values = {k: v for k, v in raw.items() if isinstance(v, str)}
    unknown = sorted(set(raw) - {"token", "username", "password"})
    if unknown:
        raise CredentialsError(
            f"[mis] credentials_file {path}: unknown key(s) {', '.join(unknown)}; "
            "the keys are token, username, password"
        )
    return Credentials(
        token=values.get("token", "").strip(),
        username=values.get("username", "").strip(),
        password=values.get("password", ""),
    )
