"""A reloaded panel starts a second kiosk: it waits for the first to let go of the devices."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from kiosk.station.device_lock import DevicesBusy, hold_devices


def test_a_second_kiosk_waits_and_is_refused_while_the_first_holds_the_devices(tmp_path) -> None:
    lock = tmp_path / "devices.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from pathlib import Path
                from kiosk.station.device_lock import hold_devices
                held = hold_devices(Path({str(lock)!r}))
                print("held", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DevicesBusy, match="still holds the readers and pins"):
            hold_devices(lock, wait=0.3)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()  # the first kiosk closes
        holder.wait(10)
    held = hold_devices(lock, wait=5.0)  # now the devices are free
    held.close()
