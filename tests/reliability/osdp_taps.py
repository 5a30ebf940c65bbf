"""A card presented to an OSDP reader at a running `kiosk run`, again if the read was lost."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from drivers.wiegand_formats import WiegandFormat
from tests.drivers.osdpfakes import OsdpPeripheral
from tests.reliability.conftest import WAIT_SECONDS

# A card as a reader reads it: its Wiegand format, card number and facility code.
Card = tuple[WiegandFormat, int, int]


def tap(
    reader: OsdpPeripheral,
    card: Card,
    *,
    port: str | Path,
    log: Path,
    done: Callable[[], bool],
    what: str,
) -> None:
    """Present `card` to `reader` (on `port`) until `done`, as a learner taps again when the
    reader did not answer. This fake reader, a Python thread, can miss its poll deadline on a
    loaded machine; the kiosk then drops it off the bus (and logs it to `log`) and a read it
    had sent in that moment is gone. The card is presented again only after such a drop and
    the reader's return, and only if the first read has still not been acted on."""
    drops = f"address {reader.address} stopped answering"
    returns = f"{port}: OSDP reader vendor"
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        said = log.read_text(encoding="utf-8")
        dropped, back = said.count(drops), said.count(returns)
        reader.present(*card)
        while not done():
            said = log.read_text(encoding="utf-8")
            if said.count(drops) > dropped and said.count(returns) > back:
                break  # dropped and back since the read: a read in flight is lost
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}; the kiosk's log:\n{said[-3000:]}"
                )
            time.sleep(0.01)
        else:
            return
        # Back on the bus: a read it still held arrives with its first poll.
        time.sleep(0.5)
        if done():
            return
