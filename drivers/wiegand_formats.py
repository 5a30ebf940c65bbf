"""Pure Wiegand decoding: pin edges in, frames of bits out; a frame's bits in, a card out.

Bit 1 is the first bit sent, as HID numbers them. The layouts and parity ranges:

    format          bits  parity                         facility  card      parity
    h10301          26    1 even over 2-13               2-9       10-25     26 odd over 14-25
    h10306          34    1 even over 2-17               2-17      18-33     34 odd over 18-33
    corporate1000   35    1 odd over 2-35; 2 even over   3-14      15-34     35 odd over 2-33
                          3-34 but not 5, 8, ... 32                          but not 4, 7, ... 31
    h10304          37    1 even over 2-19               2-17      18-36     37 odd over 19-36
    h10302          37    1 even over 2-19               (none)    2-36      37 odd over 19-36

Sources: HID Global's technical note "Understanding Card Data Formats" (0052-001) for the
26-bit layout and its parity halves; the published H10302, H10304, H10306 and Corporate 1000
35-bit layouts as implemented in the Proxmark3 client (`client/src/wiegand_formats.c`:
`Pack_H10301`, `Pack_H10302`, `Pack_H10304`, `Pack_H10306`, `Pack_C1k35s`), whose masks the
table above was checked against bit by bit (the test suite encodes with those masks).

A frame's raw form is its bits as hex with a leading 1 bit above them (26 bits give 7 digits,
34 and 35 give 9, 37 give 10), so the length survives the trip through hex; it is the form a
badge reader reports and that `kiosk roster import` accepts beside the printed `FC:card`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParityBit:
    """Bit `position` makes the count of set bits among `covers` (itself included) odd or even."""

    position: int
    covers: tuple[int, ...]
    odd: bool


@dataclass(frozen=True, slots=True)
class WiegandFormat:
    """One card format: its length, its fields as (first, last) bit positions, its parity bits.

    Parity bits are listed in the order they are computed (a bit covering another comes last).
    """

    name: str
    length: int
    facility: tuple[int, int] | None
    card: tuple[int, int]
    parity: tuple[ParityBit, ...]


def _span(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


def _halves(length: int, even_through: int, odd_from: int) -> tuple[ParityBit, ParityBit]:
    """The common scheme: bit 1 even over the leading bits, the last bit odd over the trailing."""
    return (
        ParityBit(1, _span(1, even_through), odd=False),
        ParityBit(length, _span(odd_from, length), odd=True),
    )


H10301 = WiegandFormat("h10301", 26, facility=(2, 9), card=(10, 25), parity=_halves(26, 13, 14))
H10306 = WiegandFormat("h10306", 34, facility=(2, 17), card=(18, 33), parity=_halves(34, 17, 18))
CORPORATE_1000 = WiegandFormat(
    "corporate1000",
    35,
    facility=(3, 14),
    card=(15, 34),
    parity=(
        ParityBit(2, (2, *(p for p in range(3, 35) if p % 3 != 2)), odd=False),
        ParityBit(35, (*(p for p in range(2, 34) if p % 3 != 1), 35), odd=True),
        ParityBit(1, _span(1, 35), odd=True),
    ),
)
H10304 = WiegandFormat("h10304", 37, facility=(2, 17), card=(18, 36), parity=_halves(37, 19, 19))
H10302 = WiegandFormat("h10302", 37, facility=None, card=(2, 36), parity=_halves(37, 19, 19))

FORMATS: dict[str, WiegandFormat] = {
    f.name: f for f in (H10301, H10306, CORPORATE_1000, H10304, H10302)
}
# H10302 and H10304 are both 37 bits with the same parity: the first listed in `formats` names
# the card. H10304 (with a facility code) is the commoner, so it comes first by default.
DEFAULT_FORMATS: tuple[str, ...] = tuple(FORMATS)


def formats_named(names: Iterable[str]) -> tuple[WiegandFormat, ...]:
    """The formats for `names` (as in `[rfid] formats`); ValueError naming an unknown one."""
    chosen = []
    for name in names:
        key = name.strip().lower()
        if key not in FORMATS:
            raise ValueError(
                f"unknown Wiegand format {name!r}; the formats are {', '.join(FORMATS)}"
            )
        chosen.append(FORMATS[key])
    if not chosen:
        raise ValueError("at least one Wiegand format is needed")
    return tuple(chosen)


def bit_at(value: int, length: int, position: int) -> int:
    """Bit `position` (1 = first sent) of a frame held MSB-first in `value`."""
    return (value >> (length - position)) & 1


def field(value: int, length: int, span: tuple[int, int]) -> int:
    first, last = span
    width = last - first + 1
    return (value >> (length - last)) & ((1 << width) - 1)


def _parity_holds(value: int, length: int, bit: ParityBit) -> bool:
    ones = sum(bit_at(value, length, p) for p in bit.covers)
    return ones % 2 == (1 if bit.odd else 0)


def encode(fmt: WiegandFormat, card: int, facility: int = 0) -> int:
    """The frame a reader sends for a card (its bits MSB-first, parity set), for tests and sims."""
    value = 0

    def put(span: tuple[int, int], number: int, what: str) -> None:
        nonlocal value
        width = span[1] - span[0] + 1
        if not 0 <= number < 1 << width:
            raise ValueError(f"{what} {number} does not fit {fmt.name}'s {width} bits")
        value |= number << (fmt.length - span[1])

    if fmt.facility is not None:
        put(fmt.facility, facility, "facility code")
    elif facility:
        raise ValueError(f"{fmt.name} has no facility code")
    put(fmt.card, card, "card number")
    for bit in fmt.parity:
        if not _parity_holds(value, fmt.length, bit):
            value ^= 1 << (fmt.length - bit.position)
    return value


def raw_hex(value: int, length: int) -> str:
    """The frame's bits as upper-case hex under a leading 1 bit that keeps its length."""
    marked = (1 << length) | (value & ((1 << length) - 1))
    return f"{marked:X}"


def bits_text(value: int, length: int) -> str:
    return format(value, f"0{length}b") if length else ""


@dataclass(frozen=True, slots=True)
class WiegandCard:
    """A frame whose length and parity fit a known format."""

    format: str
    facility: int | None
    number: int
    value: int
    length: int

    @property
    def uid(self) -> str:
        """The raw form (see the module docstring): what the reader reports as the badge."""
        return raw_hex(self.value, self.length)

    @property
    def printed(self) -> str:
        """What is printed on the card: `FC:card` (`0:card` for a format with no facility)."""
        return f"{self.facility or 0}:{self.number}"


@dataclass(frozen=True, slots=True)
class BadWiegand:
    """A frame dropped: `reason` is one line of plain English, `bits` the bits as 0s and 1s."""

    reason: str
    bits: str


def decode(
    value: int, length: int, formats: Iterable[WiegandFormat] = tuple(FORMATS.values())
) -> WiegandCard | BadWiegand:
    """The card in one frame, or why it was dropped; never raises."""
    bits = bits_text(value, length)
    same_length = [f for f in formats if f.length == length]
    if not same_length:
        return BadWiegand(f"unknown length: {length} bits", bits)
    for fmt in same_length:
        broken = [b.position for b in fmt.parity if not _parity_holds(value, length, b)]
        if broken:
            continue
        return WiegandCard(
            format=fmt.name,
            facility=None if fmt.facility is None else field(value, length, fmt.facility),
            number=field(value, length, fmt.card),
            value=value,
            length=length,
        )
    names = "/".join(f.name for f in same_length)
    return BadWiegand(f"bad parity: {length} bits fail {names}'s parity check", bits)


@dataclass(frozen=True, slots=True)
class Frame:
    """The bits between two quiet gaps; `fault` says why they cannot be a card (both lines low)."""

    value: int
    length: int
    fault: str | None = None


class EdgeFramer:
    """Turns edges on the two data lines, with their kernel timestamps, into frames.

    A bit is a low pulse on D0 (a 0) or D1 (a 1), counted when the line rises again; a pulse
    shorter than `min_pulse` seconds is a glitch and is ignored (a reader's pulse is 20-100 us).
    A frame ends at the first falling edge more than `gap` seconds after the last bit, or at
    `flush()` (the caller's timer, once the lines have been quiet that long). Times are the
    edges' own ticks in seconds, so a busy Python thread cannot split or merge frames. Pure:
    no clock, no threads.
    """

    def __init__(self, *, gap: float = 0.025, min_pulse: float = 10e-6, max_bits: int = 64):
        self.gap = gap
        self.min_pulse = min_pulse
        self.max_bits = max_bits
        self.glitches = 0
        self._low_at: list[float | None] = [None, None]
        self._value = 0
        self._length = 0
        self._fault: str | None = None
        self._last_tick: float | None = None

    @property
    def pending(self) -> bool:
        return self._length > 0 or self._fault is not None

    def line_low_since(self, line: int) -> float | None:
        return self._low_at[line]

    def edge(self, line: int, low: bool, tick: float) -> list[Frame]:
        """Line 0 (D0) or 1 (D1) went low (`low`) or high at `tick` seconds; frames it ended."""
        done: list[Frame] = []
        if low:
            if self._last_tick is not None and tick - self._last_tick > self.gap:
                done.extend(self.flush())
            if self._low_at[1 - line] is not None:
                self._fault = "both data lines low at once (noise or a wiring fault)"
            self._low_at[line] = tick
            self._last_tick = tick
            return done
        fell = self._low_at[line]
        self._low_at[line] = None
        if fell is None:
            return done  # a rise seen without its fall (the first edge after start)
        if tick - fell < self.min_pulse:
            self.glitches += 1
            return done
        self._value = (self._value << 1) | line
        self._length += 1
        self._last_tick = tick
        if self._length > self.max_bits:
            done.append(Frame(0, self._length, f"no quiet gap within {self.max_bits} bits"))
            self._reset()
        return done

    def flush(self) -> list[Frame]:
        """End the frame in progress (the lines have been quiet for `gap`)."""
        if not self.pending:
            return []
        frame = Frame(self._value, self._length, self._fault)
        self._reset()
        return [frame]

    def _reset(self) -> None:
        self._value = 0
        self._length = 0
        self._fault = None
