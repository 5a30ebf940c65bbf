"""Each service's sandbox: an exposure of at most 3.0 by `systemd-analyze security`, and the
paths, streams and timer a technician relies on.

`systemd-analyze security --offline=true FILE` (systemd 250 and later) scores a unit file
without loading it into a running systemd, so it works in a container without systemd as PID 1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "systemd"
SERVICES = sorted(p.name for p in SYSTEMD.glob("*.service"))
KIOSKS = ["kiosk.service", "kiosk-tty.service"]
MOST_EXPOSURE = 3.0
_OVERALL = re.compile(r"Overall exposure level for \S+: (\d+\.\d+)")


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is required in CI (Debian package systemd)", pytrace=False)
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return found


def _exposure(name: str) -> tuple[float, str]:
    done = subprocess.run(
        [_systemd_analyze(), "security", "--offline=true", "--no-pager", str(SYSTEMD / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    text = done.stdout + done.stderr
    if "offline" in text and ("unrecognized" in text or "Unknown" in text):
        pytest.skip("this systemd-analyze has no --offline (systemd 250 or later has)")
    found = _OVERALL.search(text)
    assert found, text
    return float(found.group(1)), text


def _settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_every_service_is_scored() -> None:
    assert SERVICES == [
        "kiosk-backup.service",
        "kiosk-mis.service",
        "kiosk-notify.service",
        "kiosk-office.service",
        "kiosk-panel.service",
        "kiosk-purge.service",
        "kiosk-tty.service",
        "kiosk.service",
    ]


@pytest.mark.parametrize("name", SERVICES)
def test_service_exposure_is_at_most_three(name: str) -> None:
    score, report = _exposure(name)
    print(f"{name}: exposure {score}")  # noqa: T201 - shown with -s, for the record
    assert score <= MOST_EXPOSURE, report


@pytest.mark.parametrize("name", SERVICES)
def test_service_drops_every_capability_and_makes_private_files(name: str) -> None:
    unit = _settings(name)
    assert unit["CapabilityBoundingSet"] == [""]
    assert unit["UMask"] == ["0077"]
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["SystemCallFilter"][0] == "@system-service"
    assert "RestrictAddressFamilies" in unit


@pytest.mark.parametrize("name", KIOSKS)
def test_kiosk_can_read_the_board_and_write_to_the_usb_stick(name: str) -> None:
    unit = _settings(name)
    assert "ProcSubset" not in unit, "gpiozero reads /proc/cpuinfo to know the board"
    writable = " ".join(unit["ReadWritePaths"]).split()
    assert "-/media/kiosk-usb" in writable, "a kiosk without a stick plugged in must still start"


def test_touch_kiosk_may_make_the_wayland_socket() -> None:
    assert "/run/user" in " ".join(_settings("kiosk.service")["ReadWritePaths"]).split()


def test_backup_may_write_to_the_usb_stick_and_nothing_on_the_network() -> None:
    unit = _settings("kiosk-backup.service")
    assert unit["ReadWritePaths"] == ["-/media/kiosk-usb"]
    assert unit["PrivateNetwork"] == ["yes"]


def test_outbox_is_sent_every_few_minutes_from_boot() -> None:
    timer = _settings("kiosk-notify.timer")
    assert timer["OnBootSec"] and timer["OnUnitActiveSec"] == ["5min"]
    service = _settings("kiosk-notify.service")
    assert service["ExecStart"] == ["/opt/kiosk/venv/bin/kiosk notify send"]
    assert service["Type"] == ["oneshot"] and service["User"] == ["kiosk"]
    assert {"AF_INET", "AF_INET6"} <= set(service["RestrictAddressFamilies"][0].split())


def test_install_script_installs_and_starts_the_notify_timer() -> None:
    script = (SYSTEMD / "install.sh").read_text(encoding="utf-8")
    assert "kiosk-notify.service" in script and "kiosk-notify.timer" in script
    assert re.search(r"enable --quiet --now [^\n]*kiosk-notify\.timer", script)
    assert "99-kiosk-usb.rules" in script and "/media/kiosk-usb" in script


def test_marks_go_to_the_mis_every_few_minutes_from_boot() -> None:
    timer = _settings("kiosk-mis.timer")
    assert timer["OnBootSec"] and timer["OnUnitActiveSec"] == ["5min"]
    service = _settings("kiosk-mis.service")
    assert service["ExecStart"] == ["/opt/kiosk/venv/bin/kiosk mis send"]
    assert service["Type"] == ["oneshot"] and service["User"] == ["kiosk"]
    assert {"AF_INET", "AF_INET6"} <= set(service["RestrictAddressFamilies"][0].split())
    assert "PrivateNetwork" not in service, "the MIS is reached over the network"


def test_install_script_installs_and_starts_the_mis_timer() -> None:
    script = (SYSTEMD / "install.sh").read_text(encoding="utf-8")
    assert "kiosk-mis.service" in script and "kiosk-mis.timer" in script
    assert re.search(r"enable --quiet --now [^\n]*kiosk-mis\.timer", script)


def _mis_credentials_step(etc: Path) -> str:
    """install.sh's step that finds the MIS credentials file and makes it the kiosk user's,
    with /etc/kiosk moved to `etc` and the kiosk user replaced by whoever runs the test."""
    script = (SYSTEMD / "install.sh").read_text(encoding="utf-8")
    start = script.index('step "the MIS credentials')
    end = script.index("\nfi\n", start) + 4
    owner = f"{os.getuid()}:{os.getgid()}"
    return script[start:end].replace("/etc/kiosk", str(etc)).replace("kiosk:kiosk", owner)


def _run_mis_credentials_step(config: str, etc: Path) -> str:
    bash = shutil.which("bash") or pytest.skip("bash is not installed")
    if not shutil.which("python3"):
        pytest.skip("python3 is not on PATH")
    path = etc / "kiosk.toml"
    path.write_text(config.replace("ETC", str(etc)), encoding="utf-8")
    done = subprocess.run(
        [bash, "-c", f"step() {{ :; }}\nCONFIG={path}\n{_mis_credentials_step(etc)}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


WONDE = '[mis]\nprovider = "wonde"\ncredentials_file = "ETC/mis-credentials"\n'


def test_install_script_makes_the_mis_credentials_the_kiosk_users_alone(tmp_path: Path) -> None:
    credentials = tmp_path / "mis-credentials"
    credentials.write_text('token = "t"\n', encoding="utf-8")
    credentials.chmod(0o644)

    said = _run_mis_credentials_step(WONDE, tmp_path)

    assert credentials.stat().st_mode & 0o777 == 0o600, said
    assert "mode 0600" in said


def test_install_script_never_follows_a_link_in_the_credentials_place(tmp_path: Path) -> None:
    elsewhere = tmp_path / "someone-elses-file"
    elsewhere.write_text("not the kiosk's\n", encoding="utf-8")
    elsewhere.chmod(0o644)
    (tmp_path / "mis-credentials").symlink_to(elsewhere)

    said = _run_mis_credentials_step(WONDE, tmp_path)

    assert elsewhere.stat().st_mode & 0o777 == 0o644
    assert "left" in said and "mode 0600" in said


@pytest.mark.parametrize(
    ("config", "said"),
    [
        ("", "no MIS configured"),
        ('[mis]\nprovider = "none"\ncredentials_file = "ETC/x"\n', "no MIS configured"),
        ("not toml [", "no MIS configured"),
        (WONDE, "does not exist yet"),
    ],
)
def test_install_script_says_what_to_do_about_the_mis_credentials(
    config: str, said: str, tmp_path: Path
) -> None:
    assert said in _run_mis_credentials_step(config, tmp_path)


def _extras_for(config: str, tmp_path: Path) -> str:
    """The extras install.sh picks for this config, by running its own snippet."""
    script = (SYSTEMD / "install.sh").read_text(encoding="utf-8")
    snippet = script[script.index('EXTRAS="$(') : script.index('\n)"\n') + 4]
    path = tmp_path / "kiosk.toml"
    path.write_text(config, encoding="utf-8")
    bash = shutil.which("bash") or pytest.skip("bash is not installed")
    done = subprocess.run(
        [bash, "-c", f'CONFIG={path}\n{snippet}\nprintf %s "$EXTRAS"'],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("config", "extras"),
    [
        ('[database]\nurl = "sqlite:////var/lib/kiosk/kiosk.db"\n', ""),
        ('[database]\nurl = "postgresql+psycopg://kiosk@db/kiosk"\n', "postgres"),
        ('[rfid]\ndriver = "keyboard"\n', "evdev"),
        (
            '[database]\nurl = "postgresql+psycopg://k@db/k"\n[rfid]\ndriver = "keyboard"\n',
            "postgres,evdev",
        ),
        ("not toml [", ""),
    ],
)
def test_install_script_adds_what_the_config_needs(
    config: str, extras: str, tmp_path: Path
) -> None:
    if not shutil.which("python3"):
        pytest.skip("python3 is not on PATH")
    assert _extras_for(config, tmp_path) == extras
