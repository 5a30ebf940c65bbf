"""Serial 125 kHz badge readers (EM4100, ID-12LA) and `open_reader`, the factory for all drivers."""

from __future__ import annotations

import logging
from typing import Any

from drivers.badge_reader import BadgeReader, SerialBadgeReader
from drivers.clock import Clock
from drivers.framing import EM4100, ID12, FrameFormat, StxEtxFramer, TagFrame
from drivers.keyboard import EvdevKeyboardReader, KeystrokeReader
from drivers.osdp_reader import OsdpReader, load_scbk
from drivers.pn532 import Pn532Reader
from drivers.wiegand import WiegandReader
from drivers.wiegand_formats import DEFAULT_FORMATS

_log = logging.getLogger("drivers.reader")

READER_DRIVERS = ("em4100", "id12", "pn532", "keyboard", "wiegand", "osdp", "none")


class _StxEtxReader(SerialBadgeReader):
    frame_format: FrameFormat = EM4100

    def _prepare(self) -> None:
        self._framer = StxEtxFramer(self.frame_format)

    def _port_opened(self) -> None:
        self._framer.reset()

    def _data_received(self, data: bytes) -> None:
        for frame in self._framer.feed(data):
            if isinstance(frame, TagFrame):
                self._report_uid(frame.uid)
            else:
                self._report_rejected(frame.reason, frame.raw)


class Em4100Reader(_StxEtxReader):
    """An RDM6300-style EM4100 reader (9600 8N1); it repeats the frame while a card is held.

    `Em4100Reader("/dev/serial/by-id/...", repeat_suppress_seconds=3.0)`; see `BadgeReader`
    for the callbacks and the thread they are called from.
    """

    frame_format = EM4100


class Id12Reader(_StxEtxReader):
    """An ID-12LA / ID-20LA reader (9600 8N1): one frame per presentation, CR LF before ETX."""

    frame_format = ID12


def open_reader(
    driver: str,
    port: str = "",
    baudrate: int | None = None,
    repeat_suppress_seconds: float = 3.0,
    clock: Clock | None = None,
    *,
    d0_pin: int | str | None = None,
    d1_pin: int | str | None = None,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    address: int = 0,
    scbk_file: str = "",
    **kw: Any,
) -> BadgeReader | None:
    """Open the reader named by `driver` (em4100 | id12 | pn532 | keyboard | wiegand | osdp | none).

    `none` gives None. `keyboard` with an empty `port` gives a `KeystrokeReader` the app feeds
    with its own key events; with a `/dev/input/...` path, an `EvdevKeyboardReader`.
    `wiegand` reads the GPIO pins `d0_pin` and `d1_pin` for the card `formats`; `osdp` polls
    the reader at `address` on `port` over the secure channel keyed by `scbk_file` (ValueError
    if that file is missing, malformed or readable by others). Extra keywords go to the
    reader's constructor: the callbacks (`when_read=...`; see `BadgeReader`),
    `retry_interval`, `name`, `pin_factory` for wiegand.
    """
    common: dict[str, Any] = {
        "repeat_suppress_seconds": repeat_suppress_seconds,
        "clock": clock,
        **kw,
    }
    if driver == "none":
        return None
    if driver == "keyboard":
        if not port:
            return KeystrokeReader(**common)
        if not port.startswith("/dev/input/"):
            raise ValueError(
                f"the keyboard driver reads a /dev/input/... device or, with no port, the "
                f"kiosk's own keys; {port!r} is neither"
            )
        return EvdevKeyboardReader(port, **common)
    if driver == "wiegand":
        if d0_pin is None or d1_pin is None:
            raise ValueError("the wiegand driver needs d0_pin and d1_pin (BCM numbers)")
        return WiegandReader(d0_pin, d1_pin, formats=formats, **common)
    if not port:
        raise ValueError(f"the {driver} driver needs a port (a device path or pyserial URL)")
    if driver == "em4100":
        return Em4100Reader(port, baudrate=baudrate, **common)
    if driver == "id12":
        return Id12Reader(port, baudrate=baudrate, **common)
    if driver == "pn532":
        if baudrate is not None and baudrate != Pn532Reader.default_baudrate:
            _log.warning(
                "pn532 on %s at %d baud: the PN532's serial default is 115200", port, baudrate
            )
        return Pn532Reader(port, baudrate=baudrate, **common)
    if driver == "osdp":
        if not scbk_file:
            raise ValueError("the osdp driver needs scbk_file: the reader's secure channel key")
        key = load_scbk(scbk_file)
        return OsdpReader(port, scbk=key, address=address, baudrate=baudrate, **common)
    raise ValueError(
        f"unknown reader driver {driver!r}; expected one of {', '.join(READER_DRIVERS)}"
    )
