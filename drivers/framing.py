"""Pure parsers for the STX/ETX frames of 125 kHz readers: EM4100 (RDM6300) and ID-12LA/ID-20LA.

Both send `0x02`, ten ASCII hex digits (two version digits and eight tag digits), two ASCII hex
digits of checksum (the XOR of the five data bytes), then `0x03`; the ID-12 family puts CR LF
before the `0x03`. The reported UID is the ten data digits in upper case.
"""

from __future__ import annotations

from dataclasses import dataclass

STX = 0x02
ETX = 0x03
_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")


@dataclass(frozen=True, slots=True)
class FrameFormat:
    """The shape of one reader family's frame body (the bytes between STX and ETX)."""

    name: str
    trailer: bytes

    @property
    def body_length(self) -> int:
        return 12 + len(self.trailer)


EM4100 = FrameFormat("em4100", b"")
ID12 = FrameFormat("id12", b"\r\n")


@dataclass(frozen=True, slots=True)
class TagFrame:
    """A frame whose shape and checksum are good."""

    uid: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class BadFrame:
    """Bytes that started as a frame and failed; `reason` is one line of plain English."""

    reason: str
    raw: bytes


def xor_checksum(data: bytes) -> int:
    """The EM4100 / ID-12 checksum: all data bytes XORed together."""
    result = 0
    for byte in data:
        result ^= byte
    return result


def encode_frame(uid: str, fmt: FrameFormat = EM4100, *, checksum: int | None = None) -> bytes:
    """The frame a reader sends for `uid` (ten hex digits); `checksum` overrides, for tests."""
    digits = uid.upper().encode("ascii")
    if len(digits) != 10 or not set(digits) <= _HEX_DIGITS:
        raise ValueError(f"uid must be 10 hex digits, got {uid!r}")
    if checksum is None:
        checksum = xor_checksum(bytes.fromhex(uid))
    return bytes([STX]) + digits + b"%02X" % checksum + fmt.trailer + bytes([ETX])


def parse_body(body: bytes, fmt: FrameFormat) -> TagFrame | BadFrame:
    """Check one frame body (without STX and ETX) against `fmt`; never raises."""
    raw = bytes([STX]) + body + bytes([ETX])
    if len(body) != fmt.body_length:
        return BadFrame(
            f"bad shape: {len(body)} bytes between start and end, not {fmt.body_length}", raw
        )
    if fmt.trailer and not body.endswith(fmt.trailer):
        return BadFrame("bad shape: missing CR LF before the end byte", raw)
    digits = body[:12]
    if not set(digits) <= _HEX_DIGITS:
        return BadFrame("bad shape: not hex digits", raw)
    data = bytes.fromhex(digits[:10].decode("ascii"))
    stated = int(digits[10:12], 16)
    actual = xor_checksum(data)
    if stated != actual:
        return BadFrame(f"bad checksum: frame says {stated:02X}, data gives {actual:02X}", raw)
    return TagFrame(digits[:10].decode("ascii").upper(), raw)


class StxEtxFramer:
    """Incremental framer: feed it chunks split anywhere, get back good and bad frames.

    Bytes outside a frame are skipped (and counted in `skipped_bytes`). A new STX inside a frame
    abandons the partial one, so a frame is found whatever noise precedes it. A body longer than
    the format allows is rejected at once and the rest of it skipped, so memory stays bounded.
    Never raises.
    """

    def __init__(self, fmt: FrameFormat) -> None:
        self.format = fmt
        self._body = bytearray()
        self._in_frame = False
        self.skipped_bytes = 0

    def reset(self) -> None:
        """Forget any partial frame (after the port was reopened)."""
        self._body.clear()
        self._in_frame = False

    def feed(self, data: bytes) -> list[TagFrame | BadFrame]:
        results: list[TagFrame | BadFrame] = []
        limit = self.format.body_length
        for byte in data:
            if byte == STX:
                if self._in_frame and self._body:
                    results.append(
                        BadFrame("frame cut short by a new start byte", bytes([STX]) + self._body)
                    )
                self._body.clear()
                self._in_frame = True
            elif not self._in_frame:
                self.skipped_bytes += 1
            elif byte == ETX:
                results.append(parse_body(bytes(self._body), self.format))
                self._body.clear()
                self._in_frame = False
            else:
                self._body.append(byte)
                if len(self._body) > limit:
                    results.append(
                        BadFrame(
                            f"overlong frame: no end byte within {limit} bytes",
                            bytes([STX]) + self._body,
                        )
                    )
                    self._body.clear()
                    self._in_frame = False
        return results
