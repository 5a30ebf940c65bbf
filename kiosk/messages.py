"""What crosses into the app: past-tense facts as small messages, posted from any thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.message import Message


@dataclass
class BadgeScanned(Message):
    """A reader (or the demo panel) presented a badge."""

    uid: str
    read_at: datetime


@dataclass
class ReaderStatusChanged(Message):
    """The badge reader went online or offline, or dropped a garbled frame."""

    online: bool
    detail: str


@dataclass
class DemoBadgePresented(Message):
    """The demo panel asked the simulated reader to present this badge."""

    uid: str


@dataclass
class ArchAlarmed(Message):
    """The walk-through arch alarmed (zone when it reports one)."""

    at: datetime
    zone: str | None


@dataclass
class ArchCleared(Message):
    """The arch reported a clean passage, or its alarm ended."""

    at: datetime


@dataclass
class DemoArchTripped(Message):
    """The demo panel asked the simulated arch to alarm."""


@dataclass
class DetectorStatusChanged(Message):
    """The arch's serial line went online or offline (a GPIO contact is always online)."""

    online: bool
    detail: str


@dataclass
class ArchPassed(Message):
    """A learner walked through the arch clear (its pass line, or the beam at its exit)."""

    at: datetime


@dataclass
class PhoneBadgeScanned(Message):
    """A badge at the phone station's own reader: that learner's phone is in their slot."""

    uid: str
    read_at: datetime
