"""A power cut in the middle of a burst: `kiosk run` killed with SIGKILL, then restarted.

The promise is the one a learner can check: a tap the kiosk answered on screen ("Good morning,
<name>") before the power went is recorded, once. A tap it had not answered yet may or may not
have been saved; that learner sees no answer and taps again. So the test reads the kiosk's own
terminal for the answers drawn before the cut, whatever the machine's load made of the timing.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from drivers.framing import encode_frame
from tests.drivers.driverfakes import PtyDevice
from tests.reliability.conftest import WAIT_SECONDS, KioskProcess, School, badge, mis_id

LEARNERS = 120
BURST = 80
TAP_EVERY = 0.05  # 20 taps a second: a brisk queue at the door (the taps' pace, not a wait)
ANSWERED_BEFORE_THE_CUT = 30  # the cut comes once this many learners have been answered
# The learner-facing answer to an admitting tap, as drawn on the kiosk's terminal.
ANSWER = re.compile(rb"Good morning, Learner(\d+)")


class Queue(threading.Thread):
    """Learners tapping one after another at the door, until the last one or `stop()`."""

    def __init__(self, reader: PtyDevice, learners: Sequence[int]) -> None:
        super().__init__(daemon=True)
        self.reader, self.learners = reader, learners
        self.tapped: list[int] = []
        self._halt = threading.Event()

    def run(self) -> None:
        for n in self.learners:
            if self._halt.is_set():
                return
            self.reader.write(encode_frame(badge(n)))
            self.tapped.append(n)
            self._halt.wait(TAP_EVERY)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def answered(screen: bytes) -> set[str]:
    """The learners whose tap the kiosk answered on screen."""
    return {mis_id(int(n)) for n in ANSWER.findall(screen)}


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_every_tap_answered_before_a_power_cut_is_kept_once_and_the_restart_takes_the_rest(
    school: Callable[[int], School],
    kiosk_process: Callable[[Path, Path], KioskProcess],
    tmp_path: Path,
) -> None:
    place = school(LEARNERS)
    kiosk = kiosk_process(place.config_path, tmp_path / "kiosk.log")
    kiosk.wait_drawn("Tap your badge")
    kiosk.wait_drawn("reader online")

    door = Queue(place.reader, range(BURST))
    door.start()
    wait_for(
        lambda: len(answered(kiosk.screen())) >= ANSWERED_BEFORE_THE_CUT,
        f"{ANSWERED_BEFORE_THE_CUT} learners answered",
    )
    kiosk.kill()  # mid-burst: learners are still tapping
    door.stop()

    told = answered(kiosk.screen())  # everything drawn before the process died
    assert len(told) >= ANSWERED_BEFORE_THE_CUT
    recorded = [who for who, _ in place.marks()]
    assert len(recorded) == len(set(recorded)), "a tap was recorded twice"
    assert told <= set(recorded), f"answered but lost: {sorted(told - set(recorded))}"
    assert set(recorded) <= {mis_id(n) for n in door.tapped}
    assert place.admissions_audited() == len(recorded)
    with sqlite3.connect(place.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    # The power comes back: everyone still queuing (and whoever was not answered) taps again.
    kiosk = kiosk_process(place.config_path, tmp_path / "kiosk.log")
    kiosk.wait_drawn("reader online")
    rest = Queue(place.reader, [n for n in range(LEARNERS) if mis_id(n) not in recorded])
    rest.start()
    rest.join()
    wait_for(lambda: len(place.marks()) >= LEARNERS, "every learner's mark")
    final = [who for who, _ in place.marks()]
    assert sorted(final) == sorted(mis_id(n) for n in range(LEARNERS)), "each exactly once"
    assert place.admissions_audited() == LEARNERS
    kiosk.kill()
    with sqlite3.connect(place.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
