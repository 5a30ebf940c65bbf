"""The whole config as one value, every section in it, and the one error a config file gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiosk.config.devices import DetectorConfig, OutputsConfig, RfidConfig
from kiosk.config.school import DatabaseConfig, PolicyConfig, RetentionConfig, SchoolConfig
from kiosk.config.services import HubConfig, MisConfig, NotifyConfig, OfficeConfig, StationConfig


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    school: SchoolConfig = field(default_factory=SchoolConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    rfid: RfidConfig = field(default_factory=RfidConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    outputs: OutputsConfig = field(default_factory=OutputsConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    mis: MisConfig = field(default_factory=MisConfig)
    station: StationConfig = field(default_factory=StationConfig)
    office: OfficeConfig = field(default_factory=OfficeConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    # A second reader at the phone station (`[rfid.phone]`, the keys of [rfid]); None: not fitted.
    phone_reader: RfidConfig | None = None
    source: Path | None = None
    # Lawful but questionable settings: shown by `kiosk check` and logged at start, not refused.
    warnings: tuple[str, ...] = ()
