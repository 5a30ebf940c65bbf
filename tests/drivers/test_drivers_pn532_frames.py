"""PN532 frames built and parsed as pure functions (NXP UM0701 framing)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.framing import BadFrame
from drivers.pn532 import (
    ACK_FRAME,
    ERROR_FRAME,
    NACK_FRAME,
    START_CODE,
    WAKEUP,
    Ack,
    ErrorFrame,
    InformationFrame,
    Nack,
    Pn532Framer,
    Pn532ProtocolError,
    build_command,
    build_frame,
    in_list_passive_target_command,
    parse_in_list_passive_target,
    rf_max_retries_command,
    sam_configuration_command,
)
from tests.drivers.driverfakes import corrupt, poll_response


def test_command_frame_has_preamble_start_code_length_checksums_and_postamble() -> None:
    # GetFirmwareVersion, as printed in the PN532 user manual.
    assert build_command(0x02) == bytes.fromhex("0000FF02FED4022A00")


def test_sam_configuration_selects_normal_mode() -> None:
    frame = sam_configuration_command()
    assert frame == bytes.fromhex("0000FF05FBD4140114010200")
    assert frame[6:8] == b"\x14\x01"  # command, mode 0x01 normal


def test_rf_configuration_sets_max_retries_so_an_empty_field_returns() -> None:
    frame = rf_max_retries_command(0x02)
    assert frame[5:11] == bytes([0xD4, 0x32, 0x05, 0xFF, 0x01, 0x02])


def test_in_list_passive_target_asks_for_one_type_a_target() -> None:
    assert in_list_passive_target_command() == bytes.fromhex("0000FF04FCD44A0100E100")


def test_wakeup_starts_with_55_55_00_00_00() -> None:
    assert WAKEUP.startswith(bytes.fromhex("5555000000"))
    assert START_CODE not in WAKEUP


def test_ack_nack_and_error_frames_are_recognised() -> None:
    frames = Pn532Framer().feed(ACK_FRAME + NACK_FRAME + ERROR_FRAME)
    assert frames == [Ack(), Nack(), ErrorFrame()]


def test_response_split_at_every_offset_is_parsed_once() -> None:
    stream = ACK_FRAME + poll_response(bytes.fromhex("DEADBEEF"))
    for cut in range(len(stream) + 1):
        framer = Pn532Framer()
        frames = framer.feed(stream[:cut]) + framer.feed(stream[cut:])
        assert frames[0] == Ack(), cut
        assert isinstance(frames[1], InformationFrame), cut
        assert len(frames) == 2, cut


def test_garbage_before_a_frame_is_skipped_and_counted() -> None:
    framer = Pn532Framer()
    frames = framer.feed(b"\x55\x12\x34" + ACK_FRAME)
    assert frames == [Ack()]
    assert framer.skipped_bytes == 4  # the noise and the preamble


def test_bad_data_checksum_is_reported_and_the_next_frame_still_parsed() -> None:
    good = poll_response(bytes.fromhex("DEADBEEF"))
    frames = Pn532Framer().feed(corrupt(good) + good)
    assert isinstance(frames[0], BadFrame)
    assert frames[0].reason == "bad data checksum"
    assert [f for f in frames if isinstance(f, InformationFrame)][-1].data[:2] == b"\x4b\x01"


def test_bad_length_checksum_is_reported_and_parsing_resyncs() -> None:
    frames = Pn532Framer().feed(bytes.fromhex("0000FF0505D4") + ACK_FRAME)
    assert isinstance(frames[0], BadFrame)
    assert frames[0].reason == "bad length checksum"
    assert frames[-1] == Ack()


def test_buffer_stays_bounded_on_noise_without_start_codes() -> None:
    framer = Pn532Framer()
    framer.feed(b"\x11" * 100_000)
    assert len(framer._buffer) <= 1


@pytest.mark.parametrize(
    "uid",
    ["DEADBEEF", "04A2B3C4D5E680", "0102030405060708090A"],
    ids=["4-byte", "7-byte", "10-byte"],
)
def test_uid_is_uppercase_hex_without_separators(uid: str) -> None:
    (frame,) = Pn532Framer().feed(poll_response(bytes.fromhex(uid)))
    assert isinstance(frame, InformationFrame)
    (target,) = parse_in_list_passive_target(frame.data)
    assert target.uid_hex == uid
    assert target.number == 1


def test_empty_field_gives_no_targets() -> None:
    (frame,) = Pn532Framer().feed(poll_response(None))
    assert isinstance(frame, InformationFrame)
    assert parse_in_list_passive_target(frame.data) == []


def test_iso14443_4_card_answer_to_select_is_kept_apart_from_the_uid() -> None:
    ats = bytes.fromhex("0578807002")
    data = bytes.fromhex("4B01010344200704A2B3C4D5E680") + ats
    (target,) = parse_in_list_passive_target(data)
    assert target.uid_hex == "04A2B3C4D5E680"
    assert target.ats == ats


@pytest.mark.parametrize(
    "data",
    [
        b"",
        bytes.fromhex("4B"),
        bytes.fromhex("4B0101004408"),  # cut short
        bytes.fromhex("4B01010044080501020304AA"),  # UID of 5 bytes
        bytes.fromhex("4B0101004408040102"),  # UID cut short
        bytes.fromhex("4B05"),
        bytes.fromhex("15"),
    ],
)
def test_malformed_poll_responses_raise_a_protocol_error(data: bytes) -> None:
    with pytest.raises(Pn532ProtocolError):
        parse_in_list_passive_target(data)


def test_build_frame_refuses_more_than_a_normal_frame_holds() -> None:
    with pytest.raises(ValueError, match="255"):
        build_frame(0xD4, bytes(255))


def good_frames_in(stream: bytes) -> set[bytes]:
    """Every checksum-valid normal frame (from its start code) anywhere in the stream."""
    found = set()
    for i in range(len(stream) - 1):
        if stream[i : i + 2] != START_CODE or i + 4 > len(stream):
            continue
        length, lcs = stream[i + 2], stream[i + 3]
        if length == 0 or (length + lcs) & 0xFF:
            continue
        end = i + 4 + length + 1
        if end <= len(stream) and sum(stream[i + 4 : end]) & 0xFF == 0:
            found.add(stream[i:end])
    return found


payloads = st.binary(min_size=1, max_size=20)
frame_pieces = st.one_of(
    st.binary(max_size=30),
    st.sampled_from([ACK_FRAME, NACK_FRAME, ERROR_FRAME, START_CODE, b"\x00", b"\xff"]),
    payloads.map(lambda p: build_frame(0xD5, p)),
    payloads.map(lambda p: corrupt(build_frame(0xD5, p))),
    payloads.map(lambda p: build_frame(0xD5, p)[:-3]),
)


@given(parts=st.lists(frame_pieces, max_size=10), cuts=st.lists(st.integers(0, 300), max_size=6))
def test_random_bytes_never_raise_and_every_frame_reported_was_in_the_input(
    parts: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(parts)
    framer = Pn532Framer()
    frames = []
    previous = 0
    for cut in sorted({min(c, len(stream)) for c in cuts} | {len(stream)}):
        frames += framer.feed(stream[previous:cut])
        previous = cut
    valid = good_frames_in(stream)
    for frame in frames:
        if isinstance(frame, InformationFrame):
            rebuilt = build_frame(frame.tfi, frame.data)[1:-1]  # without preamble, postamble
            assert rebuilt in valid
        if isinstance(frame, ErrorFrame):
            assert ERROR_FRAME[1:-1] in stream


@given(parts=st.lists(payloads, min_size=1, max_size=5), noise=st.binary(max_size=30))
def test_every_good_frame_after_noise_is_found(parts: list[bytes], noise: bytes) -> None:
    # Noise without a start code cannot hide the frames that follow it.
    while START_CODE in noise:
        noise = noise.replace(START_CODE, b"")
    while noise.endswith(b"\x00"):
        noise = noise[:-1]
    stream = noise + b"".join(build_frame(0xD5, p) for p in parts)
    frames = [f for f in Pn532Framer().feed(stream) if isinstance(f, InformationFrame)]
    assert [f.data for f in frames][-len(parts) :] == parts
