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
