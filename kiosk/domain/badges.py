"""Badge numbers in every form they are enrolled or read in, and whether two name the same card."""

from __future__ import annotations

_HEX_DIGITS = frozenset("0123456789ABCDEF")
_DECIMAL_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset(":-")  # and any whitespace, such as the Enter a keyboard reader types
# A serial 125 kHz reader reports 2 version and 8 tag hex digits; the printed decimal is 10 too.
_EM_LENGTH = 10
_UID_LENGTHS = (8, 14, 20)  # 13.56 MHz UIDs of 4, 7 and 10 bytes, in hex
_MAX_32_BITS = 0xFFFFFFFF


def normalise_badge(text: str) -> str:
    """The badge without spaces, colons or hyphens, in upper case; ValueError if it is not one.

    Two forms of one card stay different strings: match with `badge_matches`, not `==`.
    """
    cleaned = "".join(c for c in text if c not in _SEPARATORS and not c.isspace()).upper()
    shown = text.strip()
    if not cleaned:
        raise ValueError("badge is blank")
    if not set(cleaned) <= _HEX_DIGITS:
        raise ValueError(f"badge {shown!r} must be hex digits (0-9, A-F) or a decimal number")
    if len(cleaned) != _EM_LENGTH and len(cleaned) not in _UID_LENGTHS:
        raise ValueError(
            f"badge {shown!r} has {len(cleaned)} digits: expected 10 for a 125 kHz card "
            "(hex as the reader reports it, or the decimal printed on the card) or 8, 14 or 20 "
            "hex digits for a 13.56 MHz UID"
        )
    return cleaned


def badge_keys(text: str) -> frozenset[str]:
    """The match keys of a badge as enrolled or read; two forms of one card share a key.

    - 10 hex digits (a serial 125 kHz reader): `EM:` and the low 32 bits. The printed decimal
      drops the 2 version digits, so 125 kHz cards match on those 32 bits alone.
    - 10 decimal digits: either of the above, so both readings are kept. As a decimal it is what
      the card has printed on it and what a USB keyboard reader types, for a 125 kHz card or a
      4-byte 13.56 MHz UID, so it also gives `UID:` with those 32 bits. A number above 32 bits
      can only be hex.
    - 8, 14 or 20 hex digits (a 13.56 MHz UID of 4, 7 or 10 bytes): `UID:` and the hex.
    """
    cleaned = normalise_badge(text)
    if len(cleaned) != _EM_LENGTH:
        return frozenset({f"UID:{cleaned}"})
    keys = {f"EM:{cleaned[2:]}"}
    if set(cleaned) <= _DECIMAL_DIGITS and (number := int(cleaned)) <= _MAX_32_BITS:
        keys |= {f"EM:{number:08X}", f"UID:{number:08X}"}
    return frozenset(keys)


def badge_matches(enrolled: str, read: str) -> bool:
    """Whether a badge as read names the card as enrolled, whichever forms they are in."""
    return not badge_keys(enrolled).isdisjoint(badge_keys(read))


def display_badge(text: str) -> str:
    """The badge for staff to read: a 125 kHz number in one block, a UID as colon-pairs."""
    cleaned = normalise_badge(text)
    if len(cleaned) == _EM_LENGTH:
        return cleaned
    return ":".join(cleaned[i : i + 2] for i in range(0, len(cleaned), 2))
