"""Staff PINs stored as salted scrypt hashes, with their parameters in the stored string."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

# scrypt cost: n=2**14, r=8 uses 16 MiB and tens of milliseconds per try, cheap enough for a
# Raspberry Pi at the door. It slows guessing from a copied database, but a 4-digit PIN space
# is still small: the lockout (staff.failed_pin_attempts) and guarding the file do the rest.
_N = 2**14
_R = 8
_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
# Refuse stored parameters that would need more memory than this (a tampered row).
_MAX_MEM = 64 * 1024 * 1024
_SCHEME = "scrypt"


def hash_pin(pin: str) -> str:
    """`scrypt$n$r$p$salt_b64$hash_b64` for `pin`, with a fresh random salt."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(pin, salt, _N, _R, _P, _HASH_BYTES)
    return "$".join((_SCHEME, str(_N), str(_R), str(_P), _b64(salt), _b64(digest)))


def verify_pin(pin: str, stored: str) -> bool:
    """Whether `pin` is the one `stored` was made from; False for a malformed `stored`."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME:
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if n < 2 or n & (n - 1) or r < 1 or p < 1 or not expected or 128 * n * r * p > _MAX_MEM:
        return False
    try:
        actual = _scrypt(pin, salt, n, r, p, len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """Whether `stored` was made with other parameters than `hash_pin` uses now."""
    parts = stored.split("$")
    return len(parts) != 6 or parts[:4] != [_SCHEME, str(_N), str(_R), str(_P)]


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEM + 1024 * 1024, dklen=length
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
