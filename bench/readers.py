"""Door readers: a Wiegand burst on mock pins, and OSDP card reads through a real peripheral.

- `wiegand_frames_per_s`: 1,000 26-bit frames, each a different card, driven on gpiozero's mock
  pins at the shortest spacing the standard allows (20 us pulses 200 us apart, the next frame
  just past the reader's 25 ms quiet gap, in the edges' ticks), as fast as Python can drive
  them; frames per wall-clock second from the first edge to the last card reported, with
  `wiegand_frames_lost` (must be 0).
- `osdp_poll_to_badge_p50_ms` / `osdp_poll_to_badge_p99_ms`: a libosdp peripheral on a
  pseudo-terminal submits a card read; the time until the kiosk's `BadgeRead` callback, over
  the secure channel (the pty has no baud limit: 9600 baud adds about 20 ms per poll reply).
`python -m bench.readers` prints these figures alone.
"""

from __future__ import annotations

import statistics
import threading
import time

from gpiozero import Device

from drivers.events import BadgeRead
from drivers.osdp_reader import OsdpReader
from drivers.wiegand import WiegandReader
from drivers.wiegand_formats import H10301, encode
from tests.drivers.driverfakes import PtyDevice
from tests.drivers.osdpfakes import KEY, OsdpPeripheral
from tests.drivers.wiegandfakes import WiegandWire, ticked_factory

FRAMES = 1_000
OSDP_READS = 200


def wiegand_burst() -> tuple[float, int]:
    saved = Device.pin_factory
    Device.pin_factory = factory = ticked_factory()
    got = threading.Semaphore(0)
    count = 0

    def read(_event: BadgeRead) -> None:
        nonlocal count
        count += 1
        got.release()

    try:
        with WiegandReader(5, 6, when_read=read):
            wire = WiegandWire(factory, 5, 6)
            started = time.perf_counter()
            for n in range(FRAMES):
                bits = format(_frame(n), "026b")
                wire.send_bits(bits, spacing=200e-6, pulse=20e-6)
                wire.quiet(0.0251)
            for _ in range(FRAMES):
                if not got.acquire(timeout=10):
                    break
            elapsed = time.perf_counter() - started
    finally:
        factory.reset()
        Device.pin_factory = saved
    return count / elapsed, FRAMES - count


def _frame(n: int) -> int:
    return encode(H10301, n % 65536, 1 + n // 65536)


def osdp_latencies() -> list[float]:
    device = PtyDevice()
    peripheral = OsdpPeripheral(device)
    arrived = threading.Event()
    online = threading.Event()
    try:
        with OsdpReader(
            device.path,
            scbk=KEY,
            repeat_suppress_seconds=0,
            when_read=lambda _e: arrived.set(),
            when_online=lambda _e: online.set(),
        ):
            if not online.wait(10):
                raise RuntimeError("the OSDP peripheral did not come online")
            latencies = []
            for n in range(OSDP_READS):
                arrived.clear()
                started = time.perf_counter()
                peripheral.present(H10301, n, 7)
                if not arrived.wait(5):
                    raise RuntimeError(f"card read {n} never arrived")
                latencies.append((time.perf_counter() - started) * 1000)
                time.sleep(0.003 * (n % 7))  # reads land at every point of the poll cycle
            return latencies
    finally:
        peripheral.stop()
        device.close()


def main() -> None:
    rate, lost = wiegand_burst()
    print(f"wiegand_frames_per_s: {rate:.0f}")
    print(f"wiegand_frames_lost: {lost}")
    latencies = sorted(osdp_latencies())
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"osdp_poll_to_badge_p50_ms: {statistics.median(latencies):.1f}")
    print(f"osdp_poll_to_badge_p99_ms: {p99:.1f}")


if __name__ == "__main__":
    main()
