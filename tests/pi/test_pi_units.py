"""The systemd units, install script and Pi guide: valid, hardened, pins as in the template.

`systemd-analyze verify` also checks that every Exec*= binary exists, and /usr/bin/cage and
/opt/kiosk/venv/bin/kiosk exist only on an installed Pi. The units are copied to a temporary
folder with just those executables replaced by /bin/true, arguments kept, so everything else
(keys, values, command lines, the timer's service) is still checked; any line the tool prints
fails the test, since it reports an unknown key or a bad value as a warning with status 0.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "systemd"
UNITS = sorted(p.name for p in SYSTEMD.iterdir() if p.suffix in {".service", ".timer"})
_EXEC = re.compile(r"^(Exec\w+=)([-@:+!|]*)(\S+)(.*)$", re.MULTILINE)


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is required in CI (Debian package systemd)", pytrace=False)
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return found


def _runnable_copy(text: str) -> str:
    true = shutil.which("true") or "/bin/true"

    def swap(match: re.Match[str]) -> str:
        exe = match.group(3)
        return match.group(0) if Path(exe).exists() else f"{match[1]}{match[2]}{true}{match[4]}"

    return _EXEC.sub(swap, text)


def _unit(name: str) -> str:
    return (SYSTEMD / name).read_text(encoding="utf-8")


def _settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in _unit(name).splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_all_nine_units_are_present() -> None:
    assert UNITS == [
        "kiosk-backup.service",
        "kiosk-backup.timer",
        "kiosk-mis.service",
        "kiosk-mis.timer",
        "kiosk-notify.service",
        "kiosk-notify.timer",
        "kiosk-panel.service",
        "kiosk-tty.service",
        "kiosk.service",
    ]


@pytest.mark.parametrize("name", UNITS)
def test_unit_passes_systemd_analyze_verify(name: str, tmp_path: Path) -> None:
    analyze = _systemd_analyze()
    for unit in UNITS:  # together: the timer is checked against its service
        (tmp_path / unit).write_text(_runnable_copy(_unit(unit)), encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", "--man=no", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_verify_copy_still_checks_what_follows_the_executable() -> None:
    line = "ExecStart=/usr/bin/not-on-this-machine -d -- foot\n"
    assert _runnable_copy(line).endswith(" -d -- foot\n")
    assert "not-on-this-machine" not in _runnable_copy(line)


def test_touch_kiosk_is_the_served_app_in_chromium_under_cage_restarted_forever() -> None:
    panel = _settings("kiosk-panel.service")
    assert panel["NotifyAccess"] == ["all"]  # the watchdog pings come from `kiosk run`, a child
    assert "WatchdogSec" in panel
    assert panel["Restart"] == ["always"]
    assert panel["RuntimeDirectory"] == ["kiosk"]  # where the device lock lives
    assert panel["ExecStart"] == ["/opt/kiosk/venv/bin/kiosk panel --listen 127.0.0.1:8080"]
    unit = _settings("kiosk.service")
    assert unit["Restart"] == ["always"]
    assert unit["StartLimitIntervalSec"] == ["0"]
    [command] = unit["ExecStart"]
    assert command.startswith("/usr/bin/cage ") and "/usr/bin/chromium --kiosk" in command
    assert "http://127.0.0.1:8080/" in _unit("kiosk.service").split("ExecStart=", 1)[1]


@pytest.mark.parametrize("name", ["kiosk.service", "kiosk-tty.service"])
def test_kiosk_units_are_hardened_but_keep_the_devices(name: str) -> None:
    unit = _settings(name)
    assert unit["User"] == ["kiosk"]
    assert {"dialout", "gpio", "input"} <= set(unit["SupplementaryGroups"][0].split())
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["StateDirectory"] == ["kiosk"]
    assert unit["WorkingDirectory"] == ["/var/lib/kiosk"]  # lgpio's pipes go in its cwd
    assert unit["NoNewPrivileges"] == ["yes"]
    assert "PrivateDevices" not in unit  # would hide the serial port and the GPIO chip
    assert "DeviceAllow" not in unit and "ProtectClock" not in unit  # both close the devices


def test_console_kiosk_takes_tty1_from_the_login_prompt() -> None:
    unit = _settings("kiosk-tty.service")
    assert unit["TTYPath"] == ["/dev/tty1"]
    assert unit["StandardInput"] == ["tty"]
    assert unit["StandardError"] == ["tty"], "Textual draws on standard error: the console"
    assert "getty@tty1.service" in unit["Conflicts"][0].split()
    assert unit["Type"] == ["notify"] and unit["Restart"] == ["always"]


def test_backup_runs_nightly_and_catches_up_after_a_night_switched_off() -> None:
    timer = _settings("kiosk-backup.timer")
    assert timer["OnCalendar"] == ["*-*-* 02:30:00"]
    assert timer["Persistent"] == ["true"]
    assert _settings("kiosk-backup.service")["ExecStart"][0].split()[1] == "backup"


def test_install_script_is_valid_bash() -> None:
    bash = shutil.which("bash") or pytest.skip("bash is not installed")
    subprocess.run([bash, "-n", str(SYSTEMD / "install.sh")], check=True, timeout=30)


def test_pi_guide_wiring_uses_the_pins_of_the_config_template() -> None:
    template = tomllib.loads((ROOT / "kiosk" / "kiosk.example.toml").read_text(encoding="utf-8"))
    guide = (ROOT / "docs" / "raspberry-pi.md").read_text(encoding="utf-8")
    pins = {
        "alarm": template["detector"]["pin"],
        "green": template["outputs"]["green_led"],
        "red": template["outputs"]["red_led"],
        "buzzer": template["outputs"]["buzzer"],
        "relay": template["outputs"]["door_relay"],
    }
    wiring = guide.split("## Wiring", 1)[1].split("\n## ", 1)[0].lower()
    for part, pin in pins.items():
        assert re.search(rf"\|[^|\n]*{part}[^\n]*\|\s*gpio{pin}\b", wiring), (part, pin)
