"""The config file: every mistake stops the program, naming the file and the key."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from kiosk.config import ConfigError, config_path, load_config

BASE = '[database]\nurl = "sqlite:////tmp/x.db"\n'


def load(tmp_path: Path, text: str, **kw: bool):
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, **kw)


def test_defaults_match_the_contract(tmp_path: Path) -> None:
    config = load(tmp_path, BASE)
    assert config.school.day_starts == time(8, 40)
    assert config.school.register_closes == time(9, 10)
    assert config.policy.phone_handin == "required"
    assert config.policy.on_refusal == "deny"
    assert config.rfid.repeat_suppress_seconds == 3.0
    assert config.detector.active_high is False
    assert config.outputs.door_open_seconds == 3.0


def test_the_contract_example_loads(tmp_path: Path) -> None:
    example = (Path(__file__).parents[2] / "kiosk" / "kiosk.example.toml").read_text()
    config = load(tmp_path, example)
    assert config.school.pm_starts == time(13, 20)
    assert config.policy.school_rules_items[0] == "e-cigarette"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[school]\ncolour = 1\n", ["[school] colour", "unknown key"]),
        ("[scool]\nname = 'x'\n", ["[scool]", "unknown section"]),
        ("[school]\nday_starts = '8.40'\n", ["[school] day_starts", "HH:MM"]),
        ("[school]\nregister_closes = '09:11'\n", ["[school]", "30 minutes"]),
        ("[school]\nregister_closes = '08:30'\n", ["[school]", "after"]),
        ("[school]\ntimezone = 'Mars/Olympus'\n", ["[school] timezone"]),
        (
            "[policy]\nphone_handin = 'sometimes'\n",
            ["[policy] phone_handin", "required, optional, off"],
        ),
        (
            "[policy]\nstaff_idle_lock_seconds = 'soon'\n",
            ["[policy] staff_idle_lock_seconds", "whole number"],
        ),
        ("[policy]\nrandom_screening_percent = 120\n", ["random_screening_percent"]),
        ("[rfid]\ndriver = 'magic'\n", ["[rfid] driver"]),
        ("[rfid]\nrepeat_suppress_seconds = -1\n", ["[rfid] repeat_suppress_seconds", "negative"]),
        ("[detector]\npin = 40\n", ["[detector] pin", "0 to 27"]),
        ("[detector]\ndriver = 'serial'\n", ["[detector] port", "required"]),
        (
            "[detector]\ndriver = 'serial'\nport = 'loop://'\nalarm_pattern = '(('\n",
            ["alarm_pattern", "regular expression"],
        ),
        ("[outputs]\ndoor_relay = 'yes'\n", ["[outputs] door_relay"]),
        ("[school\n", ["not valid TOML"]),
    ],
    ids=lambda v: v if isinstance(v, str) and "\n" not in v else None,
)
def test_a_bad_config_is_refused_naming_file_and_key(
    tmp_path: Path, text: str, names: list[str]
) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, BASE + text if not text.startswith("[database]") else text)
    message = str(error.value)
    assert str(tmp_path / "kiosk.toml") in message
    for name in names:
        assert name in message


def test_a_missing_database_url_is_refused_for_the_production_kiosk(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[database\] url"):
        load(tmp_path, "[school]\nname = 'x'\n")


def test_an_unfitted_output_is_written_as_minus_one(tmp_path: Path) -> None:
    assert load(tmp_path, BASE + "[outputs]\nbuzzer = -1\n").outputs.buzzer is None


def test_config_path_prefers_option_then_environment_then_etc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIOSK_CONFIG", "/srv/k.toml")
    assert config_path("/x.toml") == Path("/x.toml")
    assert config_path(None) == Path("/srv/k.toml")
    monkeypatch.delenv("KIOSK_CONFIG")
    assert config_path(None) == Path("/etc/kiosk/kiosk.toml")


def test_missing_config_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.toml")


def test_cli_exits_2_on_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    path = tmp_path / "kiosk.toml"
    path.write_text(BASE + "[policy]\non_refusal = 'shout'\n")
    assert main(["phones", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[policy] on_refusal" in err


def test_register_open_for_different_lengths_am_and_pm_is_a_warning(tmp_path: Path) -> None:
    config = load(tmp_path, BASE + "[school]\npm_starts = '13:20'\npm_register_closes = '13:35'\n")
    assert config.warnings and "same length" in config.warnings[0]
    assert not load(
        tmp_path, BASE + "[school]\npm_starts = '13:20'\npm_register_closes = '13:50'\n"
    ).warnings


def test_r27_the_late_comers_window_and_threshold_come_from_the_policy(tmp_path: Path) -> None:
    """R27: `[policy] late_comers_weeks` and `late_comers_at_least`, 6 and 3 by default; a
    value out of range stops the program naming the key and what it may be."""
    assert (load(tmp_path, BASE).policy.late_comers_weeks,
            load(tmp_path, BASE).policy.late_comers_at_least) == (6, 3)  # fmt: skip
    chosen = load(tmp_path, BASE + "[policy]\nlate_comers_weeks = 4\nlate_comers_at_least = 5\n")
    assert (chosen.policy.late_comers_weeks, chosen.policy.late_comers_at_least) == (4, 5)
    for text, names in (
        ("late_comers_weeks = 0", ["[policy] late_comers_weeks", "from 1 to 52", "got 0"]),
        ("late_comers_weeks = 'six'", ["[policy] late_comers_weeks", "weeks from 1 to 52"]),
        ("late_comers_at_least = 1", ["[policy] late_comers_at_least", "from 2 to 100"]),
        ("late_comers_at_least = 2.5", ["[policy] late_comers_at_least", "whole number"]),
    ):
        with pytest.raises(ConfigError) as error:
            load(tmp_path, BASE + f"[policy]\n{text}\n")
        for name in names:
            assert name in str(error.value), (text, str(error.value))
