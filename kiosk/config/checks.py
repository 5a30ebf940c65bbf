"""The checks on a config as a whole, once each key has been read: what one key cannot say alone
(the register's windows, a driver's required keys), and what is filled in or warned of."""

from __future__ import annotations

import re
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.config.devices import RfidConfig
from kiosk.config.model import Config, ConfigError
from kiosk.config.services import HubConfig, MisConfig, NotifyConfig
from kiosk.domain.attendance import Session, register_window_problems, register_windows_differ


def check_whole(config: Config, where: str, *, require_database: bool) -> None:
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


def mis_with_school(config: Config) -> MisConfig:
    """Arbor's roll-call times default to the school's session starts."""
    mis = config.mis
    return replace(
        mis,
        roll_call_am=mis.roll_call_am or config.school.day_starts,
        roll_call_pm=mis.roll_call_pm or config.school.pm_starts,
    )


def warnings_for(config: Config) -> tuple[str, ...]:
    # The 2024 guidance keeps the register open the same length every session; CONTRACT.md's own
    # example (30 minutes AM, 15 PM) does not, so this is a warning rather than a refusal.
    pm = config.school.pm
    return tuple(register_windows_differ(config.school.am, pm)) if pm else ()
