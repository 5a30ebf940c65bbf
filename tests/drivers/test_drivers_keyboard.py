"""Keyboard-wedge readers: telling a reader's typing from a person's, and the evdev device loop."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, ClassVar

import pytest

from drivers.clock import ManualClock
from drivers.events import BadgeRead, ReaderOffline, ReaderOnline
from drivers.keyboard import (
    EvdevKeyboardReader,
    KeystrokeBadgeBuffer,
    KeystrokeReader,
    MissingDependency,
)
from drivers.readers import open_reader
from tests.drivers.driverfakes import Recorder, reader_callbacks

BADGE = "0000401829"  # the decimal form an EM4100 USB reader types


def typed(
    buffer: KeystrokeBadgeBuffer, keys: list[str], gap: float, start: float = 0.0
) -> list[str]:
    results = []
    for i, key in enumerate(keys):
        uid = buffer.feed(key, start + i * gap)
        if uid is not None:
            results.append(uid)
    return results


def test_reader_speed_digits_and_enter_are_a_badge() -> None:
    assert typed(KeystrokeBadgeBuffer(), [*BADGE, "enter"], gap=0.008) == [BADGE]


def test_a_person_typing_digits_and_enter_is_not_a_badge() -> None:
    assert typed(KeystrokeBadgeBuffer(), [*BADGE, "enter"], gap=0.25) == []


def test_a_pause_before_enter_is_not_a_badge() -> None:
    buffer = KeystrokeBadgeBuffer()
    assert typed(buffer, list(BADGE), gap=0.008) == []
    assert buffer.feed("enter", 1.0) is None


def test_a_reader_scan_after_a_person_typed_is_still_read() -> None:
    buffer = KeystrokeBadgeBuffer()
    assert typed(buffer, list("1234"), gap=0.4) == []
    assert typed(buffer, [*BADGE, "\r"], gap=0.008, start=5.0) == [BADGE]


@pytest.mark.parametrize(
    "keys",
    [
        [*"1234567", "enter"],  # too short
        [*"12345", "x", *"67890", "enter"],  # another key in between
        [*("1" * 30), "enter"],  # too long
        ["enter"],
    ],
    ids=["short", "interrupted", "long", "empty"],
)
def test_runs_that_are_not_badges_are_ignored(keys: list[str]) -> None:
    assert typed(KeystrokeBadgeBuffer(), keys, gap=0.005) == []


def test_hex_badges_are_reported_in_uppercase() -> None:
    assert typed(KeystrokeBadgeBuffer(), [*"04a2b3c4", "enter"], gap=0.005) == ["04A2B3C4"]


def test_keystroke_reader_reports_one_read_per_presentation() -> None:
    clock = ManualClock()
    recorder = Recorder()
    reader = KeystrokeReader(clock=clock, **reader_callbacks(recorder))
    assert reader.is_online

    def scan() -> bool:
        done = False
        for key in [*BADGE, "enter"]:
            clock.advance(0.01)
            done = reader.feed_key(key)
        return done

    assert scan() is True
    assert scan() is False  # the reader repeated itself within a second
    clock.advance(3.0)
    assert scan() is True
    assert [e.uid for e in recorder.of(BadgeRead)] == [BADGE, BADGE]
    assert open_reader("keyboard", "").__class__ is KeystrokeReader


def test_evdev_reader_without_evdev_installed_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "evdev", None)
    with pytest.raises(MissingDependency, match="pip install evdev"):
        EvdevKeyboardReader("/dev/input/by-id/usb-reader-event-kbd")


class FakeNode:
    """A keyboard-wedge reader's event device; a pipe wakes whoever has it open."""

    def __init__(self) -> None:
        self.fd, self._wake = os.pipe()
        self.events: list[Any] = []
        self.grabbed = False
        self.gone = False
        self.lock = threading.Lock()

    def type(self, keys: list[int]) -> None:
        with self.lock:
            for code in keys:
                self.events.append(SimpleNamespace(type=1, code=code, value=1))  # key down
                self.events.append(SimpleNamespace(type=1, code=code, value=0))  # key up
        os.write(self._wake, b"x")

    def pull_out(self) -> None:
        self.gone = True
        os.write(self._wake, b"x")


class FakeInputDevice:
    """Enough of evdev.InputDevice to open, grab, read and close a `FakeNode`."""

    nodes: ClassVar[dict[str, FakeNode]] = {}

    def __init__(self, path: str) -> None:
        node = FakeInputDevice.nodes.get(path)
        if node is None or node.gone:
            raise FileNotFoundError(2, "No such file or directory")
        self._node = node
        self.fd = node.fd

    @classmethod
    def plug(cls, path: str) -> FakeNode:
        cls.nodes[path] = FakeNode()
        return cls.nodes[path]

    def grab(self) -> None:
        self._node.grabbed = True

    def read(self) -> list[Any]:
        os.read(self.fd, 64)
        if self._node.gone:
            raise OSError(19, "No such device")
        with self._node.lock:
            events, self._node.events = self._node.events, []
        return events

    def close(self) -> None:
        pass


KEYS = {f"KEY_{d}": code for d, code in zip("1234567890", range(2, 12), strict=True)}
KEYS |= {"KEY_ENTER": 28, "KEY_A": 30, "KEY_KPENTER": 96}


@pytest.fixture
def fake_evdev(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeInputDevice]]:
    module = ModuleType("evdev")
    module.InputDevice = FakeInputDevice  # type: ignore[attr-defined]
    module.ecodes = SimpleNamespace(EV_KEY=1, ecodes=KEYS)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "evdev", module)
    yield FakeInputDevice
    FakeInputDevice.nodes.clear()


def codes(text: str) -> list[int]:
    return [KEYS[f"KEY_{c}"] for c in text] + [KEYS["KEY_ENTER"]]


def test_evdev_reader_grabs_the_device_reads_badges_and_survives_unplugging(
    fake_evdev: type[FakeInputDevice], tmp_path: Path
) -> None:
    path = "/dev/input/by-id/usb-reader-event-kbd"
    node = fake_evdev.plug(path)
    recorder = Recorder()
    reader = open_reader("keyboard", path, retry_interval=0.05, **reader_callbacks(recorder))
    assert isinstance(reader, EvdevKeyboardReader)
    with reader:
        recorder.wait_for(ReaderOnline)
        assert node.grabbed  # the digits never reach the screen
        node.type(codes(BADGE))
        assert recorder.wait_for(BadgeRead)[0].uid == BADGE

        node.pull_out()
        assert "No such device" in recorder.wait_for(ReaderOffline)[0].reason
        node = fake_evdev.plug(path)
        recorder.wait_for(ReaderOnline, 2)
        node.type(codes("1234567890"))
        assert [e.uid for e in recorder.wait_for(BadgeRead, 2)] == [BADGE, "1234567890"]
