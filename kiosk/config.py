"""The kiosk's configuration: CONTRACT.md's TOML file, read and checked before anything starts."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.domain.attendance import (
    Code,
    Session,
    SessionTimes,
    register_window_problems,
    register_windows_differ,
    session_for,
)
from kiosk.domain.lane import parse_slots
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningPolicy
from kiosk.domain.search import DEFAULT_TRAINING_MONTHS, TrainingPolicy
from kiosk.domain.station import RefusalPolicy

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
DEFAULT_KEY_PATH = Path("/var/lib/kiosk/kiosk.key")


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class SchoolConfig:
    name: str = "Example Academy"
    timezone: str = "Europe/London"
    day_starts: time = time(8, 40)
    register_closes: time = time(9, 10)
    pm_starts: time | None = None
    pm_register_closes: time | None = None
    late_detention_minutes: int = 20
    # The hours a badge tap belongs to a session at all; outside them nothing is marked.
    doors_open: time = time(6, 0)
    day_ends: time = time(18, 0)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def am(self) -> SessionTimes:
        return SessionTimes(self.day_starts, self.register_closes)

    @property
    def pm(self) -> SessionTimes | None:
        if self.pm_starts is None or self.pm_register_closes is None:
            return None
        return SessionTimes(self.pm_starts, self.pm_register_closes)

    def times_for(self, session: Session) -> SessionTimes | None:
        return self.am if session is Session.AM else self.pm

    def session_at(self, local: time) -> Session | None:
        """The session a tap at local wall-clock time `local` belongs to, or None outside hours."""
        if not self.doors_open <= local < self.day_ends:
            return None
        return session_for(local, self.am, self.pm)


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""
    # The school's secret key (created 0600 by `kiosk db upgrade`): seals the audit log and the
    # PINs, so a copy of the database alone gives up neither. Keep a copy apart from backups.
    # Empty: beside an SQLite database file (kiosk.db -> kiosk.db.key), else /var/lib/kiosk.
    key_file: str = ""

    @property
    def key_path(self) -> Path:
        if self.key_file:
            return Path(self.key_file)
        if self.url.startswith("sqlite:///") and self.url != "sqlite:///:memory:":
            return Path(self.url.removeprefix("sqlite:///") + ".key")
        return DEFAULT_KEY_PATH


@dataclass(frozen=True)
class PolicyConfig:
    phone_handin: PhonePolicy = PhonePolicy.REQUIRED
    on_refusal: RefusalPolicy = RefusalPolicy.DENY
    screening: ScreeningPolicy = ScreeningPolicy.REQUIRED
    random_screening_percent: int = 20
    school_rules_items: tuple[str, ...] = ("e-cigarette", "lighter", "matches", "mobile phone")
    staff_idle_lock_seconds: int = 120
    # The school's reasons for lateness, as buttons on the desk: button -> the comment the MIS gets.
    late_reasons: tuple[tuple[str, str], ...] = (
        ("Bus late", "bus late"),
        ("Medical appointment", "medical appointment"),
        ("Overslept", "overslept"),
        ("Family reasons", "family reasons"),
    )
    # Staff who search (searcher, dsl) may be required a longer PIN than the 4-digit minimum.
    min_pin_length_search_roles: int = 4
    # The numbered phone slots the kiosk hands out in order, e.g. "1-120"; empty: staff write one.
    phone_slots: str = ""
    # R27: a learner with at least `late_comers_at_least` late marks (L, U) in the last
    # `late_comers_weeks` weeks is listed for the office, whose parents are to be met.
    late_comers_weeks: int = 6
    late_comers_at_least: int = 3
    # R7: a searcher's screening and searching training lasts this many months from the day in
    # the staff list's `search_trained` column; past it (or with no date) they are warned on the
    # duty panel and listed for the office, and may still search only if this is true.
    search_training_months: int = DEFAULT_TRAINING_MONTHS
    lapsed_training_may_search: bool = True

    @property
    def training(self) -> TrainingPolicy:
        """The searchers' training policy, as the rules take it."""
        return TrainingPolicy(self.search_training_months, self.lapsed_training_may_search)

    @property
    def plain_sign_in(self) -> bool:
        """With no phones and no screening the badge tap itself is the admission."""
        return self.phone_handin == "off" and self.screening == "off"


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


@dataclass(frozen=True)
class NotifyConfig:
    """Email for the outbox; an empty smtp_host means no email: notifications wait on screen."""

    smtp_host: str = ""
    smtp_port: int = 587
    starttls: bool = True
    username: str = ""
    # A file holding the password, so the TOML (often world-readable) never holds it.
    password_file: str = ""
    sender: str = ""
    # One address per role (several may be separated by commas); empty: that role's wait.
    attendance: str = ""
    dsl: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host.strip())


@dataclass(frozen=True)
class MisConfig:
    """Writing session marks back to the school's MIS; provider "none" sends nothing anywhere."""

    provider: str = "none"
    # Empty: Wonde's public address (SIMS schools go through Wonde); Arbor needs the school's own.
    base_url: str = ""
    school_id: str = ""
    # A file only the kiosk user can read, holding the token or the username and password.
    credentials_file: str = ""
    # Off: a mark is written only where the MIS holds none for the session (a teacher's stays).
    overwrite: bool = False
    timeout_seconds: float = 20.0
    # The kiosk's letter -> the MIS's own id for that mark (Wonde's attendance code id, Arbor's
    # attendance mark id); a letter not given is looked up in the MIS's list by its code.
    marks: tuple[tuple[str, str], ...] = ()
    # Arbor: the roll-call times the marks are written at (default: [school] day_starts and
    # pm_starts), as local wall-clock times in the school's timezone.
    roll_call_am: time | None = None
    roll_call_pm: time | None = None
    # Arbor: send a mark's comment as a note through the attendance-registration service.
    arbor_notes: bool = False

    @property
    def enabled(self) -> bool:
        return self.provider != "none"


@dataclass(frozen=True)
class StationConfig:
    """This door: its name goes on every event it records (several doors share one school)."""

    name: str = "main"
    # The phone cabinet this door's slots belong to; doors naming the same store share its
    # slots (a slot holding a phone at one is not handed out at another). Empty: this door's own.
    phone_store: str = ""

    @property
    def store(self) -> str:
        return self.phone_store.strip() or self.name


@dataclass(frozen=True)
class HubConfig:
    """The school's PostgreSQL hub that several doors share; an empty url: this door alone."""

    url: str = ""
    # How often the sync worker runs a round while idle (it also runs at once after an event).
    interval_seconds: float = 2.0
    # Events sent in one hub transaction.
    batch_size: int = 500
    # How long a door waits to reach the hub before counting it offline; never the door's wait.
    connect_timeout_seconds: float = 3.0

    @property
    def enabled(self) -> bool:
        return bool(self.url.strip())


@dataclass(frozen=True)
class OfficeConfig:
    """`kiosk office`: where the office screens are served to browsers on the school's network."""

    # host:port; the default is this machine only (put a TLS reverse proxy in front of it).
    listen: str = "127.0.0.1:8000"
    # A reverse proxy with the school's certificate fronts the office. Without it, `kiosk
    # office` refuses any listen address but loopback: PINs and safeguarding detail must not
    # cross the network in plain HTTP.
    proxied: bool = False
    # The address browsers use, through the proxy ("https://office.school.example"): the only
    # origin a form is accepted from then, and the session cookie is sent over HTTPS alone.
    public_url: str = ""

    @property
    def host_port(self) -> tuple[str, int]:
        return parse_listen(self.listen)


def parse_listen(text: str) -> tuple[str, int]:
    """ "host:port" (an IPv6 host in brackets) as a host and a port; ValueError if it is not."""
    host, sep, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isascii() or not port.isdigit():
        raise ValueError(f'must be "host:port", e.g. "0.0.0.0:8000", got {text!r}')
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"the port must be from 1 to 65535, got {port}")
    return host, int(port)


@dataclass(frozen=True)
class RetentionConfig:
    """How long records are kept before `kiosk purge --configured` (kiosk-purge.timer, daily)
    deletes them, in days; 0 keeps them until purged by hand. Attendance marks, refusals and
    the audit log are never purged (the register is kept for years)."""

    search_days: int = 0  # search records and what was found
    routine_days: int = 0  # screenings, returned phones, sent messages


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


# Allowed values for the keys that take one of a few words.
# Keys whose words are the domain's own enums: parsed straight into them.
_ENUMS: dict[tuple[str, str], type[StrEnum]] = {
    ("policy", "phone_handin"): PhonePolicy,
    ("policy", "on_refusal"): RefusalPolicy,
    ("policy", "screening"): ScreeningPolicy,
}
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    **{where: tuple(member.value for member in enum) for where, enum in _ENUMS.items()},
    ("rfid", "driver"): ("em4100", "id12", "pn532", "keyboard", "wiegand", "osdp", "none"),
    ("detector", "driver"): ("gpio", "serial", "none"),
    ("mis", "provider"): ("wonde", "arbor", "sims", "none"),
}

_SECTIONS: dict[str, type[Any]] = {
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

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


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
        if name not in _SECTIONS:
            known = ", ".join(f"[{s}]" for s in _SECTIONS)
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
    _check_whole(config, where, require_database=require_database)
    return replace(config, mis=_mis_with_school(config), warnings=_warnings(config))


def _warnings(config: Config) -> tuple[str, ...]:
    # The 2024 guidance keeps the register open the same length every session; CONTRACT.md's own
    # example (30 minutes AM, 15 PM) does not, so this is a warning rather than a refusal.
    pm = config.school.pm
    return tuple(register_windows_differ(config.school.am, pm)) if pm else ()


def _parse_section(section: str, values: Mapping[str, Any], where: str, shown: str = "") -> Any:
    """One [section]'s keys; `shown` is its name in messages when it differs ([rfid.phone])."""
    cls = _SECTIONS[section]
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
            parsed[key] = _coerce(section, key, value, default)
        except ValueError as exc:
            raise ConfigError(f"{where}: [{shown}] {key}: {exc}") from None
    return cls(**parsed)


def _coerce(section: str, key: str, value: Any, default: Any) -> Any:
    choices = _CHOICES.get((section, key))
    if choices is not None:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        enum = _ENUMS.get((section, key))
        return value if enum is None else enum(value)
    if section == "school" and key in {
        "day_starts",
        "register_closes",
        "doors_open",
        "day_ends",
        "pm_starts",
        "pm_register_closes",
    }:
        return _parse_time(value)
    if section == "outputs" and key in {"green_led", "red_led", "buzzer", "door_relay"}:
        # A pin that is not fitted is written as -1 or "" (TOML has no null).
        if value in (-1, ""):
            return None
        return _checked(int, value, "a BCM pin number (or -1: not fitted)", _pin_range)
    if key == "school_rules_items":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of strings")
        return tuple(v.strip() for v in value if v.strip())
    if key == "baudrate":
        return _checked(int, value, "a baud rate such as 9600", _positive)
    if section == "rfid" and key in {"d0_pin", "d1_pin"}:
        if value in (-1, ""):
            return None
        return _checked(int, value, "a BCM pin number (or -1: not fitted)", _pin_range)
    if section == "rfid" and key == "formats":
        return _wiegand_formats(value)
    if section == "rfid" and key == "address":
        return _checked(int, value, "an OSDP address from 0 to 126", _osdp_address)
    if key == "pin":
        return _checked(int, value, "a BCM pin number", _pin_range)
    if key == "pass_pin":
        if value == -1:
            return None
        return _checked(int, value, "a BCM pin number (or -1: no beam)", _pin_range)
    if section == "office" and key == "public_url":
        text = _checked(str, value, 'an address such as "https://office.school.example"')
        if text and not re.fullmatch(r"https?://[^/\s?#]+/?", text):
            raise ValueError(
                f'must be a scheme and host, e.g. "https://office.school.example", got {text!r}'
            )
        return text.rstrip("/")
    if section == "office" and key == "listen":
        text = _checked(str, value, 'an address as "host:port"')
        parse_listen(text)
        return text
    if key == "late_reasons":
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
            for k, v in value.items()
        ):
            raise ValueError(
                'must be a table of button = "comment", e.g. { "Bus late" = "bus late" }'
            )
        return tuple((k.strip(), v.strip()) for k, v in value.items())
    if key == "phone_slots":
        text = _checked(str, value, 'slot numbers such as "1-120"')
        parse_slots(text)  # a bad range stops the kiosk here, not at the first tap
        return text
    if section == "mis" and key == "marks":
        return _parse_mis_marks(value)
    if section == "mis" and key in {"roll_call_am", "roll_call_pm"}:
        return _parse_time(value)
    if section == "retention":
        return _checked(int, value, _RETENTION_RANGE, _retention_range)
    if section == "policy" and key == "late_comers_weeks":
        # Over a school year the count no longer says "persistent now".
        return _checked(int, value, _LATE_WEEKS_RANGE, _late_weeks_range)
    if section == "policy" and key == "late_comers_at_least":
        # 1 would list every learner late once: a slip, not a threshold.
        return _checked(int, value, _LATE_AT_LEAST_RANGE, _late_at_least_range)
    if section == "policy" and key == "search_training_months":
        # 0 would warn every searcher every day; beyond five years nobody is ever warned.
        return _checked(int, value, _TRAINING_MONTHS_RANGE, _training_months_range)
    if section == "policy" and key == "staff_idle_lock_seconds":
        # Under 15 s the desk locks while staff are still typing; over an hour it never locks.
        return _checked(int, value, _IDLE_LOCK_RANGE, _idle_lock_range)
    return _convert_like(value, default)


def _convert_like(value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        return _checked(bool, value, "true or false")
    if isinstance(default, int):
        return _checked(int, value, "a whole number", _not_negative)
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, got {value!r}")
        return _not_negative(float(value))
    if isinstance(default, str):
        return _checked(str, value, "a string")
    raise ValueError(f"unexpected value {value!r}")  # pragma: no cover - every key is covered


def _checked(
    kind: type[Any], value: Any, described: str, then: Callable[[Any], Any] | None = None
) -> Any:
    if type(value) is not kind:
        raise ValueError(f"must be {described}, got {value!r}")
    return then(value) if then else value


def _not_negative(value: Any) -> Any:
    if value < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    return value


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError(f"must be more than 0, got {value}")
    return value


_RETENTION_RANGE = "a whole number of days, 0 (kept) or from 7 to 36500"


def _retention_range(value: int) -> int:
    # Under a week is a slip (months or years meant): the purge would take this week's records.
    if value != 0 and not 7 <= value <= 36500:
        raise ValueError(f"must be {_RETENTION_RANGE}, got {value}")
    return value


_LATE_WEEKS_RANGE = "a whole number of weeks from 1 to 52"
_LATE_AT_LEAST_RANGE = "a whole number of late marks from 2 to 100"


def _late_weeks_range(value: int) -> int:
    if not 1 <= value <= 52:
        raise ValueError(f"must be {_LATE_WEEKS_RANGE}, got {value}")
    return value


def _late_at_least_range(value: int) -> int:
    if not 2 <= value <= 100:
        raise ValueError(f"must be {_LATE_AT_LEAST_RANGE}, got {value}")
    return value


_TRAINING_MONTHS_RANGE = "a whole number of months from 1 to 60"


def _training_months_range(value: int) -> int:
    if not 1 <= value <= 60:
        raise ValueError(f"must be {_TRAINING_MONTHS_RANGE}, got {value}")
    return value


_IDLE_LOCK_RANGE = "a whole number of seconds from 15 to 3600"


def _idle_lock_range(value: int) -> int:
    if not 15 <= value <= 3600:
        raise ValueError(f"must be {_IDLE_LOCK_RANGE}, got {value}")
    return value


def _wiegand_formats(value: Any) -> tuple[str, ...]:
    known = ", ".join(WIEGAND_FORMATS)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(
            f'must be a list of card formats, e.g. ["h10301"]; the formats are {known}'
        )
    names = tuple(v.strip().lower() for v in value)
    for name in names:
        if name not in WIEGAND_FORMATS:
            raise ValueError(f"unknown card format {name!r}; the formats are {known}")
    return names


def _osdp_address(value: int) -> int:
    # 0x7F is the broadcast address: a CP must not poll a reader there.
    if not 0 <= value <= 126:
        raise ValueError(f"must be an OSDP address from 0 to 126, got {value}")
    return value


def _pin_range(value: int) -> int:
    if not 0 <= value <= 27:
        raise ValueError(f"must be a BCM pin number from 0 to 27, got {value}")
    return value


def _parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if not isinstance(value, str) or not _TIME.match(value.strip()):
        raise ValueError(f'must be a time of day as "HH:MM", got {value!r}')
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


def _check_whole(config: Config, where: str, *, require_database: bool) -> None:
    school = config.school
    try:
        ZoneInfo(school.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: [school] timezone: unknown time zone {school.timezone!r}; "
            'use a name such as "Europe/London"'
        ) from None
    problems = list(register_window_problems(school.am, Session.AM))
    if (school.pm_starts is None) != (school.pm_register_closes is None):
        problems.append("pm_starts and pm_register_closes must be given together")
    elif school.pm is not None:
        problems.extend(register_window_problems(school.pm, Session.PM))
        if school.pm.starts <= school.register_closes:
            problems.append("pm_starts must be after register_closes")
    if problems:
        raise ConfigError(f"{where}: [school] " + "; ".join(problems))
    if not 4 <= config.policy.min_pin_length_search_roles <= 8:
        raise ConfigError(f"{where}: [policy] min_pin_length_search_roles: must be from 4 to 8")
    if config.policy.random_screening_percent > 100:
        raise ConfigError(f"{where}: [policy] random_screening_percent: must be from 0 to 100")
    if config.detector.driver == "serial":
        if not config.detector.port:
            raise ConfigError(f'{where}: [detector] port: required when driver = "serial"')
        for key in ("alarm_pattern", "clear_pattern"):
            try:
                re.compile(getattr(config.detector, key))
            except re.error as exc:
                raise ConfigError(
                    f"{where}: [detector] {key}: not a valid regular expression: {exc}"
                ) from None
    _check_reader(config.rfid, where, "rfid")
    if config.phone_reader is not None:
        _check_reader(config.phone_reader, where, "rfid.phone")
    _check_notify(config.notify, where)
    _check_mis(config.mis, where)
    _check_hub(config.hub, where)
    if require_database and not config.database.url:
        raise ConfigError(
            f'{where}: [database] url: required, e.g. url = "sqlite:////var/lib/kiosk/kiosk.db"'
        )


def _parse_mis_marks(value: Any) -> tuple[tuple[str, str], ...]:
    letters = {code.value for code in Code}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise ValueError(
            "must be a table of the kiosk's code = \"the MIS's id for it\", "
            'e.g. { "/" = "PRESENT", "L" = "LATE" }'
        )
    unknown = sorted(set(value) - letters)
    if unknown:
        raise ValueError(
            f"unknown code(s) {', '.join(map(repr, unknown))}; the kiosk writes "
            + " ".join(sorted(letters))
        )
    return tuple((k, v.strip()) for k, v in value.items())


def _mis_with_school(config: Config) -> MisConfig:
    """Arbor's roll-call times default to the school's session starts."""
    mis = config.mis
    return replace(
        mis,
        roll_call_am=mis.roll_call_am or config.school.day_starts,
        roll_call_pm=mis.roll_call_pm or config.school.pm_starts,
    )


def _check_reader(rfid: RfidConfig, where: str, shown: str) -> None:
    if rfid.driver in {"em4100", "id12", "pn532", "osdp"} and not rfid.port:
        raise ConfigError(f'{where}: [{shown}] port: required when driver = "{rfid.driver}"')
    if rfid.driver == "wiegand":
        for key in ("d0_pin", "d1_pin"):
            if getattr(rfid, key) is None:
                raise ConfigError(
                    f'{where}: [{shown}] {key}: required when driver = "wiegand" '
                    "(the BCM pin the reader's data line is wired to)"
                )
        if rfid.d0_pin == rfid.d1_pin:
            raise ConfigError(f"{where}: [{shown}] d1_pin: must differ from d0_pin")
    if rfid.driver == "osdp" and not rfid.scbk_file:
        raise ConfigError(
            f'{where}: [{shown}] scbk_file: required when driver = "osdp": the file holding the '
            "reader's secure channel key (32 hex digits, mode 0600), e.g. "
            'scbk_file = "/etc/kiosk/reader.scbk"'
        )


def _check_mis(mis: MisConfig, where: str) -> None:
    if not mis.enabled:
        return
    if mis.timeout_seconds <= 0:
        raise ConfigError(f"{where}: [mis] timeout_seconds: must be more than 0")
    if mis.provider == "arbor" and not mis.base_url:
        raise ConfigError(
            f'{where}: [mis] base_url: required with provider = "{mis.provider}", '
            'e.g. base_url = "https://your-school.example"'
        )
    if mis.base_url:
        scheme, _, rest = mis.base_url.partition("://")
        if scheme not in {"http", "https"} or not rest:
            raise ConfigError(
                f"{where}: [mis] base_url: must start with https:// (got {mis.base_url!r})"
            )
        if "@" in rest.split("/", 1)[0]:
            # A URL is printed in messages and logs; the credentials live in credentials_file.
            raise ConfigError(
                f"{where}: [mis] base_url: must not hold a username or password; "
                "put them in credentials_file"
            )
    if mis.provider in {"wonde", "sims"} and not mis.school_id:
        # A school on SIMS reaches the kiosk through Wonde: its id is Wonde's id for the school.
        raise ConfigError(
            f'{where}: [mis] school_id: required with provider = "{mis.provider}" '
            "(Wonde's id for the school)"
        )
    if not mis.credentials_file:
        raise ConfigError(
            f"{where}: [mis] credentials_file: required with provider = "
            f'"{mis.provider}", e.g. credentials_file = "/etc/kiosk/mis-credentials"'
        )


def _check_hub(hub: HubConfig, where: str) -> None:
    if not hub.enabled:
        return
    if not hub.url.startswith("postgresql+psycopg://"):
        raise ConfigError(
            f"{where}: [hub] url: must be a PostgreSQL URL, "
            'e.g. url = "postgresql+psycopg://kiosk_main@hub.school.example/kiosk_hub"'
        )
    if hub.interval_seconds <= 0 or hub.connect_timeout_seconds <= 0:
        raise ConfigError(
            f"{where}: [hub] interval_seconds and connect_timeout_seconds: must be more than 0"
        )
    if hub.batch_size < 1:
        raise ConfigError(f"{where}: [hub] batch_size: must be 1 or more")


def _check_notify(notify: NotifyConfig, where: str) -> None:
    if not notify.enabled:
        return
    if not 1 <= notify.smtp_port <= 65535:
        raise ConfigError(f"{where}: [notify] smtp_port: must be from 1 to 65535")
    if "@" not in notify.sender:
        raise ConfigError(
            f"{where}: [notify] sender: required with smtp_host, "
            'e.g. sender = "kiosk@school.example"'
        )
    if bool(notify.username) != bool(notify.password_file):
        raise ConfigError(
            f"{where}: [notify] username and password_file: give both (to log in) or neither"
        )
