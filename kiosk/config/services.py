"""What the door works with beyond itself: [notify] (email), [mis] (the write-back), [station]
(this door among several), [hub] (the doors' shared PostgreSQL) and [office] (the web page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class NotifyConfig:
    """Email for the outbox; an empty smtp_host means no email: notifications wait on screen."""

    smtp_host: str = ""
    smtp_port: int = 587
    starttls: bool = True
    username: str = ""
    # A file holding the password, so the TOML (often world-readable) never holds it.
    password_file: str = ""
    sender: str = ""
    # One address per role (several may be separated by commas); empty: that role's wait.
    attendance: str = ""
    dsl: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host.strip())


@dataclass(frozen=True)
class MisConfig:
    """Writing session marks back to the school's MIS; provider "none" sends nothing anywhere."""

    provider: str = "none"
    # Empty: Wonde's public address (SIMS schools go through Wonde); Arbor needs the school's own.
    base_url: str = ""
    school_id: str = ""
    # A file only the kiosk user can read, holding the token or the username and password.
    credentials_file: str = ""
    # Off: a mark is written only where the MIS holds none for the session (a teacher's stays).
    overwrite: bool = False
    timeout_seconds: float = 20.0
    # The kiosk's letter -> the MIS's own id for that mark (Wonde's attendance code id, Arbor's
    # attendance mark id); a letter not given is looked up in the MIS's list by its code.
    marks: tuple[tuple[str, str], ...] = ()
    # Arbor: the roll-call times the marks are written at (default: [school] day_starts and
    # pm_starts), as local wall-clock times in the school's timezone.
    roll_call_am: time | None = None
    roll_call_pm: time | None = None
    # Arbor: send a mark's comment as a note through the attendance-registration service.
    arbor_notes: bool = False

    @property
    def enabled(self) -> bool:
        return self.provider != "none"


@dataclass(frozen=True)
class StationConfig:
    """This door: its name goes on every event it records (several doors share one school)."""

    name: str = "main"
    # The phone cabinet this door's slots belong to; doors naming the same store share its
    # slots (a slot holding a phone at one is not handed out at another). Empty: this door's own.
    phone_store: str = ""

    @property
    def store(self) -> str:
        return self.phone_store.strip() or self.name


@dataclass(frozen=True)
class HubConfig:
    """The school's PostgreSQL hub that several doors share; an empty url: this door alone."""

    url: str = ""
    # How often the sync worker runs a round while idle (it also runs at once after an event).
    interval_seconds: float = 2.0
    # Events sent in one hub transaction.
    batch_size: int = 500
    # How long a door waits to reach the hub before counting it offline; never the door's wait.
    connect_timeout_seconds: float = 3.0

    @property
    def enabled(self) -> bool:
        return bool(self.url.strip())


@dataclass(frozen=True)
class OfficeConfig:
    """`kiosk office`: where the office screens are served to browsers on the school's network."""

    # host:port; the default is this machine only (put a TLS reverse proxy in front of it).
    listen: str = "127.0.0.1:8000"
    # A reverse proxy with the school's certificate fronts the office. Without it, `kiosk
    # office` refuses any listen address but loopback: PINs and safeguarding detail must not
    # cross the network in plain HTTP.
    proxied: bool = False
    # The address browsers use, through the proxy ("https://office.school.example"): the only
    # origin a form is accepted from then, and the session cookie is sent over HTTPS alone.
    public_url: str = ""

    @property
    def host_port(self) -> tuple[str, int]:
        return parse_listen(self.listen)


def parse_listen(text: str) -> tuple[str, int]:
    """ "host:port" (an IPv6 host in brackets) as a host and a port; ValueError if it is not."""
    host, sep, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isascii() or not port.isdigit():
        raise ValueError(f'must be "host:port", e.g. "0.0.0.0:8000", got {text!r}')
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"the port must be from 1 to 65535, got {port}")
    return host, int(port)
