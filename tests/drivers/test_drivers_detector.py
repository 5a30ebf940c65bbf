"""The arch: an alarm contact on gpiozero's mock pins, and a serial arch on a pseudo-terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from drivers.clock import ManualClock
from drivers.detector import AlarmContact, LineSplitter, SerialDetector, open_detector
from drivers.events import AlarmCleared, AlarmRaised, DetectorOffline, DetectorOnline
from tests.drivers.driverfakes import PtyDevice, Recorder, detector_callbacks, wait_until

QUIET = 0.15  # long enough past a 0.05 s bounce time for a late event to have shown up


def test_normally_closed_contact_reads_a_cut_cable_as_an_alarm(mock_factory: MockFactory) -> None:
    # active_high=False: pull-up on, the closed contact holds the pin LOW. With nothing
    # connected (a cut cable) the pull-up takes the pin HIGH: an alarm.
    with AlarmContact(17, active_high=False, bounce_time=None) as contact:
        assert contact.pin.pull == "up"
        assert contact.pin.state is True
        assert contact.is_alarm


def test_normally_closed_contact_alarms_when_it_opens(mock_factory: MockFactory) -> None:
    recorder = Recorder()
    pin = mock_factory.pin(17)
    with AlarmContact(17, bounce_time=None, **detector_callbacks(recorder)) as contact:
        pin.drive_low()  # contact closed: the arch is quiet
        assert not contact.is_alarm
        pin.drive_high()  # contact opens on alarm
        assert contact.is_alarm
        pin.drive_low()
        assert recorder.kinds() == ["AlarmCleared", "AlarmRaised", "AlarmCleared"]
        assert recorder.of(AlarmRaised)[0].zone is None


def test_active_high_contact_alarms_on_a_high_pin(mock_factory: MockFactory) -> None:
    recorder = Recorder()
    pin = mock_factory.pin(5)
    with AlarmContact(5, active_high=True, bounce_time=None, **detector_callbacks(recorder)) as c:
        assert c.pin.pull == "down"
        assert not c.is_alarm  # a cut cable reads as quiet with this wiring
        pin.drive_high()
        assert c.is_alarm
        pin.drive_low()
        assert not c.is_alarm
        assert recorder.kinds() == ["AlarmRaised", "AlarmCleared"]


def quiet_contact(
    factory: MockFactory, recorder: Recorder, clock: ManualClock | None = None
) -> AlarmContact:
    """A debounced normally-closed contact, settled in its quiet state, events forgotten."""
    contact = AlarmContact(17, bounce_time=0.05, clock=clock, **detector_callbacks(recorder))
    factory.pin(17).drive_low()  # the pull-up read HIGH until the closed contact is wired
    recorder.wait_for(AlarmCleared)
    recorder.events.clear()
    return contact


def test_contact_bounce_shorter_than_bounce_time_gives_one_event(
    mock_factory: MockFactory,
) -> None:
    recorder = Recorder()
    pin = mock_factory.pin(17)
    with quiet_contact(mock_factory, recorder) as contact:
        started = time.monotonic()
        for _ in range(5):  # relay chatter as it opens
            pin.drive_high()
            pin.drive_low()
        pin.drive_high()
        (alarm,) = recorder.wait_for(AlarmRaised)
        assert time.monotonic() - started >= 0.05
        time.sleep(QUIET)
        assert recorder.kinds() == ["AlarmRaised"]
        assert contact.is_alarm
        assert alarm.at.tzinfo is not None


def test_glitch_shorter_than_bounce_time_gives_no_event(mock_factory: MockFactory) -> None:
    recorder = Recorder()
    pin = mock_factory.pin(17)
    with quiet_contact(mock_factory, recorder) as contact:
        pin.drive_high()
        pin.drive_low()
        time.sleep(QUIET)
        assert recorder.events == []
        assert not contact.is_alarm


def test_alarm_is_timed_from_the_first_edge_not_the_end_of_the_bounce(
    mock_factory: MockFactory,
) -> None:
    clock = ManualClock()
    recorder = Recorder()
    pin = mock_factory.pin(17)
    with quiet_contact(mock_factory, recorder, clock):
        first_edge = clock.now()
        pin.drive_high()
        clock.advance(0.02)
        pin.drive_low()
        pin.drive_high()
        (alarm,) = recorder.wait_for(AlarmRaised)
        assert alarm.at == first_edge


def test_closed_contact_releases_its_pin_and_reports_nothing_more(
    mock_factory: MockFactory,
) -> None:
    recorder = Recorder()
    pin = mock_factory.pin(17)
    contact = AlarmContact(17, bounce_time=0.05, **detector_callbacks(recorder))
    contact.close()
    pin.drive_low()
    time.sleep(QUIET)
    assert recorder.events == []
    with AlarmContact(17) as again:  # the pin is free again
        assert again.closed is False
    contact.close()


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"ALARM\r\nPASS\r\n", ["ALARM", "PASS"]),
        (b"ALARM\nPASS\rCLEAR\n\n", ["ALARM", "PASS", "CLEAR"]),
        (b"  ALARM zone 3 \r\n", ["ALARM zone 3"]),
        (b"\xffALARM\n", ["\ufffdALARM"]),
    ],
)
def test_arch_lines_end_with_cr_lf_or_either(data: bytes, lines: list[str]) -> None:
    splitter = LineSplitter()
    assert [line for b in data for line in splitter.feed(bytes([b]))] == lines


def test_endless_noise_without_line_breaks_is_cut_into_bounded_lines() -> None:
    lines = LineSplitter(max_length=64).feed(b"x" * 1000)
    assert all(len(line) <= 64 for line in lines)


def test_serial_arch_alarm_with_zone_then_pass_and_unknown_lines_ignored(
    pty_device: Callable[..., PtyDevice],
) -> None:
    device = pty_device()
    recorder = Recorder()
    with SerialDetector(
        device.path,
        alarm_pattern=r"ALARM(?: ZONE (?P<zone>\d+))?",
        clear_pattern="CLEAR|PASS",
        **detector_callbacks(recorder),
    ) as arch:
        recorder.wait_for(DetectorOnline)
        device.write(b"READY\r\nALARM ZONE 4\r\n")
        (alarm,) = recorder.wait_for(AlarmRaised)
        assert alarm.zone == "4"
        assert arch.is_alarm
        device.write(b"PASS\r\nALARM\r\n")
        recorder.wait_for(AlarmRaised, 2)
        assert recorder.of(AlarmRaised)[1].zone is None
        assert len(recorder.of(AlarmCleared)) == 1
        assert arch.ignored_count == 1


def test_serial_arch_unplugged_and_replugged_carries_on(
    pty_device: Callable[..., PtyDevice], tmp_path: Path
) -> None:
    link = tmp_path / "usb-arch"
    first = pty_device(link)
    recorder = Recorder()
    with SerialDetector(str(link), retry_interval=0.1, **detector_callbacks(recorder)) as arch:
        recorder.wait_for(DetectorOnline)
        first.unplug()
        recorder.wait_for(DetectorOffline)
        assert not arch.is_online
        second = pty_device(link)
        recorder.wait_for(DetectorOnline, 2)
        second.write(b"ALARM\n")
        recorder.wait_for(AlarmRaised)
        assert arch.is_online


def test_open_detector_builds_each_driver(mock_factory: MockFactory, tmp_path: Path) -> None:
    assert open_detector("none") is None
    contact = open_detector("gpio", pin=17, active_high=False)
    assert isinstance(contact, AlarmContact)
    contact.close()
    serial_arch = open_detector("serial", port=str(tmp_path / "absent"), retry_interval=0.1)
    assert isinstance(serial_arch, SerialDetector)
    assert wait_until(lambda: serial_arch.last_fault is not None)
    serial_arch.close()
    with pytest.raises(ValueError, match="needs a pin"):
        open_detector("gpio")
    with pytest.raises(ValueError, match="needs a port"):
        open_detector("serial")
    with pytest.raises(ValueError, match="alarm_pattern"):
        open_detector("serial", port="loop://", alarm_pattern="ALARM(")
    with pytest.raises(ValueError, match="unknown detector driver"):
        open_detector("infrared")
