"""A Wiegand reader's two data lines on gpiozero's mock pins, driven with the edges' own ticks."""

from __future__ import annotations

from gpiozero.pins.mock import MockFactory, MockPin, PinState

from drivers.wiegand_formats import WiegandFormat, encode

PULSE = 50e-6  # a reader's pulse width (HID: 50 us)
SPACING = 2e-3  # from one bit to the next (HID: 2 ms)


class TickedMockPin(MockPin):
    """A mock input that can change level with a given timestamp, as lgpio's kernel ticks come.

    gpiozero's `MockPin` stamps each change with `time.monotonic()` as it happens, so a test
    driving edges from Python cannot place them 50 us apart; this pin takes the tick from the
    caller and passes it to `when_changed(ticks, state)` exactly as the lgpio factory does.
    """

    held_low = False  # a line shorted to ground: the pull-up cannot lift it

    def _set_pull(self, value: str) -> None:
        super()._set_pull(value)
        if self.held_low:
            self._state = False

    def drive_at(self, high: bool, ticks: float) -> None:
        assert self.function == "input"
        if self._state == high:
            return
        self._state = high
        self.states.append(PinState(ticks - self._last_change, high))
        self._last_change = ticks
        wanted = "rising" if high else "falling"
        if self._edges in ("both", wanted) and self._when_changed is not None:
            self._call_when_changed()


def ticked_factory() -> MockFactory:
    return MockFactory(pin_class=TickedMockPin)


class WiegandWire:
    """The reader's side of D0 and D1: sends frames bit by bit with realistic timing."""

    def __init__(self, factory: MockFactory, d0: int, d1: int, start: float = 1000.0) -> None:
        self.lines: tuple[TickedMockPin, TickedMockPin] = (factory.pin(d0), factory.pin(d1))
        self.tick = start

    def pulse(self, line: int, width: float = PULSE) -> None:
        pin = self.lines[line]
        pin.drive_at(False, self.tick)
        pin.drive_at(True, self.tick + width)

    def send_bits(self, bits: str, *, spacing: float = SPACING, pulse: float = PULSE) -> None:
        for bit in bits:
            self.pulse(int(bit), pulse)
            self.tick += spacing

    def send(self, fmt: WiegandFormat, card: int, facility: int = 0, *, flip: int = 0) -> str:
        """Send a card's frame (with bit `flip`, 1 = first sent, inverted); its bits."""
        value = encode(fmt, card, facility)
        if flip:
            value ^= 1 << (fmt.length - flip)
        bits = format(value, f"0{fmt.length}b")
        self.send_bits(bits)
        return bits

    def quiet(self, seconds: float) -> None:
        self.tick += seconds

    def hold_low(self, line: int) -> None:
        self.lines[line].drive_at(False, self.tick)

    def release(self, line: int) -> None:
        self.lines[line].drive_at(True, self.tick)
