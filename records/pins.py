"""Staff PINs stored as salted scrypt hashes, with their parameters in the stored string.

Two formats verify:
- `scrypt-keyed$n$r$p$salt$hash`: scrypt of HMAC-SHA256(the school's PIN key, PIN). Without
  the key file a copied database gives nothing to guess against: even a 4-digit PIN cannot
  be tried offline.
- `scrypt$n$r$p$salt$hash` (older releases, or a book opened without its key): scrypt of the
  PIN alone. `needs_rehash` says yes to it once a key is at hand, so the next good sign-on
  replaces it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from records.keys import derive_key

# scrypt cost: n=2**14, r=8 uses 16 MiB and tens of milliseconds per try, cheap enough for a
# Raspberry Pi at the door. Keyed, it is a second wall; unkeyed, a 4-digit PIN space is
# small and the lockout (staff.failed_pin_attempts) and guarding the file do the rest.
_N = 2**14
_R = 8
_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
# Refuse stored parameters that would need more memory than this (a tampered row).
_MAX_MEM = 64 * 1024 * 1024
_SCHEME = "scrypt"
_KEYED_SCHEME = "scrypt-keyed"
_PURPOSE = "staff-pin"


def hash_pin(pin: str, key: bytes | None = None) -> str:
    """`scrypt-keyed$n$r$p$salt_b64$hash_b64` for `pin` (`scrypt$...` without a key)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(_secret(pin, key), salt, _N, _R, _P, _HASH_BYTES)
    scheme = _SCHEME if key is None else _KEYED_SCHEME
    return "$".join((scheme, str(_N), str(_R), str(_P), _b64(salt), _b64(digest)))


def verify_pin(pin: str, stored: str, key: bytes | None = None) -> bool:
    """Whether `pin` is the one `stored` was made from; False for a malformed `stored`, and
    for a keyed `stored` checked without its key or with another key."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] not in (_SCHEME, _KEYED_SCHEME):
        return False
    if parts[0] == _KEYED_SCHEME and key is None:
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if n < 2 or n & (n - 1) or r < 1 or p < 1 or not expected or 128 * n * r * p > _MAX_MEM:
        return False
    secret = _secret(pin, key if parts[0] == _KEYED_SCHEME else None)
    try:
        actual = _scrypt(secret, salt, n, r, p, len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str, key: bytes | None = None) -> bool:
    """Whether `stored` was made otherwise than `hash_pin(pin, key)` would make it now."""
    scheme = _SCHEME if key is None else _KEYED_SCHEME
    parts = stored.split("$")
    return len(parts) != 6 or parts[:4] != [scheme, str(_N), str(_R), str(_P)]


def _secret(pin: str, key: bytes | None) -> bytes:
    if key is None:
        return pin.encode("utf-8")
    return hmac.new(derive_key(key, _PURPOSE), pin.encode("utf-8"), hashlib.sha256).digest()


def _scrypt(secret: bytes, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        secret, salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEM + 1024 * 1024, dklen=length
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
