"""PN532 over UART (HSU): pure NXP UM0701 frame building and parsing, and the polling reader."""

from __future__ import annotations

import logging
import queue
import time
from dataclasses import dataclass
from typing import Unpack

from drivers.badge_reader import SerialBadgeReader, SerialReaderOptions
from drivers.framing import BadFrame
from drivers.serial_link import DeviceFault, LinkSession

_log = logging.getLogger("drivers.pn532")

HOST_TO_PN532 = 0xD4
PN532_TO_HOST = 0xD5
START_CODE = b"\x00\xff"
ACK_FRAME = bytes.fromhex("0000FF00FF00")
NACK_FRAME = bytes.fromhex("0000FFFF0000")
ERROR_FRAME = bytes.fromhex("0000FF01FF7F8100")
# HSU wake-up: 0x55 0x55 then zeros long enough for the chip's oscillator to start (as libnfc).
WAKEUP = b"\x55\x55" + bytes(14)

GET_FIRMWARE_VERSION = 0x02
SAM_CONFIGURATION = 0x14
RF_CONFIGURATION = 0x32
IN_LIST_PASSIVE_TARGET = 0x4A

_COMMAND_NAMES = {
    GET_FIRMWARE_VERSION: "GetFirmwareVersion",
    SAM_CONFIGURATION: "SAMConfiguration",
    RF_CONFIGURATION: "RFConfiguration",
    IN_LIST_PASSIVE_TARGET: "InListPassiveTarget",
}


class Pn532ProtocolError(ValueError):
    """A well-framed response whose content does not make sense."""


@dataclass(frozen=True, slots=True)
class Ack:
    """The PN532 accepted a command frame."""


@dataclass(frozen=True, slots=True)
class Nack:
    """Ask the other side to send its last frame again."""


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """The PN532's syntax-error frame: it could not make sense of the last command."""


@dataclass(frozen=True, slots=True)
class InformationFrame:
    """A normal frame: `tfi` (0xD4 host to chip, 0xD5 chip to host) and the bytes after it."""

    tfi: int
    data: bytes

    @property
    def code(self) -> int | None:
        """The command (or response) code, the first data byte."""
        return self.data[0] if self.data else None


Pn532Frame = Ack | Nack | ErrorFrame | InformationFrame | BadFrame


def build_frame(tfi: int, data: bytes) -> bytes:
    """A normal information frame: preamble, start code, LEN, LCS, TFI, data, DCS, postamble."""
    payload = bytes([tfi]) + data
    if len(payload) > 255:
        raise ValueError("a normal PN532 frame carries at most 255 bytes")
    length = len(payload)
    return (
        b"\x00"
        + START_CODE
        + bytes([length, (-length) & 0xFF])
        + payload
        + bytes([(-sum(payload)) & 0xFF, 0x00])
    )


def build_command(command: int, params: bytes = b"") -> bytes:
    """A host-to-PN532 command frame."""
    return build_frame(HOST_TO_PN532, bytes([command]) + params)


def build_response(command: int, data: bytes = b"") -> bytes:
    """The PN532's response frame to `command` (for simulators and tests)."""
    return build_frame(PN532_TO_HOST, bytes([command + 1]) + data)


def sam_configuration_command(timeout: int = 0x14) -> bytes:
    """SAMConfiguration: normal mode (no SAM), virtual-card timeout x 50 ms, IRQ pin used."""
    return build_command(SAM_CONFIGURATION, bytes([0x01, timeout, 0x01]))


def rf_max_retries_command(passive_activation: int = 0x02) -> bytes:
    """RFConfiguration item 0x05 (MaxRetries).

    The chip's default of 0xFF retries makes InListPassiveTarget wait for a card forever; a
    small count makes each poll return, with no target, when the field is empty.
    """
    return build_command(RF_CONFIGURATION, bytes([0x05, 0xFF, 0x01, passive_activation]))


def in_list_passive_target_command() -> bytes:
    """InListPassiveTarget for one target at 106 kbps type A (ISO/IEC 14443A, MIFARE)."""
    return build_command(IN_LIST_PASSIVE_TARGET, bytes([0x01, 0x00]))


def get_firmware_version_command() -> bytes:
    return build_command(GET_FIRMWARE_VERSION)


@dataclass(frozen=True, slots=True)
class PassiveTarget:
    """One type A card from InListPassiveTarget."""

    number: int
    sens_res: bytes
    sel_res: int
    uid: bytes
    ats: bytes = b""

    @property
    def uid_hex(self) -> str:
        """The UID as the kiosk reports it: uppercase hex, no separators."""
        return self.uid.hex().upper()


def parse_in_list_passive_target(data: bytes) -> list[PassiveTarget]:
    """Targets in an InListPassiveTarget response (`data` starts with the code 0x4B).

    Raises `Pn532ProtocolError` for a response that does not hold together.
    """
    if not data or data[0] != IN_LIST_PASSIVE_TARGET + 1:
        raise Pn532ProtocolError("not an InListPassiveTarget response")
    if len(data) < 2:
        raise Pn532ProtocolError("InListPassiveTarget response without a target count")
    count = data[1]
    if count > 2:
        raise Pn532ProtocolError(f"InListPassiveTarget reported {count} targets; at most 2")
    targets: list[PassiveTarget] = []
    i = 2
    for _ in range(count):
        if len(data) < i + 5:
            raise Pn532ProtocolError("InListPassiveTarget target cut short")
        number = data[i]
        sens_res = data[i + 1 : i + 3]
        sel_res = data[i + 3]
        uid_length = data[i + 4]
        if uid_length not in (4, 7, 10):
            raise Pn532ProtocolError(f"UID of {uid_length} bytes; type A UIDs are 4, 7 or 10")
        i += 5
        uid = data[i : i + uid_length]
        if len(uid) != uid_length:
            raise Pn532ProtocolError("InListPassiveTarget UID cut short")
        i += uid_length
        ats = b""
        # Only ISO/IEC 14443-4 cards (SEL_RES bit 6) answer with an ATS, led by its length.
        if sel_res & 0x20 and i < len(data):
            ats_length = data[i]
            ats = data[i : i + ats_length]
            if ats_length == 0 or len(ats) != ats_length:
                raise Pn532ProtocolError("InListPassiveTarget ATS cut short")
            i += ats_length
        targets.append(PassiveTarget(number, bytes(sens_res), sel_res, bytes(uid), bytes(ats)))
    return targets


class Pn532Framer:
    """Incremental parser for frames in either direction; chunks may split anywhere.

    Bytes before a start code are skipped and counted. A frame whose length or data checksum
    is wrong is reported as a `BadFrame` and parsing resumes just after its start code, so a
    good frame hiding behind a false start is still found. Never raises; the buffer never
    holds more than one maximum-size frame.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped_bytes = 0

    def feed(self, data: bytes) -> list[Pn532Frame]:
        buf = self._buffer
        buf.extend(data)
        out: list[Pn532Frame] = []
        while True:
            start = buf.find(START_CODE)
            if start < 0:
                # A trailing 0x00 may be the first half of a start code still to come.
                keep = 1 if buf.endswith(b"\x00") else 0
                self.skipped_bytes += len(buf) - keep
                del buf[: len(buf) - keep]
                return out
            self.skipped_bytes += start
            del buf[:start]
            if len(buf) < 4:
                return out
            length, lcs = buf[2], buf[3]
            if length == 0x00 and lcs == 0xFF:
                out.append(Ack())
                del buf[:4]
                continue
            if length == 0xFF and lcs == 0x00:
                out.append(Nack())
                del buf[:4]
                continue
            if length == 0xFF and lcs == 0xFF:
                out.append(BadFrame("extended frame not supported", bytes(buf[:4])))
                del buf[:2]
                continue
            if (length + lcs) & 0xFF or length == 0:
                out.append(BadFrame("bad length checksum", bytes(buf[:4])))
                del buf[:2]
                continue
            end = 4 + length + 1
            if len(buf) < end:
                return out
            payload = bytes(buf[4 : 4 + length])
            raw = bytes(buf[:end])
            if (sum(payload) + buf[4 + length]) & 0xFF:
                out.append(BadFrame("bad data checksum", raw))
                del buf[:2]
                continue
            del buf[:end]
            if payload == b"\x7f":
                out.append(ErrorFrame())
            else:
                out.append(InformationFrame(payload[0], payload[1:]))


class _SessionEnded(Exception):
    pass


class Pn532NotAnswering(DeviceFault):
    """The PN532 did not answer a command after several tries."""


class Pn532Reader(SerialBadgeReader):
    """A PN532 on a serial port (HSU, 115200 8N1) polled for type A cards.

    The reader wakes the chip, sends SAMConfiguration and RFConfiguration (MaxRetries), then
    polls InListPassiveTarget every `poll_interval` seconds; a held card is reported once per
    presentation by the shared repeat suppression. A frame with a bad checksum is counted
    (`when_rejected`) and the chip is asked to resend it; a chip that stops answering is
    reported offline and re-initialised. Callbacks come from the reader's supervisor thread.
    """

    default_baudrate = 115200
    _serves = True

    def __init__(
        self,
        port: str,
        *,
        poll_interval: float = 0.1,
        ack_timeout: float = 0.25,
        response_timeout: float = 1.0,
        attempts: int = 3,
        passive_activation_retries: int = 0x02,
        **options: Unpack[SerialReaderOptions],
    ) -> None:
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.response_timeout = response_timeout
        self.attempts = attempts
        self.passive_activation_retries = passive_activation_retries
        self._framer = Pn532Framer()
        self._frames: queue.Queue[Pn532Frame] = queue.Queue()
        super().__init__(port, **options)

    def _port_opened(self) -> None:
        self._framer = Pn532Framer()
        self._drain()

    def _data_received(self, data: bytes) -> None:
        for frame in self._framer.feed(data):
            self._frames.put(frame)

    def _drain(self) -> None:
        while True:
            try:
                self._frames.get_nowait()
            except queue.Empty:
                return

    def _serve(self, session: LinkSession) -> None:
        try:
            self._exchange(session, WAKEUP + sam_configuration_command(), SAM_CONFIGURATION)
            self._exchange(
                session,
                rf_max_retries_command(self.passive_activation_retries),
                RF_CONFIGURATION,
            )
            self._link.report_online()
            while not session.ended:
                response = self._exchange(
                    session, in_list_passive_target_command(), IN_LIST_PASSIVE_TARGET
                )
                try:
                    targets = parse_in_list_passive_target(response.data)
                except Pn532ProtocolError as exc:
                    self._report_rejected(str(exc), response.data)
                    targets = []
                for target in targets:
                    self._report_uid(target.uid_hex)
                session.wait(self.poll_interval)
        except _SessionEnded:
            return

    def _next_frame(self, session: LinkSession, deadline: float) -> Pn532Frame | None:
        """The next frame before `deadline` (monotonic), or None; raises if the session ends."""
        while True:
            if session.ended:
                raise _SessionEnded
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                return self._frames.get(timeout=min(remaining, 0.05))
            except queue.Empty:
                continue

    def _exchange(self, session: LinkSession, frame: bytes, command: int) -> InformationFrame:
        """Send `frame`, wait for the ACK and the response to `command`; retry, then give up."""
        name = _COMMAND_NAMES.get(command, f"command 0x{command:02X}")
        for _attempt in range(self.attempts):
            self._drain()
            session.write(frame)
            if not self._await_ack(session):
                continue
            response = self._await_response(session, command + 1)
            if response is not None:
                return response
        raise Pn532NotAnswering(f"PN532 did not answer {name} after {self.attempts} tries")

    def _await_ack(self, session: LinkSession) -> bool:
        deadline = time.monotonic() + self.ack_timeout
        while (frame := self._next_frame(session, deadline)) is not None:
            if isinstance(frame, Ack):
                return True
            if isinstance(frame, BadFrame):
                self._report_rejected(frame.reason, frame.raw)
            elif isinstance(frame, (Nack, ErrorFrame)):
                return False
        return False

    def _await_response(self, session: LinkSession, code: int) -> InformationFrame | None:
        deadline = time.monotonic() + self.response_timeout
        nacks = 0
        while (frame := self._next_frame(session, deadline)) is not None:
            if isinstance(frame, InformationFrame):
                if frame.tfi == PN532_TO_HOST and frame.code == code:
                    return frame
                _log.debug("%s: ignoring unexpected frame %r", self.name, frame)
            elif isinstance(frame, BadFrame):
                self._report_rejected(frame.reason, frame.raw)
                if nacks < self.attempts:
                    # The PN532 sends its last response again on a NACK.
                    nacks += 1
                    session.write(NACK_FRAME)
                    deadline = time.monotonic() + self.response_timeout
            elif isinstance(frame, ErrorFrame):
                self._report_rejected("PN532 sent its error frame", ERROR_FRAME)
                return None
        return None
