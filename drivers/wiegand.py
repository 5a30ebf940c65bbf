"""A Wiegand badge reader on two GPIO inputs (D0, D1), read through gpiozero's pin edges.

Wiring. A door reader drives D0 and D1 at 5 V (open-collector with its own pull-ups, or push-pull);
the Pi's GPIO inputs take 3.3 V at most, so each line goes through a level shifter: a
bidirectional MOSFET shifter (BSS138 boards, 5 V side to the reader, 3.3 V side to the Pi) or a
resistor divider (e.g. 1 kOhm over 2 kOhm to GND) on each line. Join the reader's 0 V to the Pi's
GND; power the reader from its own 12 V supply, never from the Pi. D0 (usually green) to `d0_pin`,
D1 (usually white) to `d1_pin`. Both lines idle HIGH; the Pi's pull-ups are enabled as well, so a
reader that is unplugged still reads idle, while a line held LOW (a reader without power behind
some shifters, a short, swapped GND) is reported as the reader being offline.

Timing comes from the edges' kernel timestamps (gpiozero's `when_changed(ticks, state)`; with
the lgpio pin factory these are the kernel's nanosecond line-event times), so a busy Python thread
delays frames but never splits or merges them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any, Unpack

from gpiozero import InputDevice

from drivers.badge_reader import BadgeReader, ReaderOptions
from drivers.wiegand_formats import (
    DEFAULT_FORMATS,
    BadWiegand,
    EdgeFramer,
    Frame,
    bits_text,
    decode,
    formats_named,
)

_log = logging.getLogger("drivers.wiegand")

STUCK_LOW_SECONDS = 1.0  # far beyond any frame (37 bits at 20 ms apart is under a second)


class WiegandReader(BadgeReader):
    """A Wiegand reader: `WiegandReader(d0_pin=5, d1_pin=6, formats=("h10301",))`.

    Each frame whose length and parity fit one of `formats` is reported through `when_read`
    with the frame's raw form as the `uid` (see `drivers.wiegand_formats`); a bad parity, an
    unknown length, a frame cut short or noise on the lines is reported through
    `when_rejected` and counted in `rejected_count`, as any bad frame is. A frame ends once the
    lines have been quiet for `frame_gap` seconds. The reader is online while both lines idle
    high; a line held low for a second is reported through `when_offline`. Callbacks come from
    gpiozero's edge thread or this reader's own timer thread.
    """

    def __init__(
        self,
        d0_pin: int | str,
        d1_pin: int | str,
        *,
        formats: Iterable[str] = DEFAULT_FORMATS,
        frame_gap: float = 0.025,
        pin_factory: Any = None,
        **options: Unpack[ReaderOptions],
    ) -> None:
        port = f"GPIO{d0_pin}/GPIO{d1_pin}"
        super().__init__(port, **options)
        self.formats = formats_named(formats)
        self.frame_gap = frame_gap
        self._framer = EdgeFramer(gap=frame_gap)
        self._cond = threading.Condition()
        self._last_edge_at: float | None = None  # time.monotonic of the last edge's arrival
        self._lines: list[InputDevice] = []
        try:
            for pin in (d0_pin, d1_pin):
                self._lines.append(InputDevice(pin, pull_up=True, pin_factory=pin_factory))
        except Exception:
            for line in self._lines:
                line.close()
            raise
        self._worker = threading.Thread(target=self._watch, name=f"wiegand {port}", daemon=True)
        self._worker.start()
        # Edge detection starts last, so no edge arrives before the framer and timer exist.
        self._lines[0].pin.when_changed = self._d0_changed
        self._lines[1].pin.when_changed = self._d1_changed

    @property
    def pins(self) -> tuple[Any, Any]:
        """The gpiozero pins of D0 and D1 (`MockPin`s under the mock factory)."""
        return self._lines[0].pin, self._lines[1].pin

    @property
    def glitch_count(self) -> int:
        """Pulses too short to be a bit (noise), ignored."""
        return self._framer.glitches

    def _d0_changed(self, ticks: float, state: int) -> None:
        self._edge(0, ticks, state)

    def _d1_changed(self, ticks: float, state: int) -> None:
        self._edge(1, ticks, state)

    def _edge(self, line: int, ticks: float, state: int) -> None:
        if self._closed:
            return
        with self._cond:
            frames = self._framer.edge(line, not state, float(ticks))
            self._last_edge_at = time.monotonic()
            self._cond.notify()
        self._publish(frames)

    def _watch(self) -> None:
        """End a frame once the lines are quiet; watch for a line held low."""
        self._check_idle()
        while True:
            with self._cond:
                if self._closed:
                    return
                frames: list[Frame] = []
                if self._last_edge_at is None:
                    self._cond.wait(STUCK_LOW_SECONDS / 2)
                else:
                    quiet = time.monotonic() - self._last_edge_at
                    if quiet < self.frame_gap:
                        self._cond.wait(self.frame_gap - quiet)
                        continue
                    frames = self._framer.flush()
                    self._last_edge_at = None
            self._publish(frames)
            self._check_idle()

    def _check_idle(self) -> None:
        low = [
            label
            for label, device in zip(("D0", "D1"), self._lines, strict=True)
            if not device.closed and not device.pin.state
        ]
        if self._closed:
            return
        if not low:
            self._report_online()
            return
        with self._cond:
            recent = self._last_edge_at is not None
        if recent:
            return  # mid-frame; judged again once the lines go quiet
        self._report_offline(
            f"{self.port}: {' and '.join(low)} held low (is the reader powered, and its "
            "ground joined to the Pi's?)"
        )

    def _publish(self, frames: list[Frame]) -> None:
        for frame in frames:
            if frame.fault is not None:
                self._report_rejected(frame.fault, bits_text(frame.value, frame.length).encode())
                continue
            card = decode(frame.value, frame.length, self.formats)
            if isinstance(card, BadWiegand):
                self._report_rejected(card.reason, card.bits.encode())
                continue
            _log.debug("%s: %s card %s", self.name, card.format, card.printed)
            self._report_uid(card.uid)

    def close(self) -> None:
        if self._closed:
            return
        with self._cond:
            super().close()
            self._cond.notify()
        if self._worker is not threading.current_thread():
            self._worker.join(2)
        for device in self._lines:
            device.pin.when_changed = None
            device.close()


def probe_wiegand(
    d0_pin: int | str, d1_pin: int | str, *, pin_factory: Any = None
) -> tuple[bool, str]:
    """For `kiosk check`: (ok, one line). Both lines must idle high with the pull-ups on."""
    lines: list[InputDevice] = []
    try:
        for pin in (d0_pin, d1_pin):
            lines.append(InputDevice(pin, pull_up=True, pin_factory=pin_factory))
        time.sleep(0.01)  # let the pull-ups charge the lines
        low = [
            f"D0 (GPIO{d0_pin})" if i == 0 else f"D1 (GPIO{d1_pin})"
            for i, line in enumerate(lines)
            if not line.pin.state
        ]
    except Exception as exc:
        return False, f"GPIO{d0_pin}/GPIO{d1_pin}: {' '.join(str(exc).split())}"
    finally:
        for line in lines:
            line.close()
    if low:
        return False, (
            f"{' and '.join(low)} held low: a Wiegand line idles high; check the reader's power, "
            "its ground to the Pi's and the level shifter"
        )
    return True, f"D0 (GPIO{d0_pin}) and D1 (GPIO{d1_pin}) idle high"
