"""Reading the config file: where it is, its TOML, each [section]'s keys, then the whole checked
(CONTRACT.md: before anything starts)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from kiosk.config.checks import check_whole, mis_with_school, warnings_for
from kiosk.config.devices import DetectorConfig, OutputsConfig, RfidConfig
from kiosk.config.model import Config, ConfigError
from kiosk.config.school import DatabaseConfig, PolicyConfig, RetentionConfig, SchoolConfig
from kiosk.config.services import HubConfig, MisConfig, NotifyConfig, OfficeConfig, StationConfig
from kiosk.config.values import coerce

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")

SECTIONS: dict[str, type[Any]] = {
    "school": SchoolConfig,
    "database": DatabaseConfig,
    "policy": PolicyConfig,
    "rfid": RfidConfig,
    "detector": DetectorConfig,
    "outputs": OutputsConfig,
    "notify": NotifyConfig,
    "mis": MisConfig,
    "station": StationConfig,
    "office": OfficeConfig,
    "hub": HubConfig,
    "retention": RetentionConfig,
}


def config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """`--config`, else `$KIOSK_CONFIG`, else /etc/kiosk/kiosk.toml (CONTRACT.md)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KIOSK_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG_PATH


def load_config(path: Path, *, require_database: bool = True) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file; copy the commented template and edit it, "
            "or name another with --config"
        ) from None
    except PermissionError:
        raise ConfigError(f"{path}: permission denied reading the config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, path, require_database=require_database)


def parse_config(
    raw: Mapping[str, Any], path: Path | None, *, require_database: bool = True
) -> Config:
    where = str(path) if path else "config"
    sections: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in SECTIONS:
            known = ", ".join(f"[{s}]" for s in SECTIONS)
            raise ConfigError(f"{where}: unknown section [{name}]; the sections are {known}")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {name} must be a [{name}] table")
        if name == "rfid" and isinstance(value.get("phone"), dict):
            value = dict(value)
            sections["phone_reader"] = _parse_section(
                "rfid", value.pop("phone"), where, "rfid.phone"
            )
        sections[name] = _parse_section(name, value, where)
    config = Config(**sections, source=path)
    check_whole(config, where, require_database=require_database)
    return replace(config, mis=mis_with_school(config), warnings=warnings_for(config))


def _parse_section(section: str, values: Mapping[str, Any], where: str, shown: str = "") -> Any:
    """One [section]'s keys; `shown` is its name in messages when it differs ([rfid.phone])."""
    cls = SECTIONS[section]
    shown = shown or section
    defaults = cls()
    kinds = {f.name: f for f in fields(cls)}
    parsed: dict[str, Any] = {}
    for key, value in values.items():
        if key not in kinds:
            known = ", ".join(kinds)
            raise ConfigError(f"{where}: unknown key [{shown}] {key}; the keys are {known}")
        default = getattr(defaults, key)
        try:
            parsed[key] = coerce(section, key, value, default)
        except ValueError as exc:
            raise ConfigError(f"{where}: [{shown}] {key}: {exc}") from None
    return cls(**parsed)
