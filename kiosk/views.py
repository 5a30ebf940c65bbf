"""View models: the plain values use cases build and screens show (screens import nothing lower)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.lane import BLOCKING, Need, Unattributed


@dataclass(frozen=True)
class LaneRow:
    """One learner in flight as the staff queue shows them."""

    learner_id: int
    first_name: str
    step: str  # "phone" | "screening" | "search" | "admit"
    slot: str
    since: datetime
    needs: tuple[Need, ...]
    in_arch: int | None  # place in the arch queue; 1 is the learner in the arch now
    arrived_at: datetime
    phone_done: bool
    selected: bool
    screening: str | None
    search_done: bool
    late_reason: str

    @property
    def blocking(self) -> bool:
        return any(n in BLOCKING for n in self.needs)


@dataclass(frozen=True)
class LaneView:
    """The queue for the staff screen: a snapshot, safe to hand to the UI thread."""

    rows: tuple[LaneRow, ...]
    alarms: tuple[Unattributed, ...]
    admitted: int
    refused: int
    session: str
