"""Badge forms and matching: tables for the known cards, hypothesis for every card."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kiosk.domain.badges import badge_keys, badge_matches, display_badge, normalise_badge

# The CONTRACT's example card, in every form it may be enrolled with or read as.
CONTRACT_CARD = [
    pytest.param("0C000621A5", id="serial-reader-hex"),
    pytest.param("0c000621a5", id="lower-case-hex"),
    pytest.param("0C:00:06:21:A5", id="hex-with-colons"),
    pytest.param(" 0C 00 06 21 A5 ", id="hex-with-spaces"),
    pytest.param("0000401829", id="printed-decimal"),
    pytest.param("0000401829\r\n", id="keyboard-reader-decimal-with-enter"),
    pytest.param("0000-401829", id="decimal-with-hyphen"),
]


@pytest.mark.parametrize("enrolled", CONTRACT_CARD)
@pytest.mark.parametrize("read", CONTRACT_CARD)
def test_contract_card_matches_in_every_form(enrolled: str, read: str) -> None:
    assert badge_matches(enrolled, read)


UID_FORMS = {
    "4-byte": ["DE:AD:BE:EF", "deadbeef", "DE-AD-BE-EF", "de ad be ef"],
    "7-byte": ["04:A2:3B:1C:5D:80:81", "04a23b1c5d8081"],
    "10-byte": ["04:A2:3B:1C:5D:80:81:90:AB:CD", "04A23B1C5D808190ABCD"],
}


@pytest.mark.parametrize(
    ("enrolled", "read"),
    [
        pytest.param(a, b, id=f"{size}-{i}-{j}")
        for size, forms in UID_FORMS.items()
        for (i, a), (j, b) in itertools.product(enumerate(forms), repeat=2)
    ],
)
def test_uid_matches_with_or_without_separators(enrolled: str, read: str) -> None:
    assert badge_matches(enrolled, read)


@pytest.mark.parametrize(
    ("enrolled", "read", "matches"),
    [
        pytest.param(
            "0C000621A5",
            "01000621A5",
            True,
            id="version-digits-ignored-as-the-printed-decimal-lacks-them",
        ),
        pytest.param("0C000621A5", "0C000621A6", False, id="different-125khz-card"),
        pytest.param("0000401829", "0000401830", False, id="different-printed-decimal"),
        pytest.param("0C000621A5", "000621A5", False, id="125khz-never-matches-13mhz-uid"),
        pytest.param("DE:AD:BE:EF", "DE:AD:BE:EE", False, id="different-uid"),
        pytest.param(
            "DE:AD:BE:EF", "3735928559", True, id="keyboard-reader-decimal-of-a-4-byte-uid"
        ),
        pytest.param("DE:AD:BE:EF", "00DEADBEEF", False, id="uid-is-not-a-125khz-hex-number"),
        pytest.param("04:A2:3B:1C:5D:80:81", "04:A2:3B:1C", False, id="uid-prefix-is-not-the-card"),
    ],
)
def test_two_badge_forms_match_only_when_they_name_the_same_card(
    enrolled: str, read: str, matches: bool
) -> None:
    assert badge_matches(enrolled, read) is matches


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        pytest.param("0C000621A5", {"EM:000621A5"}, id="hex-is-32-bit-id"),
        pytest.param(
            "0012345678",
            {"EM:12345678", "EM:00BC614E", "UID:00BC614E"},
            id="ten-digits-are-hex-or-decimal",
        ),
        pytest.param("9999999999", {"EM:99999999"}, id="decimal-above-32-bits-can-only-be-hex"),
        pytest.param("4294967295", {"EM:94967295", "EM:FFFFFFFF", "UID:FFFFFFFF"}, id="max-32"),
        pytest.param("12345678", {"UID:12345678"}, id="eight-digits-are-a-4-byte-uid"),
    ],
)
def test_badge_keys_keep_both_readings_of_an_ambiguous_number(text: str, keys: set[str]) -> None:
    assert badge_keys(text) == keys


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "badge is blank", id="empty"),
        pytest.param(" : - ", "badge is blank", id="only-separators"),
        pytest.param("0C000621AG", "must be hex digits", id="letter-beyond-f"),
        pytest.param("0x0C000621", "must be hex digits", id="hex-prefix"),
        pytest.param("١٢٣٤٥٦٧٨٩٠", "must be hex digits", id="non-ascii-digits"),
        pytest.param("12345", "has 5 digits", id="too-short"),
        pytest.param("0C000621A5FF", "has 12 digits", id="twelve-digits"),
        pytest.param("DE:AD:BE", "has 6 digits", id="three-byte-uid"),
    ],
)
def test_badge_that_is_not_one_is_refused_plainly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        badge_keys(text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("0c:00:06:21:a5", "0C000621A5", id="125khz-in-one-block"),
        pytest.param(" 0000401829 ", "0000401829", id="printed-decimal-as-printed"),
        pytest.param("deadbeef", "DE:AD:BE:EF", id="uid-as-colon-pairs"),
        pytest.param("04a23b1c5d8081", "04:A2:3B:1C:5D:80:81", id="7-byte-uid"),
    ],
)
def test_badge_is_shown_in_the_form_staff_read(text: str, shown: str) -> None:
    assert display_badge(text) == shown


def test_normalise_badge_drops_separators_and_upper_cases() -> None:
    assert normalise_badge(" de:ad-be ef ") == "DEADBEEF"


FORTY_BITS = st.integers(min_value=0, max_value=2**40 - 1)


@given(FORTY_BITS)
def test_any_125khz_card_matches_its_printed_decimal(value: int) -> None:
    reported = f"{value:010X}"
    printed = f"{value & 0xFFFFFFFF:010d}"
    assert badge_matches(reported, printed)
    assert badge_matches(printed, reported)


@given(FORTY_BITS, FORTY_BITS)
def test_125khz_cards_with_different_ids_never_match(first: int, second: int) -> None:
    assume(first & 0xFFFFFFFF != second & 0xFFFFFFFF)
    a, b = f"{first:010X}", f"{second:010X}"
    # An all-digit hex form may also be read as a decimal; that ambiguity is matched on purpose.
    assume(not a.isdigit() and not b.isdigit())
    assert not badge_matches(a, b)


@given(st.sampled_from([4, 7, 10]).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_any_uid_matches_itself_with_colons_or_without(uid: bytes) -> None:
    plain = uid.hex()
    colons = uid.hex(":").upper()
    assert badge_matches(plain, colons)
    assert display_badge(plain) == colons
