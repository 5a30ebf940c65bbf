"""Wiegand decoding as tables: each format's layout and parity, and edges into frames."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.wiegand_formats import (
    CORPORATE_1000,
    FORMATS,
    H10301,
    H10302,
    H10304,
    H10306,
    BadWiegand,
    EdgeFramer,
    Frame,
    WiegandCard,
    WiegandFormat,
    decode,
    encode,
    formats_named,
    raw_hex,
)


def even(x: int) -> int:
    """Proxmark3's `evenparity32`: the bit that makes the count of ones even."""
    return bin(x).count("1") % 2


def odd(x: int) -> int:
    return even(x) ^ 1


# Independent encoders, written from the Proxmark3 client's Pack_* functions (masks and shifts,
# bit 0 being the last bit sent), not from our table of positions.
def proxmark_h10301(fc: int, cn: int) -> int:
    bot = (cn & 0xFFFF) << 1 | (fc & 0xFF) << 17
    bot |= odd((bot >> 1) & 0xFFF)
    bot |= even((bot >> 13) & 0xFFF) << 25
    return bot


def proxmark_h10306(fc: int, cn: int) -> int:
    v = (fc & 0xFFFF) << 17 | (cn & 0xFFFF) << 1
    v |= even((v >> 17) & 0xFFFF) << 33
    v |= odd((v >> 1) & 0xFFFF)
    return v


def proxmark_c1k35s(fc: int, cn: int) -> int:
    bot = (cn & 0xFFFFF) << 1 | (fc & 0x7FF) << 21
    mid = (fc & 0x800) >> 11
    mid |= even((mid & 0x1) ^ (bot & 0xB6DB6DB6)) << 1
    bot |= odd((mid & 0x3) ^ (bot & 0x6DB6DB6C))
    mid |= odd((mid & 0x3) ^ bot) << 2
    return mid << 32 | bot


def proxmark_h10304(fc: int, cn: int) -> int:
    v = (fc & 0xFFFF) << 20 | (cn & 0x7FFFF) << 1
    v |= even((v >> 18) & 0x3FFFF) << 36
    v |= odd((v >> 1) & 0x3FFFF)
    return v


def proxmark_h10302(cn: int) -> int:
    v = (cn & 0x7FFFFFFFF) << 1
    v |= even((v >> 18) & 0x3FFFF) << 36
    v |= odd((v >> 1) & 0x3FFFF)
    return v


CARDS = [
    pytest.param(H10301, 123, 45678, proxmark_h10301(123, 45678), id="h10301-26"),
    pytest.param(H10301, 255, 65535, proxmark_h10301(255, 65535), id="h10301-26-max"),
    pytest.param(H10306, 4321, 54321, proxmark_h10306(4321, 54321), id="h10306-34"),
    pytest.param(CORPORATE_1000, 2049, 987654, proxmark_c1k35s(2049, 987654), id="c1000-35"),
    pytest.param(CORPORATE_1000, 4095, 1048575, proxmark_c1k35s(4095, 1048575), id="c1000-max"),
    pytest.param(H10304, 12345, 456789, proxmark_h10304(12345, 456789), id="h10304-37"),
    pytest.param(H10302, 0, 12345678901, proxmark_h10302(12345678901), id="h10302-37"),
]


@pytest.mark.parametrize(("fmt", "facility", "number", "bits"), CARDS)
def test_each_format_encodes_as_the_published_layout(
    fmt: WiegandFormat, facility: int, number: int, bits: int
) -> None:
    assert encode(fmt, number, facility) == bits


@pytest.mark.parametrize(("fmt", "facility", "number", "bits"), CARDS)
def test_each_format_decodes_to_the_printed_facility_and_card(
    fmt: WiegandFormat, facility: int, number: int, bits: int
) -> None:
    card = decode(bits, fmt.length, [fmt])
    assert isinstance(card, WiegandCard)
    assert (card.format, card.number) == (fmt.name, number)
    assert card.printed == f"{facility}:{number}"
    assert card.uid == raw_hex(bits, fmt.length)


@pytest.mark.parametrize(("fmt", "facility", "number", "bits"), CARDS)
def test_any_single_flipped_bit_is_dropped_for_its_parity(
    fmt: WiegandFormat, facility: int, number: int, bits: int
) -> None:
    for position in range(fmt.length):
        result = decode(bits ^ (1 << position), fmt.length, [fmt])
        assert isinstance(result, BadWiegand), f"bit {fmt.length - position} flipped"
        assert "bad parity" in result.reason


@pytest.mark.parametrize("length", [0, 1, 4, 8, 25, 27, 32, 36, 40])
def test_a_length_no_format_has_is_dropped(length: int) -> None:
    result = decode(0, length)
    assert isinstance(result, BadWiegand)
    assert result.reason == f"unknown length: {length} bits"


def test_a_37_bit_card_is_named_by_the_first_37_bit_format_chosen() -> None:
    bits = proxmark_h10304(12345, 456789)
    with_fc = decode(bits, 37, formats_named(["h10304", "h10302"]))
    without = decode(bits, 37, formats_named(["h10302"]))
    assert isinstance(with_fc, WiegandCard) and isinstance(without, WiegandCard)
    assert with_fc.printed == "12345:456789"
    assert without.facility is None and without.printed.startswith("0:")
    assert with_fc.uid == without.uid  # one card, one badge, whichever name it is given


def test_a_format_left_out_of_formats_is_an_unknown_length() -> None:
    result = decode(proxmark_h10306(1, 2), 34, formats_named(["h10301"]))
    assert isinstance(result, BadWiegand) and "unknown length" in result.reason


def test_an_unknown_format_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="h10301, h10306, corporate1000, h10304, h10302"):
        formats_named(["h10301", "hid-26"])


@pytest.mark.parametrize(
    ("bits", "length", "shown"),
    [(0, 26, "4000000"), (0x3FFFFFF, 26, "7FFFFFF"), (0, 34, "400000000"), (0, 35, "800000000")],
)
def test_raw_hex_keeps_the_length_under_a_leading_one(bits: int, length: int, shown: str) -> None:
    assert raw_hex(bits, length) == shown


@given(
    st.sampled_from(list(FORMATS.values())),
    st.integers(min_value=0),
    st.integers(min_value=0),
)
def test_every_card_that_fits_decodes_to_itself(fmt: WiegandFormat, fc: int, cn: int) -> None:
    card_bits = fmt.card[1] - fmt.card[0] + 1
    cn %= 1 << card_bits
    fc = 0 if fmt.facility is None else fc % (1 << (fmt.facility[1] - fmt.facility[0] + 1))
    card = decode(encode(fmt, cn, fc), fmt.length, [fmt])
    assert isinstance(card, WiegandCard)
    assert (card.facility or 0, card.number) == (fc, cn)


# --- edges into frames: kernel ticks in seconds, pulses 50 us wide and 2 ms apart -------------

PULSE = 50e-6
SPACING = 2e-3


def edges_for(bits: str, start: float = 0.0) -> list[tuple[int, bool, float]]:
    """(line, low, tick) for each edge of `bits` as a reader sends them."""
    out = []
    for i, bit in enumerate(bits):
        t = start + i * SPACING
        line = int(bit)
        out += [(line, True, t), (line, False, t + PULSE)]
    return out


def run(framer: EdgeFramer, edges: list[tuple[int, bool, float]]) -> list[Frame]:
    frames = []
    for line, low, tick in edges:
        frames += framer.edge(line, low, tick)
    return frames


def test_edges_make_one_frame_once_quiet() -> None:
    framer = EdgeFramer()
    bits = format(proxmark_h10301(123, 45678), "026b")
    assert run(framer, edges_for(bits)) == []
    assert framer.flush() == [Frame(int(bits, 2), 26)]
    assert framer.flush() == []


def test_a_gap_in_the_ticks_ends_a_frame_however_late_the_edges_arrive() -> None:
    framer = EdgeFramer(gap=0.025)
    first, second = "1" * 26, "0" * 26
    frames = run(framer, edges_for(first) + edges_for(second, start=26 * SPACING + 0.030))
    assert frames == [Frame(int(first, 2), 26)]
    assert framer.flush() == [Frame(0, 26)]


def test_a_glitch_shorter_than_a_pulse_is_not_a_bit() -> None:
    framer = EdgeFramer()
    edges = edges_for("1010")
    edges[4:4] = [(0, True, 0.0030), (0, False, 0.0030 + 2e-6)]  # 2 us spike on D0
    run(framer, edges)
    assert framer.flush() == [Frame(0b1010, 4)]
    assert framer.glitches == 1


def test_both_lines_low_at_once_spoils_the_frame() -> None:
    framer = EdgeFramer()
    edges = edges_for("11")
    edges.insert(1, (0, True, 10e-6))  # D0 falls while D1 is low
    edges.insert(3, (0, False, 60e-6))
    run(framer, edges)
    (frame,) = framer.flush()
    assert frame.fault is not None and "both data lines low" in frame.fault


def test_endless_bits_without_a_gap_are_cut_off() -> None:
    framer = EdgeFramer(max_bits=64)
    frames = run(framer, edges_for("1" * 65))
    assert len(frames) == 1 and frames[0].fault is not None
