"""A real OSDP peripheral (libosdp's PD side) on the far end of a pseudo-terminal."""

from __future__ import annotations

import os
import threading
from typing import Any

import osdp

from drivers.wiegand_formats import WiegandFormat, encode
from tests.drivers.driverfakes import PtyDevice

KEY = bytes.fromhex("303132333435363738393A3B3C3D3E3F")
OTHER_KEY = bytes(16)
VENDOR = 0x0A1B2C
SERIAL = 0x00BC614E


class _PtyChannel(osdp.Channel):  # type: ignore[misc]
    def __init__(self, device: PtyDevice) -> None:
        super().__init__()
        self._fd = device.master
        os.set_blocking(self._fd, False)

    def read(self, max_bytes: int) -> bytes:
        try:
            return os.read(self._fd, max_bytes)
        except OSError:  # nothing waiting, or the pty is gone
            return b""

    def write(self, buf: bytes) -> int:
        try:
            return os.write(self._fd, bytes(buf))
        except OSError:
            return 0

    def flush(self) -> None:
        pass


class OsdpPeripheral:
    """A door reader speaking OSDP at `address` with secure channel key `scbk`.

    `present(...)` reads a card (osdp_RAW with the card's Wiegand bits); every LED and buzzer
    command the control panel sends is kept in `commands`. `stop()` is the reader losing power
    with its RS-485 adapter still plugged in; `start()` powers it again.
    """

    def __init__(
        self, device: PtyDevice, *, address: int = 0, scbk: bytes = KEY, led: bool = True
    ) -> None:
        caps = [(osdp.Capability.AudibleControl, 1, 1), (osdp.Capability.CardDataFormat, 1, 1)]
        if led:
            caps.append((osdp.Capability.LEDControl, 1, 1))
        info = osdp.PDInfo(
            address,
            _PtyChannel(device),
            scbk=scbk,
            id=osdp.PdId(2, 7, VENDOR, SERIAL, 0x010203),
        )
        self.address = address
        self._lock = threading.Lock()
        self.commands: list[dict[str, Any]] = []
        self.pd = osdp.PeripheralDevice(
            info,
            osdp.PDCapabilities(caps),
            log_level=osdp.LogLevel.Emergency,
            command_handler=self._command,
        )
        self.running = False
        self.start()

    def _command(self, command: dict[str, Any]) -> tuple[int, None]:
        with self._lock:
            self.commands.append(command)
        return 0, None

    def received(self, kind: int) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.commands if c.get("command") == kind]

    def present_bits(self, value: int, length: int) -> None:
        size = (length + 7) // 8
        data = (value << (8 * size - length)).to_bytes(size, "big")
        self.pd.submit_event(
            {
                "event": osdp.Event.CardRead,
                "reader_no": 0,
                "format": osdp.CardFormat.Wiegand,
                "direction": 0,
                "length": length,
                "data": data,
            }
        )

    def present(self, fmt: WiegandFormat, card: int, facility: int = 0) -> None:
        self.present_bits(encode(fmt, card, facility), fmt.length)

    def start(self) -> None:
        if not self.running:
            self.pd.start()
            self.running = True

    def stop(self) -> None:
        if self.running:
            self.pd.stop()
            self.running = False
