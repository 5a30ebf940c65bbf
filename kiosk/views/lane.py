"""The staff queue as the lane screen shows it: one row a learner in flight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.lane import BLOCKING, Need, Unattributed
from kiosk.domain.screening import ScreeningResult
from kiosk.domain.station import Step


@dataclass(frozen=True)
class LaneRow:
    """One learner in flight as the staff queue shows them."""

    learner_id: int
    first_name: str
    step: Step
    slot: str
    since: datetime
    needs: tuple[Need, ...]
    in_arch: int | None  # place in the arch queue; 1 is the learner in the arch now
    arrived_at: datetime
    phone_done: bool
    selected: bool
    screening: ScreeningResult | None
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

    @property
    def alarmed(self) -> tuple[LaneRow, ...]:
        """The learners held by an arch alarm, waiting for a wand check or a search."""
        return tuple(r for r in self.rows if Need.ALARM in r.needs)

    @property
    def alarm_outstanding(self) -> bool:
        """An arch alarm nobody has dealt with yet: a learner held for a search, or nobody's."""
        return bool(self.alarms or self.alarmed)
