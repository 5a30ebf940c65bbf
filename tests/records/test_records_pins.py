"""Staff PINs are stored as salted scrypt hashes that carry their own parameters."""

from __future__ import annotations

import pytest

from records.pins import hash_pin, needs_rehash, verify_pin


def test_the_right_pin_verifies() -> None:
    assert verify_pin("4821", hash_pin("4821"))


@pytest.mark.parametrize("attempt", ["4822", "482", "48210", "", " 4821", "４８２１"])
def test_a_wrong_pin_does_not_verify(attempt: str) -> None:
    assert not verify_pin(attempt, hash_pin("4821"))


def test_the_stored_string_names_scrypt_and_its_parameters() -> None:
    scheme, n, r, p, salt, digest = hash_pin("12345678").split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert salt and digest


def test_the_same_pin_hashes_differently_each_time() -> None:
    first, second = hash_pin("0000"), hash_pin("0000")
    assert first != second
    assert verify_pin("0000", first) and verify_pin("0000", second)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "1234",
        "scrypt$16384$8$1$c2FsdA==",
        "bcrypt$16384$8$1$c2FsdA==$aGFzaA==",
        "scrypt$x$8$1$c2FsdA==$aGFzaA==",
        "scrypt$16384$8$1$not base64!$aGFzaA==",
        "scrypt$1000$8$1$c2FsdA==$aGFzaA==",  # n not a power of two
        "scrypt$1073741824$8$1$c2FsdA==$aGFzaA==",  # would need 128 GiB
    ],
)
def test_a_malformed_stored_hash_never_verifies(stored: str) -> None:
    assert not verify_pin("1234", stored)


def test_a_hash_made_with_other_parameters_still_verifies_and_asks_to_be_redone() -> None:
    # Made with n=2**10 (what an older release might have used).
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"2468", salt=salt, n=1024, r=8, p=1, dklen=32)
    stored = "$".join(
        [
            "scrypt",
            "1024",
            "8",
            "1",
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )
    assert verify_pin("2468", stored)
    assert needs_rehash(stored)
    assert not needs_rehash(hash_pin("2468"))
