"""What the station's controllers need of the app: kept narrow, so each reads on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from textual.screen import Screen
from textual.timer import Timer

from kiosk.config import Config
from kiosk.database import Book
from kiosk.domain import lane as rules
from kiosk.door.lane import LaneKeeper
from kiosk.hub import SyncWorker
from kiosk.screens.greeting import GreetingScreen, Tone
from kiosk.screens.idle import IdleScreen
from kiosk.screens.lane import LaneChoice
from kiosk.station.devices import Devices
from kiosk.station.kept_screen import ScreenKeeper
from kiosk.station.known_badges import KnownBadges
from kiosk.station.writer import Writer

T = TypeVar("T")
Job = Callable[[], Any]
Then = Callable[[T], None]  # a step's answer, back on the UI thread
Failed = Callable[[BaseException], None]  # its failure for good, once staff are told


class DeskHost(ScreenKeeper, Protocol):
    """What a staff desk needs: the book, the clock, the writer, and screens to push."""

    config: Config
    book: Book
    clock: Callable[[], datetime]
    keeper: LaneKeeper
    export_folder: str  # where the office's exports go unless staff choose another

    def push_screen(self, screen: Screen[Any], callback: Any = None) -> Any: ...
    async def push_screen_wait(self, screen: Screen[Any]) -> Any: ...
    def run_worker(
        self,
        work: Any,
        *,
        thread: bool = False,
        exclusive: bool = False,
        group: str = "default",
    ) -> Any: ...
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
    ) -> None: ...
    def set_timer(self, delay: float, callback: Callable[[], Any]) -> Timer: ...
    def greet(self, headline: str, next_step: str, *, tone: Tone) -> None: ...
    def back_to_idle(self) -> None: ...
    def show_lane(self, *, office: bool, then: Callable[[LaneChoice | None], None]) -> None: ...
    def submit(self, job: Job, then: Then[Any], *, failed: Failed | None = None) -> None: ...
    def read(self, job: Job, then: Then[Any], failed: Failed | None = None) -> None: ...


class StationHost(DeskHost, Protocol):
    """What the learner-facing side needs besides: the screens it answers on, the outputs."""

    devices: Devices
    idle: IdleScreen
    greeting: GreetingScreen
    writer: Writer
    sync: SyncWorker | None
    known_badges: KnownBadges

    @property
    def screen(self) -> Screen[object]: ...
    def greet(
        self, headline: str, next_step: str, *, tone: Tone, hold: float | None = None
    ) -> None: ...
    def close_answers(self) -> None: ...
    def drive_outputs(self, signal: rules.Signal) -> None: ...
    def outputs_idle(self) -> None: ...
    # The one place a learner's answer goes out: looked up on the app at each call, so a
    # wrapper set on the instance (the bench's) sees every answer.
    def _tell(self, tell: rules.Tell) -> None: ...
    def set_interval(self, interval: float, callback: Callable[[], Any]) -> Timer: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
    def submit(
        self, job: Job, then: Then[Any], *, urgent: bool = False, failed: Failed | None = None
    ) -> None: ...


class StepFailed(Exception):
    """A staff flow's step failed for good (a write not recorded, a read not made): staff
    were told; the flow ends at the queue."""


async def answered(start: Callable[[Then[T], Failed], object]) -> T:
    """A step that answers through callbacks (the writer, the lane, a read), awaited by a
    staff flow: `start(then, failed)`, where `failed` raises `StepFailed` in the flow. An
    answer that comes after the flow was cancelled (the lock) is dropped."""
    future: asyncio.Future[T] = asyncio.get_running_loop().create_future()

    def then(result: T) -> None:
        if not future.done():
            future.set_result(result)

    def failed(error: BaseException) -> None:
        if not future.done():
            future.set_exception(StepFailed(str(error)))

    start(then, failed)
    return await future


__all__ = ["DeskHost", "Failed", "Job", "StationHost", "StepFailed", "Then", "answered"]
