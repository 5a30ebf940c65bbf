"""Wiegand and OSDP cards: the printed FC:card and the raw bits name the same card."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.wiegand_formats import FORMATS, H10301, H10302, H10304, WiegandFormat, encode, raw_hex
from kiosk.config import WIEGAND_FORMATS
from kiosk.domain.badges import badge_keys, badge_matches, display_badge, normalise_badge

# (format, facility, card) as a school's card list has them, with the raw form a reader reports.
CARDS = [
    pytest.param(FORMATS["h10301"], 123, 45678, id="26-bit"),
    pytest.param(FORMATS["h10306"], 4321, 54321, id="34-bit"),
    pytest.param(FORMATS["corporate1000"], 2049, 987654, id="35-bit"),
    pytest.param(FORMATS["h10304"], 12345, 456789, id="37-bit-h10304"),
    pytest.param(FORMATS["h10302"], 0, 12345678901, id="37-bit-h10302"),
]


@pytest.mark.parametrize(("fmt", "facility", "card"), CARDS)
def test_a_card_enrolled_as_printed_is_recognised_when_read(
    fmt: WiegandFormat, facility: int, card: int
) -> None:
    read = raw_hex(encode(fmt, card, facility), fmt.length)
    assert badge_matches(f"{facility}:{card}", read)
    assert badge_matches(read, f"{facility}:{card}")
    assert badge_matches(f" {facility:05d} : {card} ", read)  # as a spreadsheet may pad it


@pytest.mark.parametrize(("fmt", "facility", "card"), CARDS)
def test_a_card_enrolled_as_raw_hex_is_recognised_in_either_case(
    fmt: WiegandFormat, facility: int, card: int
) -> None:
    read = raw_hex(encode(fmt, card, facility), fmt.length)
    assert badge_matches(read.lower(), read)


@pytest.mark.parametrize(("fmt", "facility", "card"), CARDS)
def test_another_card_of_the_same_site_is_not_recognised(
    fmt: WiegandFormat, facility: int, card: int
) -> None:
    read = raw_hex(encode(fmt, card + 1, facility), fmt.length)
    assert not badge_matches(f"{facility}:{card}", read)
    assert not badge_matches(raw_hex(encode(fmt, card, facility), fmt.length), read)


def test_hids_raw_form_with_bit_37_set_is_the_same_card() -> None:
    # HID's tools print a 26-bit card as 10 hex digits: bit 37 set above the leading 1.
    hid_form = f"{(1 << 37) | (1 << 26) | encode(H10301, 45678, 123):X}"
    assert len(hid_form) == 10 and hid_form.startswith("200")
    assert badge_matches("123:45678", hid_form)


def test_a_37_bit_card_matches_as_either_37_bit_format() -> None:
    bits = encode(H10304, 456789, 12345)
    read = raw_hex(bits, 37)
    as_h10302 = f"0:{bits >> 1 & ((1 << 35) - 1)}"
    assert badge_matches("12345:456789", read)
    assert badge_matches(as_h10302, read)
    assert not badge_matches("12345:456788", read)
    assert badge_matches(f"0:{12345678901}", raw_hex(encode(H10302, 12345678901), 37))


def test_a_frame_failing_parity_has_no_printed_form() -> None:
    bad = encode(H10301, 45678, 123) ^ 1
    keys = badge_keys(raw_hex(bad, 26))
    assert keys == {f"WG:26:{bad:X}"}
    assert not badge_matches("123:45678", raw_hex(bad, 26))


def test_a_125khz_number_is_still_a_125khz_number() -> None:
    assert badge_keys("0C000621A5") == {"EM:000621A5"}
    assert badge_matches("0000401829", "0C000621A5")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("123456:1", "facility code is at most 65535", id="facility-too-big"),
        pytest.param("1:34359738368", "card number at most", id="card-too-big"),
        pytest.param("3FFFFFF", "not a Wiegand card's raw bits", id="seven-digits-no-leading-1"),
        pytest.param("12345", "FC:card", id="the-message-names-the-wiegand-forms"),
    ],
)
def test_a_wiegand_form_that_is_not_one_is_refused_plainly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise_badge(text)


def test_printed_and_raw_forms_are_shown_as_written() -> None:
    assert display_badge(" 00123:45678 ") == "123:45678"
    assert display_badge("4f6b2dc") == "4F6B2DC"


def test_the_config_offers_exactly_the_formats_the_driver_decodes() -> None:
    assert tuple(FORMATS) == WIEGAND_FORMATS


@given(st.sampled_from(list(FORMATS.values())), st.integers(min_value=0), st.integers(min_value=0))
def test_every_card_of_every_format_matches_its_printed_form(
    fmt: WiegandFormat, facility: int, card: int
) -> None:
    # The domain keeps its own copy of the layouts; this holds it to the driver's.
    card %= 1 << (fmt.card[1] - fmt.card[0] + 1)
    facility = (
        0 if fmt.facility is None else facility % (1 << (fmt.facility[1] - fmt.facility[0] + 1))
    )
    read = raw_hex(encode(fmt, card, facility), fmt.length)
    assert f"FC:{facility}:{card}" in badge_keys(read)
