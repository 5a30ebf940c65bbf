"""[rfid] keys for Wiegand and OSDP readers: each mistake named with its file, section and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.config import ConfigError, parse_config

WHERE = Path("/etc/kiosk/kiosk.toml")


def rfid(**keys: Any) -> Any:
    return parse_config({"database": {"url": "sqlite://"}, "rfid": keys}, WHERE).rfid


def test_a_wiegand_reader_takes_its_pins_and_formats() -> None:
    got = rfid(driver="wiegand", d0_pin=5, d1_pin=6, formats=["H10301", "corporate1000"])
    assert (got.d0_pin, got.d1_pin, got.formats) == (5, 6, ("h10301", "corporate1000"))


def test_an_osdp_reader_takes_its_address_and_key_file() -> None:
    got = rfid(driver="osdp", port="/dev/ttyUSB0", address=3, scbk_file="/etc/kiosk/r.scbk")
    assert (got.address, got.scbk_file, got.baudrate) == (3, "/etc/kiosk/r.scbk", None)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"driver": "wiegand", "d0_pin": 5}, '[rfid] d1_pin: required when driver = "wiegand"'),
        ({"driver": "wiegand", "d0_pin": 5, "d1_pin": 5}, "[rfid] d1_pin: must differ"),
        ({"driver": "wiegand", "d0_pin": 40, "d1_pin": 5}, "[rfid] d0_pin: must be a BCM pin"),
        (
            {"driver": "wiegand", "d0_pin": 5, "d1_pin": 6, "formats": ["hid26"]},
            "[rfid] formats: unknown card format 'hid26'; the formats are h10301",
        ),
        ({"driver": "wiegand", "d0_pin": 5, "d1_pin": 6, "formats": []}, "[rfid] formats: must be"),
        ({"driver": "osdp", "port": "/dev/ttyUSB0"}, "[rfid] scbk_file: required"),
        ({"driver": "osdp", "scbk_file": "k", "port": ""}, "[rfid] port: required"),
        (
            {"driver": "osdp", "port": "x", "scbk_file": "k", "address": 127},
            "[rfid] address: must be an OSDP address from 0 to 126",
        ),
    ],
)
def test_a_bad_reader_setting_names_the_file_section_and_key(
    keys: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        rfid(**keys)
    assert str(caught.value).startswith(f"{WHERE}: ")
    assert message in str(caught.value)


def test_the_phone_stations_reader_is_checked_under_its_own_name() -> None:
    with pytest.raises(ConfigError, match=r"\[rfid.phone\] scbk_file: required"):
        parse_config(
            {"database": {"url": "sqlite://"}, "rfid": {"phone": {"driver": "osdp", "port": "x"}}},
            WHERE,
        )
