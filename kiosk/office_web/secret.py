"""The key that signs the office's session cookie, derived from the school's key file.

Derived, not stored: nothing new to back up or leak, the same after a restart (no one is
signed off by one), and a different key per purpose, so a cookie proves nothing elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from records.keys import derive_key, load_key

PURPOSE = "office-web-session"


def session_secret(key_file: Path) -> str:
    """Hex of the school's key derived for the office's cookies; KeyFileError if it cannot
    be read (the file must be the kiosk's own, private: 0600)."""
    return derive_key(load_key(key_file), PURPOSE).hex()
