"""Lights, buzzer and door relay on gpiozero's mock pins."""

from __future__ import annotations

import itertools
import time
from functools import partial

import pytest
from gpiozero.exc import GPIOPinInUse
from gpiozero.pins.mock import MockFactory

from drivers.outputs import (
    ACCEPTED,
    ALARM,
    REFUSED,
    BeepPattern,
    Buzzer,
    DoorRelay,
    Lights,
    open_outputs,
)
from drivers.simulated import simulated_outputs
from tests.drivers.driverfakes import wait_until

SHORT = 0.05


def highs(pin: object) -> int:
    """How many times a mock pin went HIGH since it was made."""
    states = pin.states  # type: ignore[attr-defined]
    return sum(
        1 for before, after in itertools.pairwise(states) if after.state and not before.state
    )


def test_door_pulse_opens_at_once_and_relocks_after_the_open_time(
    mock_factory: MockFactory,
) -> None:
    with DoorRelay(24, open_seconds=SHORT) as door:
        started = time.monotonic()
        door.pulse()
        assert door.is_open
        assert wait_until(lambda: not door.is_open, timeout=2)
        assert time.monotonic() - started >= SHORT


def test_pulse_and_beeps_do_not_hold_up_the_caller(mock_factory: MockFactory) -> None:
    with DoorRelay(24, open_seconds=2.0) as door, Buzzer(23, alarm=BeepPattern(1.0, 0.0, 2)) as bz:
        started = time.monotonic()
        door.pulse()
        bz.alarm()
        assert time.monotonic() - started < 0.5
        assert door.is_open and bz.is_sounding


def test_second_pulse_while_open_extends_it_without_dropping_the_relay(
    mock_factory: MockFactory,
) -> None:
    with DoorRelay(24, open_seconds=0.15) as door:
        started = time.monotonic()
        door.pulse()
        time.sleep(0.1)
        door.pulse()
        time.sleep(0.1)
        assert door.is_open  # 0.2 s after the first pulse, 0.1 s after the second
        assert wait_until(lambda: not door.is_open, timeout=2)
        assert time.monotonic() - started >= 0.25
        assert highs(door.pin) == 1


def test_active_low_relay_board_is_held_high_while_locked(mock_factory: MockFactory) -> None:
    with DoorRelay(24, active_high=False, open_seconds=SHORT) as door:
        assert door.pin.state is True  # locked from the moment it is made
        door.pulse()
        assert door.pin.state is False
        assert wait_until(lambda: door.pin.state is True, timeout=2)
    assert mock_factory.pin(24).state is True  # closed: still locked


def test_lock_cuts_a_pulse_short(mock_factory: MockFactory) -> None:
    with DoorRelay(24, open_seconds=5.0) as door:
        door.pulse()
        door.lock()
        assert not door.is_open


def test_door_open_time_must_be_positive(mock_factory: MockFactory) -> None:
    with pytest.raises(ValueError, match="positive"):
        DoorRelay(24, open_seconds=0)


def test_buzzer_patterns_are_distinct() -> None:
    patterns = {ACCEPTED, REFUSED, ALARM}
    assert len(patterns) == 3
    assert len({p.n for p in patterns}) == 3


def test_buzzer_sounds_each_pattern_in_the_background(mock_factory: MockFactory) -> None:
    quick = {
        "accepted": BeepPattern(0.01, 0.0, 1),
        "refused": BeepPattern(0.01, 0.01, 2),
        "alarm": BeepPattern(0.01, 0.01, 4),
    }
    for number, (name, pattern) in enumerate(quick.items()):
        with Buzzer(
            10 + number, accepted=quick["accepted"], refused=quick["refused"], alarm=quick["alarm"]
        ) as buzzer:
            getattr(buzzer, name)()
            assert wait_until(partial(lambda b: not b.is_sounding, buzzer), timeout=2)
            time.sleep(pattern.duration)
            assert highs(buzzer.pin) == pattern.n, name


def test_an_alarm_straight_after_an_admission_sounds_every_beep(mock_factory: MockFactory) -> None:
    """The accepting pip's off time, still to come, never cuts short the alarm that follows."""
    alarm = BeepPattern(0.02, 0.02, 8)
    with Buzzer(23, accepted=BeepPattern(0.1, 0.0, 1), alarm=alarm) as buzzer:
        buzzer.accepted()
        buzzer.alarm()
        time.sleep(alarm.duration + 0.2)
        assert highs(buzzer.pin) >= alarm.n


def test_a_steady_green_after_a_timed_one_stays_lit(mock_factory: MockFactory) -> None:
    with open_outputs(22, 27, None, None) as outputs:
        assert outputs.lights is not None
        outputs.lights.show_green(0.05)
        outputs.lights.show_green()
        time.sleep(0.2)
        assert outputs.lights.green_is_lit


def test_outputs_show_admission_alarm_and_refusal(mock_factory: MockFactory) -> None:
    with open_outputs(22, 27, 23, 24, door_open_seconds=1.0) as outputs:
        assert outputs.lights is not None and outputs.door is not None
        outputs.admitted()
        assert outputs.lights.green_is_lit and not outputs.lights.red_is_lit
        assert outputs.door.is_open
        outputs.alarm()
        assert not outputs.door.is_open  # an alarm locks at once
        assert not outputs.lights.green_is_lit
        assert wait_until(lambda: outputs.lights is not None and outputs.lights.red_is_lit)
        outputs.refused()
        assert outputs.lights.red_is_lit and not outputs.door.is_open
        outputs.idle()
        assert not outputs.lights.red_is_lit and not outputs.lights.green_is_lit
        assert outputs.buzzer is not None and not outputs.buzzer.is_sounding


def test_idle_lets_a_door_pulse_run_to_its_end(mock_factory: MockFactory) -> None:
    with open_outputs(22, 27, 23, 24, door_open_seconds=SHORT) as outputs:
        outputs.admitted()
        outputs.idle()
        assert outputs.door is not None and outputs.door.is_open
        assert wait_until(lambda: outputs.door is not None and not outputs.door.is_open)


def test_closing_outputs_leaves_the_door_locked_lights_off_and_buzzer_silent(
    mock_factory: MockFactory,
) -> None:
    outputs = open_outputs(22, 27, 23, 24, relay_active_high=False, door_open_seconds=5.0)
    outputs.admitted()
    outputs.alarm()
    outputs.admitted()
    outputs.close()
    assert mock_factory.pin(24).state is True  # active-low relay: HIGH is locked
    assert mock_factory.pin(22).state is False
    assert mock_factory.pin(27).state is False
    assert mock_factory.pin(23).state is False
    time.sleep(SHORT)
    assert mock_factory.pin(24).state is True  # no background pulse left to reopen it
    outputs.close()  # idempotent


def test_parts_not_fitted_are_skipped(mock_factory: MockFactory) -> None:
    with open_outputs(green_led=None, red_led=27, buzzer=None, door_relay=None) as outputs:
        assert outputs.buzzer is None and outputs.door is None
        outputs.admitted()
        outputs.alarm()
        outputs.refused()
        outputs.idle()
    with Lights(None, None) as lights:
        lights.show_green()
        assert not lights.green_is_lit


def test_a_pin_in_use_leaves_nothing_half_made(mock_factory: MockFactory) -> None:
    with DoorRelay(24), pytest.raises(GPIOPinInUse):
        open_outputs(22, 27, 23, 24)
    with open_outputs(22, 27, 23, 25) as outputs:  # the first three were released
        assert outputs.lights is not None


def test_simulated_outputs_are_real_gpiozero_devices_on_their_own_mock_pins() -> None:
    with simulated_outputs(door_open_seconds=SHORT) as outputs:
        outputs.admitted()
        assert outputs.door is not None and outputs.door.is_open
        assert outputs.door.pin.state is False  # the default active-low relay, energised
        assert wait_until(lambda: outputs.door is not None and not outputs.door.is_open)
    with simulated_outputs() as again:  # its own factory: the same pins are free again
        assert again.lights is not None
