"""Each key's value, read and checked alone: the words a key takes, times of day, pins, ranges.
A ValueError here says what is wrong; the loader puts the file, section and key in front."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import time
from enum import StrEnum
from typing import Any

from kiosk.config.devices import WIEGAND_FORMATS
from kiosk.config.services import parse_listen
from kiosk.domain.attendance import Code
from kiosk.domain.lane import parse_slots
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningPolicy
from kiosk.domain.station import RefusalPolicy

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

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def coerce(section: str, key: str, value: Any, default: Any) -> Any:
    """`value` as [section] `key` holds it: one of its words, its own parser's, else like its
    default (a bool, a whole number, a number or a string)."""
    choices = _CHOICES.get((section, key))
    if choices is not None:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        enum = _ENUMS.get((section, key))
        return value if enum is None else enum(value)
    parse = _PARSERS.get((section, key)) or _SECTION_PARSERS.get(section)
    return _convert_like(value, default) if parse is None else parse(value)


def _optional_pin(value: Any) -> Any:
    # A pin that is not fitted is written as -1 or "" (TOML has no null).
    if value in (-1, ""):
        return None
    return _checked(int, value, "a BCM pin number (or -1: not fitted)", _pin_range)


def _rules_items(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _baudrate(value: Any) -> Any:
    return _checked(int, value, "a baud rate such as 9600", _positive)


def _address(value: Any) -> Any:
    return _checked(int, value, "an OSDP address from 0 to 126", _osdp_address)


def _pin(value: Any) -> Any:
    return _checked(int, value, "a BCM pin number", _pin_range)


def _pass_pin(value: Any) -> Any:
    if value == -1:
        return None
    return _checked(int, value, "a BCM pin number (or -1: no beam)", _pin_range)


def _public_url(value: Any) -> Any:
    text = _checked(str, value, 'an address such as "https://office.school.example"')
    if text and not re.fullmatch(r"https?://[^/\s?#]+/?", text):
        raise ValueError(
            f'must be a scheme and host, e.g. "https://office.school.example", got {text!r}'
        )
    return text.rstrip("/")


def _listen(value: Any) -> Any:
    text = _checked(str, value, 'an address as "host:port"')
    parse_listen(text)
    return text


def _late_reasons(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
        for k, v in value.items()
    ):
        raise ValueError('must be a table of button = "comment", e.g. { "Bus late" = "bus late" }')
    return tuple((k.strip(), v.strip()) for k, v in value.items())


def _phone_slots(value: Any) -> Any:
    text = _checked(str, value, 'slot numbers such as "1-120"')
    parse_slots(text)  # a bad range stops the kiosk here, not at the first tap
    return text


def _retention_days(value: Any) -> Any:
    return _checked(int, value, _RETENTION_RANGE, _retention_range)


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


def _whole_number(low: int, high: int, unit: str) -> Callable[[Any], int]:
    """A parser of a whole number of `unit` from `low` to `high`, both included."""
    described = f"a whole number of {unit} from {low} to {high}"

    def parse(value: Any) -> int:
        number: int = _checked(int, value, described)
        if not low <= number <= high:
            raise ValueError(f"must be {described}, got {number}")
        return number

    return parse


# Over a school year the count no longer says "persistent now".
_late_comers_weeks = _whole_number(1, 52, "weeks")
# 1 would list every learner late once: a slip, not a threshold.
_late_comers_at_least = _whole_number(2, 100, "late marks")
# 0 would warn every searcher every day; beyond five years nobody is ever warned.
_search_training_months = _whole_number(1, 60, "months")
# Under 15 s the desk locks while staff are still typing; over an hour it never locks.
_staff_idle_lock_seconds = _whole_number(15, 3600, "seconds")


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


_SCHOOL_TIMES = (
    "day_starts",
    "register_closes",
    "doors_open",
    "day_ends",
    "pm_starts",
    "pm_register_closes",
)
# The keys read by a parser of their own (the rest are read like their default).
_PARSERS: dict[tuple[str, str], Callable[[Any], Any]] = {
    **{("school", key): _parse_time for key in _SCHOOL_TIMES},
    **{("outputs", key): _optional_pin for key in ("green_led", "red_led", "buzzer", "door_relay")},
    ("policy", "school_rules_items"): _rules_items,
    ("rfid", "baudrate"): _baudrate,
    ("detector", "baudrate"): _baudrate,
    ("rfid", "d0_pin"): _optional_pin,
    ("rfid", "d1_pin"): _optional_pin,
    ("rfid", "formats"): _wiegand_formats,
    ("rfid", "address"): _address,
    ("detector", "pin"): _pin,
    ("detector", "pass_pin"): _pass_pin,
    ("office", "public_url"): _public_url,
    ("office", "listen"): _listen,
    ("policy", "late_reasons"): _late_reasons,
    ("policy", "phone_slots"): _phone_slots,
    ("mis", "marks"): _parse_mis_marks,
    ("mis", "roll_call_am"): _parse_time,
    ("mis", "roll_call_pm"): _parse_time,
    ("policy", "late_comers_weeks"): _late_comers_weeks,
    ("policy", "late_comers_at_least"): _late_comers_at_least,
    ("policy", "search_training_months"): _search_training_months,
    ("policy", "staff_idle_lock_seconds"): _staff_idle_lock_seconds,
}
# Sections whose every key is read alike.
_SECTION_PARSERS: dict[str, Callable[[Any], Any]] = {"retention": _retention_days}
