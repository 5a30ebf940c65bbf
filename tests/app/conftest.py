"""The app on a real SQLite file with the demo school and the simulated reader and outputs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from gpiozero.pins.mock import MockFactory

from drivers import ManualClock, SimulatedDetector, SimulatedReader, simulated_outputs
from kiosk.config import DetectorConfig, PolicyConfig
from kiosk.station.app import KioskApp, make_app
from kiosk.station.devices import Devices
from kiosk.station.launch import demo_badges
from tests.books import demo_school

LONDON = ZoneInfo("Europe/London")


class Station:
    """The pieces a test drives: the app, the reader a learner taps, and the output pins."""

    def __init__(
        self,
        folder: Path,
        at: datetime,
        policy: PolicyConfig | None = None,
        demo: bool = True,
        detector: DetectorConfig | None = None,
        extra: Callable[[Devices], None] | None = None,
    ) -> None:
        self.config, self.book = demo_school(folder)
        # Unless a test fits one, the arch gives no passage signal: staff confirm each walk.
        self.config = replace(self.config, detector=detector or DetectorConfig(driver="none"))
        if policy is not None:
            self.config = replace(self.config, policy=policy)
        self.clock = ManualClock(at)
        self.pins = MockFactory()
        self.reader = SimulatedReader(repeat_suppress_seconds=3.0, clock=self.clock)
        self.outputs = simulated_outputs(pin_factory=self.pins)
        self.devices = Devices(
            reader=self.reader,
            outputs=self.outputs,
            close_all=self.close,
            demo_badges=demo_badges(self.book) if demo else (),
            present=self.reader.present,
        )
        if extra is not None:
            extra(self.devices)  # fitted before the app, which wires them as it starts
        self.app: KioskApp = make_app(self.config, self.book, self.devices, clock=self.clock.now)

    def close(self) -> None:
        self.reader.close()
        self.outputs.close()


MORNING = datetime(2026, 11, 23, 8, 30, tzinfo=LONDON).astimezone(UTC)
SCREENING = PolicyConfig(phone_handin="required", screening="required", staff_idle_lock_seconds=600)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Station]:
    """A screening station: phones required, everyone screened, no demo panel."""
    st = Station(tmp_path, MORNING, SCREENING, demo=False)
    yield st
    st.close()
    st.book.close()


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    st = Station(tmp_path, MORNING, PolicyConfig(phone_handin="off", screening="off"))
    yield st
    st.close()
    st.book.close()


LANE = PolicyConfig(
    phone_handin="required",
    screening="required",
    phone_slots="1-40",
    staff_idle_lock_seconds=600,
)


class LaneStation(Station):
    """A station with a phone-station reader and an arch that reports passages."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            folder,
            MORNING,
            LANE,
            demo=False,
            detector=DetectorConfig(driver="serial", port="simulated"),
            extra=self._fit,
        )

    def _fit(self, devices: Devices) -> None:
        self.phone = SimulatedReader(repeat_suppress_seconds=3.0, clock=self.clock)
        self.arch = SimulatedDetector(clock=self.clock)
        devices.phone_reader = self.phone
        devices.detector = self.arch

    def close(self) -> None:
        super().close()
        self.phone.close()
        self.arch.close()


@pytest.fixture
def lane(tmp_path: Path) -> Iterator[LaneStation]:
    st = LaneStation(tmp_path)
    yield st
    st.close()
    st.book.close()
