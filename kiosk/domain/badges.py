"""Badge numbers in every form they are enrolled or read in, and whether two name the same card."""

from __future__ import annotations

import re
from enum import StrEnum


class Holder(StrEnum):
    """Who a badge read at the door belongs to."""

    LEARNER = "learner"
    STAFF = "staff"
    UNKNOWN = "unknown"  # no such badge, or a member of staff no longer active
    LEFT = "left"  # a learner who has left the school
    UNREADABLE = "unreadable"  # not a badge number in any form we know


_HEX_DIGITS = frozenset("0123456789ABCDEF")
_DECIMAL_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset(":-")  # and any whitespace, such as the Enter a keyboard reader types
# A serial 125 kHz reader reports 2 version and 8 tag hex digits; the printed decimal is 10 too.
_EM_LENGTH = 10
_UID_LENGTHS = (8, 14, 20)  # 13.56 MHz UIDs of 4, 7 and 10 bytes, in hex
_MAX_32_BITS = 0xFFFFFFFF
# A Wiegand card as printed on it: facility code, a colon, card number (`123:45678`).
_PRINTED = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")
_MAX_FACILITY = 0xFFFF
_MAX_CARD = (1 << 35) - 1
# A Wiegand frame's raw form: its bits in hex under a leading 1 bit (26 bits: 7 digits; 34 and
# 35: 9; 37: 10), as a Wiegand or OSDP reader reports it. HID's tools print 26 to 35 bits with
# bit 37 set as well (`2004F6B2DC`); that form is read too.
_WIEGAND_RAW_DIGITS = (7, 9)
_WIEGAND_HID_BIT = 1 << 37

# Each Wiegand format as (length, facility span, card span, parity bits), spans as first and last
# bit with bit 1 sent first, each parity bit as (position, odd, covered positions). The same
# layouts as `drivers.wiegand_formats` (the domain imports no drivers; a test holds them together).
_Span = tuple[int, int]
_WIEGAND: tuple[tuple[int, _Span | None, _Span, tuple[tuple[int, bool, tuple[int, ...]], ...]], ...]
_WIEGAND = (
    (26, (2, 9), (10, 25), ((1, False, tuple(range(1, 14))), (26, True, tuple(range(14, 27))))),
    (34, (2, 17), (18, 33), ((1, False, tuple(range(1, 18))), (34, True, tuple(range(18, 35))))),
    (
        35,
        (3, 14),
        (15, 34),
        (
            (2, False, (2, *(p for p in range(3, 35) if p % 3 != 2))),
            (35, True, (*(p for p in range(2, 34) if p % 3 != 1), 35)),
            (1, True, tuple(range(1, 36))),
        ),
    ),
    (37, (2, 17), (18, 36), ((1, False, tuple(range(1, 20))), (37, True, tuple(range(19, 38))))),
    (37, None, (2, 36), ((1, False, tuple(range(1, 20))), (37, True, tuple(range(19, 38))))),
)
_WIEGAND_LENGTHS = frozenset(f[0] for f in _WIEGAND)


def normalise_badge(text: str) -> str:
    """The badge without spaces, colons or hyphens, in upper case; ValueError if it is not one.

    Two forms of one card stay different strings: match with `badge_matches`, not `==`.
    """
    printed = _PRINTED.match(text)
    if printed is not None:
        facility, card = int(printed[1]), int(printed[2])
        if facility > _MAX_FACILITY or card > _MAX_CARD:
            raise ValueError(
                f"badge {text.strip()!r}: a Wiegand facility code is at most {_MAX_FACILITY} "
                f"and a card number at most {_MAX_CARD}"
            )
        return f"{facility}:{card}"
    cleaned = "".join(c for c in text if c not in _SEPARATORS and not c.isspace()).upper()
    shown = text.strip()
    if not cleaned:
        raise ValueError("badge is blank")
    if not set(cleaned) <= _HEX_DIGITS:
        raise ValueError(f"badge {shown!r} must be hex digits (0-9, A-F) or a decimal number")
    if len(cleaned) in _WIEGAND_RAW_DIGITS:
        if not _wiegand_frames(cleaned):
            raise ValueError(
                f"badge {shown!r} is not a Wiegand card's raw bits: 26 bits are 7 hex digits "
                "from 4000000 to 7FFFFFF, 34 and 35 bits 9 digits from 400000000"
            )
        return cleaned
    if len(cleaned) != _EM_LENGTH and len(cleaned) not in _UID_LENGTHS:
        raise ValueError(
            f"badge {shown!r} has {len(cleaned)} digits: expected 10 for a 125 kHz card "
            "(hex as the reader reports it, or the decimal printed on the card), 8, 14 or 20 "
            "hex digits for a 13.56 MHz UID, or a Wiegand card as FC:card (123:45678) or its "
            "raw bits in hex (7, 9 or 10 digits)"
        )
    return cleaned


def _wiegand_frames(cleaned: str) -> list[tuple[int, int]]:
    """The Wiegand frames (bits, length) a raw hex form can stand for: none, one, or two."""
    if not set(cleaned) <= _HEX_DIGITS or len(cleaned) not in (*_WIEGAND_RAW_DIGITS, _EM_LENGTH):
        return []
    value = int(cleaned, 16)
    if len(cleaned) == _EM_LENGTH and value.bit_length() != 38:
        return []  # a 125 kHz number, not 37 bits (or HID's form) under a leading 1
    candidates = [value]
    if value & _WIEGAND_HID_BIT and (value ^ _WIEGAND_HID_BIT).bit_length() - 1 < 37:
        candidates.append(value ^ _WIEGAND_HID_BIT)
    frames = []
    for marked in candidates:
        length = marked.bit_length() - 1
        if length in _WIEGAND_LENGTHS:
            frames.append((marked ^ (1 << length), length))
    return frames


def _wiegand_keys(bits: int, length: int) -> set[str]:
    """`WG:` with the frame itself, and `FC:` with each printed form whose parity holds."""
    keys = {f"WG:{length}:{bits:X}"}

    def at(position: int) -> int:
        return (bits >> (length - position)) & 1

    def field(span: _Span) -> int:
        first, last = span
        return (bits >> (length - last)) & ((1 << (last - first + 1)) - 1)

    for size, facility, card, parity in _WIEGAND:
        if size != length:
            continue
        if all(sum(at(p) for p in covers) % 2 == odd for _pos, odd, covers in parity):
            keys.add(f"FC:{field(facility) if facility else 0}:{field(card)}")
    return keys


def badge_keys(text: str) -> frozenset[str]:
    """The match keys of a badge as enrolled or read; two forms of one card share a key.

    - 10 hex digits (a serial 125 kHz reader): `EM:` and the low 32 bits. The printed decimal
      drops the 2 version digits, so 125 kHz cards match on those 32 bits alone.
    - 10 decimal digits: either of the above, so both readings are kept. As a decimal it is what
      the card has printed on it and what a USB keyboard reader types, for a 125 kHz card or a
      4-byte 13.56 MHz UID, so it also gives `UID:` with those 32 bits. A number above 32 bits
      can only be hex.
    - 8, 14 or 20 hex digits (a 13.56 MHz UID of 4, 7 or 10 bytes): `UID:` and the hex.
    - `FC:card` as printed on a Wiegand card: `FC:` with the two numbers. A format without a
      facility code (H10302) is enrolled as `0:card`.
    - A Wiegand frame's raw hex (7 or 9 digits, or 10 from 2000000000 to 3FFFFFFFFF, where a
      125 kHz reading is kept too): `WG:` with its length and bits, and `FC:` with the facility
      and card of each format whose length and parity fit, so the printed form matches it.
    """
    cleaned = normalise_badge(text)
    if ":" in cleaned:
        return frozenset({f"FC:{cleaned}"})
    keys: set[str] = set()
    for bits, length in _wiegand_frames(cleaned):
        keys |= _wiegand_keys(bits, length)
    if len(cleaned) in _WIEGAND_RAW_DIGITS:
        return frozenset(keys)
    if len(cleaned) != _EM_LENGTH:
        return frozenset({f"UID:{cleaned}"})
    keys.add(f"EM:{cleaned[2:]}")
    if set(cleaned) <= _DECIMAL_DIGITS and (number := int(cleaned)) <= _MAX_32_BITS:
        keys |= {f"EM:{number:08X}", f"UID:{number:08X}"}
    return frozenset(keys)


def badge_matches(enrolled: str, read: str) -> bool:
    """Whether a badge as read names the card as enrolled, whichever forms they are in."""
    return not badge_keys(enrolled).isdisjoint(badge_keys(read))


def display_badge(text: str) -> str:
    """The badge for staff to read: a 125 kHz number in one block, a UID as colon-pairs."""
    cleaned = normalise_badge(text)
    if len(cleaned) == _EM_LENGTH or ":" in cleaned or len(cleaned) in _WIEGAND_RAW_DIGITS:
        return cleaned
    return ":".join(cleaned[i : i + 2] for i in range(0, len(cleaned), 2))
