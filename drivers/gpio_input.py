"""A GPIO input whose edges its driver times itself: the arch's alarm contact, the exit beam."""

from __future__ import annotations

from typing import Any

from gpiozero import DigitalInputDevice


class TimedInput:
    """Holds `_device`, the input on the driver's pin: active while something pulls the pin
    against its pull resistor (the pull-up, unless `active_high`).

    gpiozero's own `bounce_time` is left off: it differs between pin libraries and mock pins
    ignore it, so the driver times the edges it is given.
    """

    _device: DigitalInputDevice

    def _open_input(self, pin: int | str, *, active_high: bool, pin_factory: Any) -> None:
        self._device = DigitalInputDevice(
            pin, pull_up=not active_high, bounce_time=None, pin_factory=pin_factory
        )

    @property
    def pin(self) -> Any:
        """The gpiozero pin (a `MockPin` under the mock factory)."""
        return self._device.pin
