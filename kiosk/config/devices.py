"""The door's hardware: [rfid] (and [rfid.phone], the phone station's reader), [detector] (the
arch) and [outputs] (lights, buzzer, door relay)."""

from __future__ import annotations

from dataclasses import dataclass

# The Wiegand card formats `drivers.wiegand_formats.FORMATS` decodes, named here so that reading
# the config does not load the hardware libraries (a test holds the two lists together).
WIEGAND_FORMATS = ("h10301", "h10306", "corporate1000", "h10304", "h10302")


@dataclass(frozen=True)
class RfidConfig:
    driver: str = "em4100"
    port: str = "/dev/serial/by-id/usb-reader-if00-port0"
    baudrate: int | None = None  # None: the driver's own (9600; a PN532's UART is 115200)
    repeat_suppress_seconds: float = 3.0
    # wiegand: the BCM pins of the reader's D0 and D1 (through a level shifter), card formats.
    d0_pin: int | None = None
    d1_pin: int | None = None
    formats: tuple[str, ...] = WIEGAND_FORMATS
    # osdp: the reader's address on the RS-485 line and its secure channel key file (0600).
    address: int = 0
    scbk_file: str = ""


@dataclass(frozen=True)
class DetectorConfig:
    driver: str = "gpio"
    pin: int = 17
    active_high: bool = False
    port: str = ""
    baudrate: int = 9600
    alarm_pattern: str = "ALARM"
    clear_pattern: str = "CLEAR|PASS"
    # A beam at the arch's exit on a GPIO input (BCM): each break is a clear passage. -1: none.
    pass_pin: int | None = None

    @property
    def reports_passage(self) -> bool:
        """Whether the arch tells the kiosk a learner walked through clear (else staff do)."""
        return self.driver == "serial" or self.pass_pin is not None


@dataclass(frozen=True)
class OutputsConfig:
    green_led: int | None = 22
    red_led: int | None = 27
    buzzer: int | None = 23
    door_relay: int | None = 24
    relay_active_high: bool = False
    door_open_seconds: float = 3.0
