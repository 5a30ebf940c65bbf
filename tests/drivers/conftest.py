"""Fixtures for the drivers suite: gpiozero mock pins, pseudo-terminals, hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from hypothesis import settings

from tests.drivers.driverfakes import PtyDevice

settings.register_profile("fuzz", max_examples=20_000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz":
    settings.load_profile("fuzz")


@pytest.fixture
def mock_factory() -> Iterator[MockFactory]:
    """A fresh MockFactory as the default pin factory, reset afterwards (as gpiozero's tests do)."""
    saved = Device.pin_factory
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    if Device.pin_factory is not None:
        Device.pin_factory.reset()
    Device.pin_factory = saved


@pytest.fixture
def pty_device() -> Iterator[Callable[..., PtyDevice]]:
    """Make pseudo-terminal devices (optionally behind a symlink); all closed afterwards."""
    made: list[PtyDevice] = []

    def make(link: Path | None = None) -> PtyDevice:
        device = PtyDevice(link)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()
