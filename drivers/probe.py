"""Device checks for `kiosk check`: can the configured ports and pins be used, and if not, why."""

from __future__ import annotations

import errno
import getpass
import os
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import serial
from gpiozero import Device, InputDevice
from gpiozero.exc import GPIOPinInUse, PinInvalidPin

from drivers.framing import EM4100, ID12, StxEtxFramer, TagFrame
from drivers.pn532 import (
    GET_FIRMWARE_VERSION,
    PN532_TO_HOST,
    WAKEUP,
    InformationFrame,
    Pn532Framer,
    get_firmware_version_command,
)

BY_ID = "/dev/serial/by-id"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One line saying what was found and, when something is wrong, one line saying what to do.

    `ok` is False when the device cannot work as configured; `warning` marks an `ok` result
    that still needs a person to look (a port that opened but heard nothing).
    """

    ok: bool
    message: str
    fix: str = ""
    warning: bool = False


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "the kiosk user"


def _plugged_in() -> str:
    try:
        names = sorted(os.listdir(BY_ID))
    except OSError:
        return "nothing is listed in /dev/serial/by-id"
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return f"{BY_ID} lists: {shown}"


def _open_failure(url: str, exc: BaseException) -> ProbeResult:
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return ProbeResult(
            False,
            f"{url}: no such port",
            f"check the reader's USB cable and the port setting; {_plugged_in()}",
        )
    if code in (errno.EACCES, errno.EPERM):
        return ProbeResult(
            False,
            f"{url}: permission denied",
            f"add {_user()} to the dialout group (sudo usermod -aG dialout {_user()}), "
            "then log in again",
        )
    if code in (errno.EBUSY, errno.EAGAIN) or "exclusively lock" in str(exc):
        return ProbeResult(
            False,
            f"{url}: in use by another program",
            "stop the other program using it (is the kiosk already running?)",
        )
    text = " ".join(str(exc).split()) or type(exc).__name__
    return ProbeResult(False, f"{url}: cannot open: {text}", "check the port setting")


def probe_serial_port(
    url: str,
    *,
    driver: str = "em4100",
    baudrate: int | None = None,
    listen_seconds: float = 1.0,
) -> ProbeResult:
    """Open `url` and listen (or, for a PN532, ask its firmware version).

    `driver` is the reader driver (em4100, id12, pn532) or "serial" for a serial detector.
    """
    rate = baudrate or (115200 if driver == "pn532" else 9600)
    try:
        port = serial.serial_for_url(url, baudrate=rate, timeout=0.05, exclusive=True)
    except Exception as exc:
        return _open_failure(url, exc)
    try:
        if driver == "pn532":
            return _ask_pn532(url, port, listen_seconds)
        return _listen(url, port, driver, listen_seconds)
    except (serial.SerialException, OSError) as exc:
        return ProbeResult(False, f"{url}: failed while listening: {exc}", "check the cable")
    finally:
        port.close()


def _listen(url: str, port: serial.Serial, driver: str, listen_seconds: float) -> ProbeResult:
    framer = StxEtxFramer(ID12 if driver == "id12" else EM4100)
    received = 0
    deadline = time.monotonic() + listen_seconds
    while time.monotonic() < deadline:
        data = port.read(256)
        received += len(data)
        if driver == "serial":
            continue
        for frame in framer.feed(data):
            if isinstance(frame, TagFrame):
                return ProbeResult(True, f"{url}: reader working, card {frame.uid} read")
    if driver == "serial":
        if received:
            return ProbeResult(True, f"{url}: detector port open, {received} bytes received")
        return ProbeResult(
            True,
            f"{url}: detector port open; nothing received",
            "walk through the arch while the check runs to see its messages",
            warning=True,
        )
    if received:
        return ProbeResult(
            True,
            f"{url}: data received but no valid {driver} frames",
            "check that [rfid] driver and baudrate match the reader",
            warning=True,
        )
    return ProbeResult(
        True,
        f"{url}: port open; no card frames seen; present a card",
        "hold a card on the reader while the check runs",
        warning=True,
    )


def _ask_pn532(url: str, port: serial.Serial, listen_seconds: float) -> ProbeResult:
    framer = Pn532Framer()
    port.write(WAKEUP + get_firmware_version_command())
    deadline = time.monotonic() + listen_seconds
    while time.monotonic() < deadline:
        for frame in framer.feed(port.read(64)):
            if (
                isinstance(frame, InformationFrame)
                and frame.tfi == PN532_TO_HOST
                and frame.code == GET_FIRMWARE_VERSION + 1
                and len(frame.data) >= 4
            ):
                ic, version, revision = frame.data[1], frame.data[2], frame.data[3]
                return ProbeResult(
                    True, f"{url}: PN5{ic:02X} firmware {version}.{revision} answering"
                )
    return ProbeResult(
        False,
        f"{url}: PN532 did not answer",
        "check TX/RX are crossed, the board is set to HSU (UART) and the baudrate is 115200",
    )


def probe_gpio(
    pins: Mapping[str, int | str | None] | Iterable[int | str | None],
    *,
    pin_factory: Any = None,
) -> ProbeResult:
    """Check that a GPIO library is usable and each pin (None: not fitted) is free.

    Each pin is claimed briefly as a floating input and released, which leaves relay and LED
    outputs off.
    """
    named: list[tuple[str, int | str]] = []
    if isinstance(pins, Mapping):
        named = [(f"{role} (GPIO{pin})", pin) for role, pin in pins.items() if pin is not None]
    else:
        named = [(f"GPIO{pin}", pin) for pin in pins if pin is not None]
    factory = pin_factory
    note = ""
    if factory is None:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                Device.ensure_pin_factory()
            factory = Device.pin_factory
        except Exception as exc:
            return ProbeResult(
                False,
                f"no usable GPIO library: {' '.join(str(exc).split())}",
                f"install lgpio (sudo apt install python3-lgpio) and add {_user()} to the "
                "gpio group",
            )
        if any("native" in str(w.message).lower() for w in caught):
            note = " (gpiozero's fallback driver; install python3-lgpio)"
    problems: list[str] = []
    fixes: set[str] = set()
    for label, pin in named:
        try:
            device = InputDevice(pin, pull_up=None, active_state=True, pin_factory=factory)
        except GPIOPinInUse:
            problems.append(f"{label} is in use")
            fixes.add("stop the other program using the pins (is the kiosk already running?)")
            continue
        except PinInvalidPin:
            problems.append(f"{label} is not a GPIO pin")
            fixes.add("use BCM GPIO numbers in [outputs] and [detector]")
            continue
        except PermissionError:
            problems.append(f"{label}: permission denied")
            fixes.add(f"add {_user()} to the gpio group, then log in again")
            continue
        except Exception as exc:
            text = " ".join(str(exc).split())
            problems.append(f"{label}: {text}")
            if "busy" in text.lower():
                fixes.add("stop the other program using the pins (is the kiosk already running?)")
            else:
                fixes.add("check the pin numbers and that the GPIO library is installed")
            continue
        device.close()
    kind = type(factory).__name__
    if problems:
        return ProbeResult(False, "; ".join(problems), "; ".join(sorted(fixes)))
    listed = ", ".join(label for label, _ in named) or "no pins configured"
    return ProbeResult(True, f"GPIO usable with {kind}{note}: {listed}", warning=bool(note))
