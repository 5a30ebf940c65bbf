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
import sys
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


def test_all_twelve_units_are_present() -> None:
    assert UNITS == [
        "kiosk-backup.service",
        "kiosk-backup.timer",
        "kiosk-mis.service",
        "kiosk-mis.timer",
        "kiosk-notify.service",
        "kiosk-notify.timer",
        "kiosk-office.service",
        "kiosk-panel.service",
        "kiosk-purge.service",
        "kiosk-purge.timer",
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


def _script() -> str:
    return (SYSTEMD / "install.sh").read_text(encoding="utf-8")


def test_install_script_passes_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        if os.environ.get("CI"):
            pytest.fail("shellcheck is required in CI (Debian package shellcheck)", pytrace=False)
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    done = subprocess.run(
        [shellcheck, str(SYSTEMD / "install.sh")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")


# The clock: a Pi 4 has no real-time clock, so a kiosk started before the network set the time
# would stamp marks with the time it was switched off.


@pytest.mark.parametrize(
    "name", ["kiosk.service", "kiosk-panel.service", "kiosk-tty.service", "kiosk-office.service"]
)
def test_kiosk_starts_only_once_the_clock_is_set(name: str) -> None:
    unit = _settings(name)
    assert "time-sync.target" in " ".join(unit["Wants"]).split()
    assert "time-sync.target" in " ".join(unit["After"]).split()


def test_install_script_makes_time_sync_mean_the_clock_is_set() -> None:
    # time-sync.target is reached at once unless something holds it back until the kernel's
    # clock is synchronised: systemd-time-wait-sync.service does, once enabled.
    script = _script()
    assert re.search(r"\n\s*systemctl enable [^\n]*systemd-time-wait-sync\.service", script)
    assert "systemd-timesyncd" in script  # an NTP client where the image has none


# The office: served by kiosk-office.service, installed everywhere, started only when asked for.


def test_office_unit_serves_kiosk_office_as_the_kiosk_user_with_no_devices() -> None:
    unit = _settings("kiosk-office.service")
    assert unit["ExecStart"] == ["/opt/kiosk/venv/bin/kiosk office"]
    assert unit["User"] == ["kiosk"] and unit["WorkingDirectory"] == ["/var/lib/kiosk"]
    assert unit["Environment"].count("KIOSK_CONFIG=/etc/kiosk/kiosk.toml") == 1
    assert unit["PrivateDevices"] == ["yes"], "the office opens no reader, arch or pin"
    template = tomllib.loads((ROOT / "kiosk" / "kiosk.example.toml").read_text(encoding="utf-8"))
    listen = template.get("office", {}).get("listen", "127.0.0.1:8000")
    assert listen.startswith("127.0.0.1:"), "behind the reverse proxy, this machine only"


def test_install_script_installs_the_office_unit_and_starts_it_only_with_office() -> None:
    script = _script()
    loop = script[script.index("for unit in kiosk.service") :].split("\ndone\n", 1)[0]
    assert "kiosk-office.service" in loop
    office = script[script.index("if [[ -n $OFFICE ]]") :].split("\nfi\n", 1)[0]
    assert "systemctl enable --quiet kiosk-office.service" in office
    outside = script.replace(office, "")
    assert not re.search(r"enable[^\n]*kiosk-office", outside), "enabled only with --office"
    assert re.search(r"--office\) OFFICE=1", script)


@pytest.mark.parametrize("guide", ["office.md", "raspberry-pi.md"])
def test_every_installed_path_in_the_guides_is_one_install_sh_makes(guide: str) -> None:
    text = (ROOT / "docs" / guide).read_text(encoding="utf-8")
    made = ("/opt/kiosk/venv", "/opt/kiosk/src", "/opt/kiosk/docs")
    paths = re.findall(r"/opt/kiosk/[\w./-]*\w", text)
    assert paths
    assert [p for p in paths if not any(p == m or p.startswith(m + "/") for m in made)] == []
    assert 'VENV="$PREFIX/venv"' in _script() and "PREFIX=/opt/kiosk" in _script()


# gpiozero's lgpio: Raspberry Pi OS's package where apt has it, else PyPI's wheel.


def _gpio_choice(tmp_path: Path, apt_has_it: bool) -> str:
    """install.sh's own choice of packages, run with an apt-cache that has python3-lgpio or not."""
    script = _script()
    start = script.index("if apt-cache show python3-lgpio")
    block = script[start : script.index("\nfi\n", start) + 4]
    stub = tmp_path / "bin" / "apt-cache"
    stub.parent.mkdir()
    known = "python3-lgpio" if apt_has_it else "nothing"
    stub.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = show ] && [ "$2" = {known} ] && {{ echo "Package: $2"; exit 0; }}\n'
        'echo "E: No packages found" >&2\nexit 100\n',
        encoding="utf-8",
    )
    stub.chmod(0o755)
    bash = shutil.which("bash") or pytest.skip("bash is not installed")
    done = subprocess.run(
        [bash, "-c", f"{block}\ndeclare -p GPIO_APT GPIO_PIP"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}"},
    )
    return done.stdout


def test_on_raspberry_pi_os_lgpio_comes_from_apt(tmp_path: Path) -> None:
    chosen = _gpio_choice(tmp_path, apt_has_it=True)
    assert 'GPIO_APT=([0]="python3-lgpio")' in chosen
    assert "GPIO_PIP=()" in chosen


def test_on_plain_debian_lgpio_comes_from_pypi_into_the_venv(tmp_path: Path) -> None:
    chosen = _gpio_choice(tmp_path, apt_has_it=False)
    assert "python3-lgpio" not in chosen
    assert 'GPIO_PIP=([0]="lgpio==0.2.2.0")' in chosen
    # No wheel for this Python: built from source with the C library linked in.
    assert all(f'"{package}"' in chosen for package in ("swig", "gcc", "python3-dev"))
    script = _script()
    assert re.search(r'apt-get install [^\n]*\\\n[^\n]*"\$\{GPIO_APT\[@\]\}"', script)
    assert re.search(r'PYPI=1 "\$VENV/bin/pip" install [^\n]*"\$\{GPIO_PIP\[@\]\}"', script)


def test_install_script_installs_fonts_for_names_in_any_script() -> None:
    command = _script().split("apt-get install -y -qq --no-install-recommends \\\n", 1)[1]
    packages = command.split(">/dev/null", 1)[0].split()
    assert {"fonts-noto-core", "fonts-noto-cjk", "fonts-dejavu-core"} <= set(packages)


# Nightly backups: where they go is /etc/kiosk/backup.env's KIOSK_BACKUP_DIR.


def _backup_command(env_file: str | None) -> list[str]:
    """kiosk-backup.service's command as systemd builds it: Environment= first, then the
    EnvironmentFile= (optional: "-"), whose settings win, then ${NAME} replaced in ExecStart=."""
    unit = _settings("kiosk-backup.service")
    environment = dict(a.split("=", 1) for a in unit["Environment"])
    assert unit["EnvironmentFile"] == ["-/etc/kiosk/backup.env"]
    for line in (env_file or "").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";")):
            key, value = line.split("=", 1)
            environment[key.strip()] = value.strip().strip('"')
    [command] = unit["ExecStart"]
    return [re.sub(r"\$\{(\w+)\}", lambda m: environment[m[1]], word) for word in command.split()]


def test_backups_stay_on_the_card_unless_backup_env_says_otherwise() -> None:
    expected = ["--to", "/var/lib/kiosk/backups", "--keep-days", "14"]
    assert _backup_command(None)[2:] == expected
    shipped = (SYSTEMD / "backup.env").read_text(encoding="utf-8")
    assert _backup_command(shipped)[2:] == expected, "the template installed changes nothing"
    assert "backup.env" in _script() and "/etc/kiosk/backup.env" in _script()


@pytest.mark.parametrize("stick_in", [True, False])
def test_backups_go_to_the_usb_stick_named_in_backup_env(tmp_path: Path, stick_in: bool) -> None:
    # The template's own lines, uncommented, with the stick's mount point moved here.
    stick = tmp_path / "kiosk-usb"
    if stick_in:
        stick.mkdir()
    shipped = (SYSTEMD / "backup.env").read_text(encoding="utf-8")
    env_file = re.sub(r"^#(KIOSK_BACKUP_\w+=)", r"\1", shipped, flags=re.MULTILINE)
    command = _backup_command(env_file.replace("/media/kiosk-usb", str(stick)))
    assert command[:2] == ["/opt/kiosk/venv/bin/kiosk", "backup"]
    assert command[2:] == ["--to", str(stick / "backups"), "--keep-days", "30"]
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "kiosk.db"}"\n', encoding="utf-8")
    env = {**os.environ, "KIOSK_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    kiosk = [sys.executable, "-m", "kiosk"]
    subprocess.run([*kiosk, "db", "upgrade"], env=env, check=True, timeout=120, capture_output=True)

    done = subprocess.run(
        [*kiosk, *command[1:]], env=env, capture_output=True, text=True, timeout=120, check=False
    )

    if stick_in:
        assert done.returncode == 0, done.stderr
        assert [p.suffix for p in (stick / "backups").iterdir()] == [".db"]
    else:  # the night the stick is not in: a failed run, and nothing written anywhere else
        assert done.returncode != 0 and "backups" in done.stderr
        assert not stick.exists()
