"""The `[mis]` section: off by default, and a half-configured MIS stops the kiosk with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.config import ConfigError, parse_config


def _mis(**values: Any) -> Any:
    return parse_config({"mis": values}, None, require_database=False).mis


def test_no_mis_section_means_no_mis() -> None:
    mis = parse_config({}, None, require_database=False).mis
    assert mis.provider == "none" and not mis.enabled and mis.overwrite is False


def test_a_wonde_school_needs_its_school_id_and_a_credentials_file() -> None:
    with pytest.raises(ConfigError, match="school_id"):
        _mis(provider="wonde", credentials_file="/etc/kiosk/mis")
    with pytest.raises(ConfigError, match="credentials_file"):
        _mis(provider="wonde", school_id="A1")
    assert _mis(provider="wonde", school_id="A1", credentials_file="/etc/kiosk/mis").enabled


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"provider": "bromcom"}, "must be one of wonde, arbor, sims, none"),
        ({"provider": "arbor", "credentials_file": "/x"}, "base_url: required"),
        ({"provider": "sims", "credentials_file": "/x"}, "school_id: required"),
        (
            {"provider": "wonde", "school_id": "A1", "credentials_file": "/x", "marks": {"Z": "1"}},
            "unknown code",
        ),
        (
            {"provider": "sims", "base_url": "https://u:p@sims.example", "credentials_file": "/x"},
            "must not hold a username or password",
        ),
        (
            {
                "provider": "arbor",
                "base_url": "https://a.example",
                "credentials_file": "/x",
                "timeout_seconds": 0,
            },
            "timeout_seconds",
        ),
    ],
)
def test_a_bad_mis_setting_names_the_key(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        _mis(**values)


def test_a_sims_school_needs_only_its_wonde_id_and_the_token() -> None:
    mis = _mis(provider="sims", school_id="A1", credentials_file="/etc/kiosk/mis")
    assert mis.enabled and mis.base_url == ""


def test_the_mark_mapping_and_arbors_roll_call_times_are_read() -> None:
    config = parse_config(
        {
            "school": {"day_starts": "08:50", "register_closes": "09:15"},
            "mis": {
                "provider": "arbor",
                "base_url": "https://example.uk.arbor.sc",
                "credentials_file": "/x",
                "marks": {"L": "LATE_BEFORE_CLOSE", "/": "PRESENT"},
            },
        },
        None,
        require_database=False,
    ).mis
    assert dict(config.marks) == {"L": "LATE_BEFORE_CLOSE", "/": "PRESENT"}
    assert str(config.roll_call_am) == "08:50:00", "the roll call is the school's session start"
