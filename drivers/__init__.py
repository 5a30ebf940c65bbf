"""Hardware for an entry kiosk: badge readers (serial, NFC, keyboard, Wiegand, OSDP), metal-detector
arches and GPIO outputs.

Bytes and pin edges in, typed events out; no business rules. Devices follow gpiozero's shape:
construct one, set its `when_<event>` callbacks, `close()` it (or use it in a `with` block).
Callbacks come from the device's own thread.
"""

from drivers.badge_reader import (
    BadgeReader,
    ReaderCallbacks,
    RepeatSuppressor,
    SerialBadgeReader,
)
from drivers.clock import Clock, ManualClock, OffsetClock, StartedClock, SystemClock
from drivers.detector import (
    AlarmContact,
    AlarmDetector,
    DetectorCallbacks,
    SerialDetector,
    open_detector,
)
from drivers.events import (
    AlarmCleared,
    AlarmRaised,
    BadgeRead,
    DetectorOffline,
    DetectorOnline,
    FrameRejected,
    ReaderOffline,
    ReaderOnline,
)
from drivers.keyboard import (
    EvdevKeyboardReader,
    KeystrokeBadgeBuffer,
    KeystrokeReader,
    MissingDependency,
)
from drivers.osdp_reader import KeyFileError, OsdpReader, load_scbk, probe_osdp
from drivers.outputs import (
    BeepPattern,
    Buzzer,
    DoorRelay,
    Lights,
    Outputs,
    open_outputs,
)
from drivers.pn532 import Pn532Reader
from drivers.probe import ProbeResult, probe_gpio, probe_serial_port
from drivers.readers import Em4100Reader, Id12Reader, open_reader
from drivers.simulated import SimulatedDetector, SimulatedReader, simulated_outputs
from drivers.wiegand import WiegandReader, probe_wiegand
from drivers.wiegand_formats import WiegandCard
from drivers.wiegand_formats import decode as decode_wiegand
from drivers.wiegand_formats import encode as encode_wiegand

__all__ = [
    "AlarmCleared",
    "AlarmContact",
    "AlarmDetector",
    "AlarmRaised",
    "BadgeRead",
    "BadgeReader",
    "BeepPattern",
    "Buzzer",
    "Clock",
    "DetectorCallbacks",
    "DetectorOffline",
    "DetectorOnline",
    "DoorRelay",
    "Em4100Reader",
    "EvdevKeyboardReader",
    "FrameRejected",
    "Id12Reader",
    "KeyFileError",
    "KeystrokeBadgeBuffer",
    "KeystrokeReader",
    "Lights",
    "ManualClock",
    "MissingDependency",
    "OffsetClock",
    "OsdpReader",
    "Outputs",
    "Pn532Reader",
    "ProbeResult",
    "ReaderCallbacks",
    "ReaderOffline",
    "ReaderOnline",
    "RepeatSuppressor",
    "SerialBadgeReader",
    "SerialDetector",
    "SimulatedDetector",
    "SimulatedReader",
    "StartedClock",
    "SystemClock",
    "WiegandCard",
    "WiegandReader",
    "decode_wiegand",
    "encode_wiegand",
    "load_scbk",
    "open_detector",
    "open_outputs",
    "open_reader",
    "probe_gpio",
    "probe_osdp",
    "probe_serial_port",
    "probe_wiegand",
    "simulated_outputs",
]
