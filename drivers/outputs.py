"""The kiosk's outputs on GPIO via gpiozero: green and red lights, a buzzer and the door relay.

Every output starts in its safe state (lights off, buzzer silent, door locked) and returns to
it when closed. Nothing here blocks the caller: an output on for a time (the green light, the
door's pulse, the accepting pip, the ones every admission drives) is switched on at once and
off by `drivers.timed_off`'s one thread; patterns (flashing, the alarm's beeps) run on
gpiozero's background threads. Every other change to a device first cancels its pending time,
so a time left over from the last learner never cuts the next signal short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gpiozero

from drivers.closing import Closing
from drivers.timed_off import OFF_TIMER


@dataclass(frozen=True, slots=True)
class BeepPattern:
    """`n` beeps of `on_time` seconds, `off_time` seconds apart."""

    on_time: float
    off_time: float
    n: int

    @property
    def duration(self) -> float:
        return self.n * (self.on_time + self.off_time)


ACCEPTED = BeepPattern(on_time=0.12, off_time=0.0, n=1)  # one short pip
REFUSED = BeepPattern(on_time=0.5, off_time=0.25, n=2)  # two long tones
ALARM = BeepPattern(on_time=0.1, off_time=0.1, n=15)  # three seconds of rapid beeps


class _TimedOutput(Closing):
    """What the buzzer and the door relay share: one gpiozero output that `OFF_TIMER` may hold
    on for a time, so switching it off (now, or for good) cancels that time first.
    """

    _device: gpiozero.OutputDevice

    @property
    def pin(self) -> Any:
        return self._device.pin

    def _off_now(self) -> None:
        OFF_TIMER.cancel(self._device)
        self._device.off()

    def close(self) -> None:
        OFF_TIMER.cancel(self._device)
        if not self._device.closed:
            self._device.off()
            self._device.close()


class Buzzer(_TimedOutput):
    """A buzzer with the kiosk's three patterns: `accepted()`, `refused()`, `alarm()`."""

    def __init__(
        self,
        pin: int | str,
        *,
        active_high: bool = True,
        accepted: BeepPattern = ACCEPTED,
        refused: BeepPattern = REFUSED,
        alarm: BeepPattern = ALARM,
        pin_factory: Any = None,
    ) -> None:
        self.patterns = {"accepted": accepted, "refused": refused, "alarm": alarm}
        self._device = gpiozero.Buzzer(
            pin, active_high=active_high, initial_value=False, pin_factory=pin_factory
        )

    @property
    def is_sounding(self) -> bool:
        return bool(self._device.is_active)

    def play(self, pattern: BeepPattern) -> None:
        """Sound `pattern` in the background, replacing whatever was sounding."""
        if pattern.n == 1:
            OFF_TIMER.on_for(self._device, pattern.on_time)
            return
        OFF_TIMER.cancel(self._device)
        self._device.beep(pattern.on_time, pattern.off_time, n=pattern.n, background=True)

    def accepted(self) -> None:
        self.play(self.patterns["accepted"])

    def refused(self) -> None:
        self.play(self.patterns["refused"])

    def alarm(self) -> None:
        self.play(self.patterns["alarm"])

    def silence(self) -> None:
        self._off_now()


class Lights(Closing):
    """The green and red lights; either may be None (not fitted)."""

    def __init__(
        self,
        green: int | str | None,
        red: int | str | None,
        *,
        active_high: bool = True,
        pin_factory: Any = None,
    ) -> None:
        self._green: gpiozero.LED | None = None
        self._red: gpiozero.LED | None = None
        try:
            if green is not None:
                self._green = gpiozero.LED(
                    green, active_high=active_high, initial_value=False, pin_factory=pin_factory
                )
            if red is not None:
                self._red = gpiozero.LED(
                    red, active_high=active_high, initial_value=False, pin_factory=pin_factory
                )
        except Exception:
            self.close()
            raise

    @property
    def green_is_lit(self) -> bool:
        return self._green is not None and bool(self._green.is_lit)

    @property
    def red_is_lit(self) -> bool:
        return self._red is not None and bool(self._red.is_lit)

    def show_green(self, seconds: float | None = None) -> None:
        """Green on (red off); for `seconds` if given, else until told otherwise."""
        if self._red is not None:
            OFF_TIMER.cancel(self._red)
            self._red.off()
        if self._green is not None:
            if seconds is None:
                OFF_TIMER.cancel(self._green)
                self._green.on()
            else:
                OFF_TIMER.on_for(self._green, seconds)

    def show_red(self, *, flashing: bool = False) -> None:
        """Red on, or flashing (green off), until told otherwise."""
        if self._green is not None:
            OFF_TIMER.cancel(self._green)
            self._green.off()
        if self._red is not None:
            OFF_TIMER.cancel(self._red)
            if flashing:
                self._red.blink(on_time=0.25, off_time=0.25, background=True)
            else:
                self._red.on()

    def off(self) -> None:
        for led in (self._green, self._red):
            if led is not None:
                OFF_TIMER.cancel(led)
                led.off()

    def close(self) -> None:
        for led in (self._green, self._red):
            if led is not None:
                OFF_TIMER.cancel(led)
            if led is not None and not led.closed:
                led.off()
                led.close()


class DoorRelay(_TimedOutput):
    """The door (or turnstile) release relay, pulsed open for `open_seconds`.

    `active_high=False` drives the pin LOW to open, for the common active-low relay boards;
    the pin is set to the locked level the moment the relay is made, so the door never opens
    at start-up. `pulse()` returns at once; a pulse while already open restarts the time
    (the door stays open, without a click, until `seconds` after the latest pulse).
    """

    def __init__(
        self,
        pin: int | str,
        *,
        active_high: bool = True,
        open_seconds: float = 3.0,
        pin_factory: Any = None,
    ) -> None:
        if open_seconds <= 0:
            raise ValueError("door open time must be positive")
        self.open_seconds = open_seconds
        self._device = gpiozero.DigitalOutputDevice(
            pin, active_high=active_high, initial_value=False, pin_factory=pin_factory
        )

    @property
    def is_open(self) -> bool:
        """True while the relay is energised (the door released)."""
        return bool(self._device.is_active)

    def pulse(self, seconds: float | None = None) -> None:
        """Release the door for `seconds` (default `open_seconds`) without blocking."""
        duration = self.open_seconds if seconds is None else seconds
        if duration <= 0:
            raise ValueError("door open time must be positive")
        # On while already on is no change, and the off time moves later: an extension never
        # drops the relay.
        OFF_TIMER.on_for(self._device, duration)

    def lock(self) -> None:
        """Lock now, cutting short any pulse."""
        self._off_now()


class Outputs(Closing):
    """Everything the kiosk drives, by outcome; any part may be None (not fitted)."""

    def __init__(
        self,
        *,
        lights: Lights | None = None,
        buzzer: Buzzer | None = None,
        door: DoorRelay | None = None,
    ) -> None:
        self.lights = lights
        self.buzzer = buzzer
        self.door = door

    def admitted(self) -> None:
        """Green for as long as the door is open, an accepting pip, the door released."""
        seconds = self.door.open_seconds if self.door is not None else 3.0
        if self.lights is not None:
            self.lights.show_green(seconds)
        if self.buzzer is not None:
            self.buzzer.accepted()
        if self.door is not None:
            self.door.pulse()

    def alarm(self) -> None:
        """Door locked at once, red flashing, the alarm pattern."""
        self._stop(flashing=True, pattern="alarm")

    def refused(self) -> None:
        """Door locked at once, red steady, the refusal pattern."""
        self._stop(flashing=False, pattern="refused")

    def _stop(self, *, flashing: bool, pattern: str) -> None:
        if self.door is not None:
            self.door.lock()
        if self.lights is not None:
            self.lights.show_red(flashing=flashing)
        if self.buzzer is not None:
            self.buzzer.play(self.buzzer.patterns[pattern])

    def idle(self) -> None:
        """Lights off and buzzer silent; a door pulse in progress runs to its end."""
        if self.lights is not None:
            self.lights.off()
        if self.buzzer is not None:
            self.buzzer.silence()

    def close(self) -> None:
        """Lock the door, darken the lights, silence the buzzer, release the pins."""
        for part in (self.door, self.lights, self.buzzer):
            if part is not None:
                part.close()


def open_outputs(
    green_led: int | str | None = None,
    red_led: int | str | None = None,
    buzzer: int | str | None = None,
    door_relay: int | str | None = None,
    *,
    relay_active_high: bool = False,
    door_open_seconds: float = 3.0,
    pin_factory: Any = None,
) -> Outputs:
    """Outputs from the `[outputs]` pin numbers (BCM); None means not fitted."""
    parts: list[Closing] = []
    try:
        lights = None
        if green_led is not None or red_led is not None:
            lights = Lights(green_led, red_led, pin_factory=pin_factory)
            parts.append(lights)
        sounder = None
        if buzzer is not None:
            sounder = Buzzer(buzzer, pin_factory=pin_factory)
            parts.append(sounder)
        door = None
        if door_relay is not None:
            door = DoorRelay(
                door_relay,
                active_high=relay_active_high,
                open_seconds=door_open_seconds,
                pin_factory=pin_factory,
            )
            parts.append(door)
    except Exception:
        for part in parts:
            part.close()
        raise
    return Outputs(lights=lights, buzzer=sounder, door=door)
