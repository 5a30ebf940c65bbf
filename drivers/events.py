"""Typed events from the devices: badge reads, rejected frames, alarms, devices coming and going."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def _require_aware(name: str, value: datetime) -> None:
    # A naive datetime here would be read as local time by one consumer and UTC by another;
    # refuse it at the boundary rather than let it reach a register.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


class _Stamped:
    """Base for the events stamped `at`: the check every one of them makes on construction.

    Not a dataclass itself, so each event keeps its own field order (and positional arguments).
    """

    __slots__ = ()
    at: datetime

    def __post_init__(self) -> None:
        _require_aware("at", self.at)


@dataclass(frozen=True, slots=True)
class BadgeRead:
    """A badge was presented: `uid` is uppercase hex without separators."""

    uid: str
    read_at: datetime
    reader: str

    def __post_init__(self) -> None:
        _require_aware("read_at", self.read_at)


@dataclass(frozen=True, slots=True)
class FrameRejected(_Stamped):
    """Bytes that looked like a frame but failed its shape or checksum; the reader carries on."""

    reason: str
    raw: bytes
    at: datetime


@dataclass(frozen=True, slots=True)
class ReaderOnline(_Stamped):
    """The reader at `port` is open (and, for readers that answer, answering)."""

    port: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReaderOffline(_Stamped):
    """The reader at `port` could not be opened or went away; it is being retried."""

    port: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AlarmRaised(_Stamped):
    """The arch alarmed; `zone` is the arch's zone when it reports one."""

    at: datetime
    zone: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmCleared(_Stamped):
    """The arch is quiet again (or reported a clean passage)."""

    at: datetime


@dataclass(frozen=True, slots=True)
class DetectorOnline(_Stamped):
    """A serial detector at `port` is open."""

    port: str
    at: datetime


@dataclass(frozen=True, slots=True)
class DetectorOffline(_Stamped):
    """A serial detector at `port` could not be opened or went away; it is being retried."""

    port: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PassageSeen(_Stamped):
    """Someone walked out of the arch (a beam at its exit was broken)."""

    at: datetime
