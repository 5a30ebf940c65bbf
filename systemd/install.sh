#!/usr/bin/env bash
# Install or update the kiosk from this checkout, on Raspberry Pi OS (Trixie or Bookworm) or plain
# Debian (12 or 13). Run as root. Safe to run again: it updates the code and units and never
# overwrites /etc/kiosk/kiosk.toml or /etc/kiosk/backup.env.
#   sudo systemd/install.sh            the touch kiosk (cage + Chromium on tty1), kiosk.service
#   sudo systemd/install.sh --tty      the keyboard-only kiosk on tty1, kiosk-tty.service
#   sudo systemd/install.sh --office   also serve the office screens (kiosk-office.service)
set -euo pipefail

MODE="touch"
OFFICE=""
for arg in "$@"; do
  case "$arg" in
    --tty) MODE="tty" ;;
    --office) OFFICE=1 ;;
    -h | --help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (use --tty, --office or nothing)" >&2; exit 2 ;;
  esac
done
if [[ $EUID -ne 0 ]]; then
  echo "install.sh: run as root: sudo $0 $*" >&2
  exit 2
fi

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX=/opt/kiosk
VENV="$PREFIX/venv"
STATE=/var/lib/kiosk
CONFIG=/etc/kiosk/kiosk.toml
KIOSK_GROUPS=(dialout gpio input video render)

step() { echo "==> $*"; }

step "packages: cage, chromium, fonts, gpiozero's lgpio"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# gpiozero's pin library, lgpio. Raspberry Pi OS packages it (python3-lgpio), and the venv sees
# it through --system-site-packages. Plain Debian does not: there it comes from PyPI into the
# venv, as a wheel where one is built for this Python (3.11 and 3.12 on arm64), else compiled
# from its source with the C library linked in (PYPI=1), which needs swig, gcc and python3-dev.
if apt-cache show python3-lgpio >/dev/null 2>&1; then
  GPIO_APT=(python3-lgpio)
  GPIO_PIP=()
else
  GPIO_APT=(swig gcc python3-dev)
  GPIO_PIP=(lgpio==0.2.2.0)
fi
# Fonts for the panel: DejaVu for symbols, Noto for names in any script (fonts-noto-core:
# Arabic, Hebrew, Devanagari, Bengali, Greek, Cyrillic and more; fonts-noto-cjk: Chinese,
# Japanese and Korean).
apt-get install -y -qq --no-install-recommends \
  python3 python3-venv "${GPIO_APT[@]}" cage chromium \
  fonts-dejavu-core fonts-noto-core fonts-noto-cjk >/dev/null
# A Pi has no real-time clock: the clock is set from the network, by whichever NTP client the
# image has (every one provides time-daemon), else systemd's own.
if ! dpkg-query -W -f '${Status} ${Provides}\n' 2>/dev/null | grep -q '^install ok installed .*time-daemon'; then
  apt-get install -y -qq --no-install-recommends systemd-timesyncd >/dev/null
fi

step "the kiosk user"
for group in "${KIOSK_GROUPS[@]}"; do
  # gpio comes from Raspberry Pi OS; on a plain Debian image it may be missing.
  getent group "$group" >/dev/null || groupadd --system "$group"
done
if ! id kiosk >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$STATE" --no-create-home \
    --shell /usr/sbin/nologin --comment "School entry kiosk" kiosk
fi
usermod --append --groups "$(IFS=,; echo "${KIOSK_GROUPS[*]}")" kiosk
install -d -o kiosk -g kiosk -m 0750 "$STATE" "$STATE/backups"

step "the config $CONFIG"
install -d -m 0755 /etc/kiosk
if [[ -e "$CONFIG" ]]; then
  echo "    kept the existing $CONFIG"
else
  install -o root -g kiosk -m 0640 "$SRC/kiosk/kiosk.example.toml" "$CONFIG"
  echo "    created $CONFIG from the template: edit it before the kiosk is used"
fi
# Where the nightly backups go (kiosk-backup.service): every line commented, so the card.
if [[ ! -e /etc/kiosk/backup.env ]]; then
  install -o root -g root -m 0644 "$SRC/systemd/backup.env" /etc/kiosk/backup.env
fi

# Optional parts the config asks for: the PostgreSQL driver for a postgresql+psycopg:// url,
# evdev for a badge reader that types (driver = "keyboard", read from /dev/input). Edit the
# config and run this script again to add them.
EXTRAS="$(python3 - "$CONFIG" <<'PY'
import sys
import tomllib

try:
    with open(sys.argv[1], "rb") as file:
        config = tomllib.load(file)
except (OSError, tomllib.TOMLDecodeError):
    sys.exit(0)  # `kiosk check` says what is wrong with it
extras = []
url = config.get("database", {}).get("url", "")
if isinstance(url, str) and url.startswith("postgresql"):
    extras.append("postgres")
if any(isinstance(t, dict) and t.get("driver") == "keyboard" for t in config.values()):
    extras.append("evdev")
print(",".join(extras))
PY
)"
if [[ ,$EXTRAS, == *,evdev,* ]]; then
  # evdev comes from PyPI as source only: it is compiled against the kernel's input headers.
  apt-get install -y -qq --no-install-recommends gcc python3-dev linux-libc-dev >/dev/null
fi

step "the program in $VENV${EXTRAS:+ (with $EXTRAS)}"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv --system-site-packages "$VENV"
fi
constraints=()
[[ -f "$SRC/constraints.txt" ]] && constraints=(-c "$SRC/constraints.txt")
"$VENV/bin/pip" install --quiet --disable-pip-version-check "${constraints[@]}" \
  "$SRC${EXTRAS:+[$EXTRAS]}"
if [[ ${#GPIO_PIP[@]} -gt 0 ]]; then
  PYPI=1 "$VENV/bin/pip" install --quiet --disable-pip-version-check "${GPIO_PIP[@]}"
fi
install -d "$PREFIX/docs"
install -m 0644 "$SRC/docs/raspberry-pi.md" "$PREFIX/docs/raspberry-pi.md"
install -m 0644 "$SRC/docs/mis.md" "$PREFIX/docs/mis.md"
install -m 0644 "$SRC/docs/office.md" "$PREFIX/docs/office.md"
ln -sfn "$VENV/bin/kiosk" /usr/local/bin/kiosk

step "the MIS credentials ([mis] credentials_file)"
MIS_CREDENTIALS="$(python3 - "$CONFIG" <<'PY'
import sys
import tomllib

try:
    with open(sys.argv[1], "rb") as file:
        mis = tomllib.load(file).get("mis", {})
except (OSError, tomllib.TOMLDecodeError):
    sys.exit(0)  # `kiosk check` says what is wrong with it
if not isinstance(mis, dict) or mis.get("provider", "none") == "none":
    sys.exit(0)
found = mis.get("credentials_file", "")
print(found if isinstance(found, str) else "")
PY
)"
# The token or password is the kiosk user's alone: `kiosk mis send` refuses a file that anyone
# else may read. Put right only under /etc/kiosk, which root alone may write: elsewhere a link
# planted in the file's place would hand another file to the kiosk user.
if [[ -z $MIS_CREDENTIALS ]]; then
  echo "    no MIS configured ([mis] provider): marks go by the CSV export"
elif [[ $(dirname "$MIS_CREDENTIALS") == /etc/kiosk && -f $MIS_CREDENTIALS && ! -L $MIS_CREDENTIALS ]]; then
  chown kiosk:kiosk "$MIS_CREDENTIALS"
  chmod 0600 "$MIS_CREDENTIALS"
  echo "    $MIS_CREDENTIALS: the kiosk user's alone (mode 0600)"
elif [[ -e $MIS_CREDENTIALS ]]; then
  echo "    left $MIS_CREDENTIALS as it is: it must belong to kiosk, mode 0600"
else
  echo "    $MIS_CREDENTIALS does not exist yet: make it with"
  echo "    sudo install -o kiosk -g kiosk -m 0600 /dev/null $MIS_CREDENTIALS"
  echo "    and write in it token = \"...\" (Wonde), or username and password (Arbor, SIMS)"
fi

step "udev rules for /dev/kiosk-reader, the GPIO chips and a USB stick at /media/kiosk-usb, PAM for the touch session"
install -m 0644 "$SRC/systemd/99-kiosk-reader.rules" /etc/udev/rules.d/99-kiosk-reader.rules
install -m 0644 "$SRC/systemd/99-kiosk-usb.rules" /etc/udev/rules.d/99-kiosk-usb.rules
install -m 0644 "$SRC/systemd/99-kiosk-gpio.rules" /etc/udev/rules.d/99-kiosk-gpio.rules
# The mount point exists before the units start, so their ReadWritePaths= take it in.
install -d -m 0755 /media/kiosk-usb
udevadm control --reload || true
udevadm trigger --subsystem-match=tty || true
udevadm trigger --subsystem-match=gpio || true
install -m 0644 "$SRC/systemd/kiosk.pam" /etc/pam.d/kiosk

step "the database"
# As the kiosk user, so the database file (and its WAL) belong to the service that writes them.
(cd "$STATE" && runuser -u kiosk -- "$VENV/bin/kiosk" db upgrade --config "$CONFIG")

step "systemd units ($MODE kiosk${OFFICE:+, and the office})"
for unit in kiosk.service kiosk-panel.service kiosk-tty.service kiosk-office.service \
  kiosk-backup.service kiosk-backup.timer kiosk-notify.service kiosk-notify.timer \
  kiosk-mis.service kiosk-mis.timer kiosk-purge.service kiosk-purge.timer; do
  install -m 0644 "$SRC/systemd/$unit" "/etc/systemd/system/$unit"
done
systemctl daemon-reload
if [[ $MODE == tty ]]; then
  systemctl disable --quiet kiosk.service kiosk-panel.service || true
  systemctl enable --quiet kiosk-tty.service
  # The console kiosk starts at power-on without a desktop.
  systemctl set-default multi-user.target >/dev/null
else
  systemctl disable --quiet kiosk-tty.service || true
  systemctl enable --quiet kiosk-panel.service kiosk.service
  systemctl set-default graphical.target >/dev/null
fi
# A desktop's own login screen would fight the kiosk for the display.
systemctl disable --quiet lightdm.service 2>/dev/null || true
# The kiosk units wait for time-sync.target; this makes it mean the clock has really been set
# from the network, not only that the NTP client has started.
systemctl enable --quiet systemd-time-wait-sync.service
# kiosk-mis.timer runs with every config: with [mis] provider = "none" a run sends nothing;
# kiosk-purge.timer too: with no [retention] periods a run deletes nothing.
systemctl enable --quiet --now kiosk-backup.timer kiosk-notify.timer kiosk-mis.timer \
  kiosk-purge.timer
# The office is served only where asked for; run again without --office, it is left as it was
# (`systemctl disable --now kiosk-office` stops it).
if [[ -n $OFFICE ]]; then
  systemctl enable --quiet kiosk-office.service
  systemctl restart kiosk-office.service  # started, or running the updated code
fi

cat <<DONE

Installed. Next:
  1. edit $CONFIG (school, times, [rfid] port, [policy], [notify], [mis]);
     a PostgreSQL url or a keyboard reader: run this script again to install what they need;
  2. run: sudo -u kiosk kiosk check
  3. reboot: the kiosk starts at power-on, once the clock is set from the network.
     Logs: journalctl -u kiosk-panel -u kiosk (or -u kiosk-tty) and $STATE/kiosk.log
  4. backups go to $STATE/backups on this card; to put them on a USB stick, see
     /etc/kiosk/backup.env
DONE
