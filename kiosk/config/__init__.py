"""The kiosk's configuration: CONTRACT.md's TOML file, read and checked before anything starts.

Every name is imported from here (`from kiosk.config import Config, load_config`); the modules
hold the sections (school, devices, services), the whole (model), each key's reading (values),
the checks on the whole (checks) and the file's loading (loading).
"""

from kiosk.config.devices import WIEGAND_FORMATS, DetectorConfig, OutputsConfig, RfidConfig
from kiosk.config.loading import DEFAULT_CONFIG_PATH, config_path, load_config, parse_config
from kiosk.config.model import Config, ConfigError
from kiosk.config.school import (
    DEFAULT_KEY_PATH,
    DatabaseConfig,
    PolicyConfig,
    RetentionConfig,
    SchoolConfig,
)
from kiosk.config.services import (
    HubConfig,
    MisConfig,
    NotifyConfig,
    OfficeConfig,
    StationConfig,
    parse_listen,
)

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_KEY_PATH",
    "WIEGAND_FORMATS",
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "DetectorConfig",
    "HubConfig",
    "MisConfig",
    "NotifyConfig",
    "OfficeConfig",
    "OutputsConfig",
    "PolicyConfig",
    "RetentionConfig",
    "RfidConfig",
    "SchoolConfig",
    "StationConfig",
    "config_path",
    "load_config",
    "parse_config",
    "parse_listen",
]
