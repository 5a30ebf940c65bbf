"""EM4100 and ID-12 frames parsed straight from bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.framing import (
    EM4100,
    ETX,
    ID12,
    STX,
    BadFrame,
    FrameFormat,
    StxEtxFramer,
    TagFrame,
    encode_frame,
    parse_body,
    xor_checksum,
)

CARD = "0C000621A5"  # the contract's example badge
CARD_FRAME = b"\x020C000621A58E\x03"


def uids(results: list[TagFrame | BadFrame]) -> list[str]:
    return [r.uid for r in results if isinstance(r, TagFrame)]


def rejections(results: list[TagFrame | BadFrame]) -> list[str]:
    return [r.reason for r in results if isinstance(r, BadFrame)]


def test_checksum_is_xor_of_the_five_data_bytes() -> None:
    assert xor_checksum(bytes.fromhex(CARD)) == 0x8E
    assert encode_frame(CARD) == CARD_FRAME


def test_em4100_frame_gives_the_ten_hex_digits_as_uid() -> None:
    assert uids(StxEtxFramer(EM4100).feed(CARD_FRAME)) == [CARD]


def test_lowercase_hex_is_reported_in_uppercase() -> None:
    assert uids(StxEtxFramer(EM4100).feed(CARD_FRAME.lower())) == [CARD]


def test_id12_frame_has_cr_lf_before_the_end_byte() -> None:
    frame = encode_frame(CARD, ID12)
    assert frame == b"\x020C000621A58E\r\n\x03"
    assert uids(StxEtxFramer(ID12).feed(frame)) == [CARD]


@pytest.mark.parametrize("fmt", [EM4100, ID12], ids=lambda f: f.name)
def test_frame_split_at_every_offset_is_read_once(fmt: FrameFormat) -> None:
    frame = encode_frame(CARD, fmt)
    for cut in range(len(frame) + 1):
        framer = StxEtxFramer(fmt)
        results = framer.feed(frame[:cut]) + framer.feed(frame[cut:])
        assert uids(results) == [CARD], cut
        assert rejections(results) == [], cut


def test_frame_fed_one_byte_at_a_time_is_read() -> None:
    framer = StxEtxFramer(EM4100)
    results = [r for b in CARD_FRAME for r in framer.feed(bytes([b]))]
    assert uids(results) == [CARD]


def test_garbage_between_frames_is_skipped_and_counted() -> None:
    framer = StxEtxFramer(EM4100)
    other = encode_frame("01020304AB")
    results = framer.feed(b"\xff\x00noise" + CARD_FRAME + b"\r\n\x03junk" + other + b"\x00")
    assert uids(results) == [CARD, "01020304AB"]
    assert rejections(results) == []
    assert framer.skipped_bytes == len(b"\xff\x00noise") + len(b"\r\n\x03junk") + 1


def test_bad_checksum_is_rejected_and_the_next_frame_still_read() -> None:
    bad = encode_frame(CARD, checksum=0x00)
    results = StxEtxFramer(EM4100).feed(bad + CARD_FRAME)
    assert rejections(results) == ["bad checksum: frame says 00, data gives 8E"]
    assert uids(results) == [CARD]
    assert results[0].raw == bad


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"0C000621A5", "bad shape: 10 bytes between start and end, not 12"),
        (b"0C0006 1A5CE", "bad shape: not hex digits"),
        (b"0C000621A5+E", "bad shape: not hex digits"),
        (b"", "bad shape: 0 bytes between start and end, not 12"),
    ],
)
def test_badly_shaped_em4100_frames_are_rejected(body: bytes, reason: str) -> None:
    result = parse_body(body, EM4100)
    assert isinstance(result, BadFrame)
    assert result.reason == reason


def test_em4100_frame_is_not_an_id12_frame() -> None:
    results = StxEtxFramer(ID12).feed(CARD_FRAME)
    assert uids(results) == []
    assert rejections(results) == ["bad shape: 12 bytes between start and end, not 14"]


def test_id12_frame_without_cr_lf_is_rejected() -> None:
    result = parse_body(b"0C000621A58E\n\r", ID12)
    assert isinstance(result, BadFrame)
    assert "CR LF" in result.reason


def test_overlong_run_is_rejected_once_and_memory_stays_bounded() -> None:
    framer = StxEtxFramer(EM4100)
    results = framer.feed(b"\x02" + b"A" * 10_000)
    assert rejections(results) == ["overlong frame: no end byte within 12 bytes"]
    assert len(results[0].raw) == 14
    results = framer.feed(b"\x03" + CARD_FRAME)
    assert uids(results) == [CARD]


def test_start_byte_inside_a_frame_abandons_the_partial_frame() -> None:
    results = StxEtxFramer(EM4100).feed(b"\x020C0006" + CARD_FRAME)
    assert rejections(results) == ["frame cut short by a new start byte"]
    assert uids(results) == [CARD]


def test_reset_forgets_a_partial_frame() -> None:
    framer = StxEtxFramer(EM4100)
    framer.feed(CARD_FRAME[:6])
    framer.reset()
    assert framer.feed(CARD_FRAME[6:]) == []


def test_encode_frame_refuses_a_uid_that_is_not_ten_hex_digits() -> None:
    with pytest.raises(ValueError, match="10 hex digits"):
        encode_frame("12345")


def valid_frames_in(stream: bytes, fmt: FrameFormat) -> list[str]:
    """The oracle: every STX ... ETX with no STX inside whose body is a good frame."""
    found = []
    for start, byte in enumerate(stream):
        if byte != STX:
            continue
        end = start + 1
        while end < len(stream) and stream[end] not in (STX, ETX):
            end += 1
        if end < len(stream) and stream[end] == ETX:
            result = parse_body(stream[start + 1 : end], fmt)
            if isinstance(result, TagFrame):
                # Checked independently of parse_body: shape, checksum, digits.
                body = stream[start + 1 : end]
                data = bytes.fromhex(body[:10].decode())
                assert xor_checksum(data) == int(body[10:12], 16)
                assert body[12:] == fmt.trailer
                found.append(body[:10].decode().upper())
    return found


hex_uids = st.text(alphabet="0123456789ABCDEFabcdef", min_size=10, max_size=10)
pieces = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"\x02", b"\x03", b"\r\n", b"\x02\x03"]),
    hex_uids.map(lambda uid: encode_frame(uid)),
    hex_uids.map(lambda uid: encode_frame(uid, ID12)),
    hex_uids.map(lambda uid: encode_frame(uid, checksum=0x5A)),
    hex_uids.map(lambda uid: encode_frame(uid)[:-3]),
)


@pytest.mark.parametrize("fmt", [EM4100, ID12], ids=lambda f: f.name)
@given(parts=st.lists(pieces, max_size=12), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_random_bytes_never_raise_and_never_give_a_false_uid(
    fmt: FrameFormat, parts: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(parts)
    framer = StxEtxFramer(fmt)
    results: list[TagFrame | BadFrame] = []
    previous = 0
    for cut in sorted({min(c, len(stream)) for c in cuts} | {len(stream)}):
        results += framer.feed(stream[previous:cut])
        previous = cut
    assert uids(results) == valid_frames_in(stream, fmt)


@given(st.binary(max_size=2000))
def test_pure_noise_never_raises(data: bytes) -> None:
    for fmt in (EM4100, ID12):
        for result in StxEtxFramer(fmt).feed(data):
            if isinstance(result, TagFrame):
                assert encode_frame(result.uid, fmt).lower() in data.lower()
