"""A power cut in the middle of a burst: `kiosk run` killed with SIGKILL, then restarted."""

from __future__ import annotations

import sqlite3
import time

from drivers.framing import encode_frame
from tests.reliability.conftest import badge, mis_id

LEARNERS = 120
TAP_EVERY = 0.05  # 20 taps a second: a brisk queue at the door


def test_every_tap_before_a_power_cut_is_kept_once_and_the_restarted_kiosk_takes_the_rest(
    school, kiosk_process, tmp_path
) -> None:
    place = school(LEARNERS)
    kiosk = kiosk_process(place.config_path, tmp_path / "kiosk.log")
    kiosk.wait_drawn("Tap your badge")
    kiosk.wait_drawn("reader online")

    tapped_at: list[float] = []
    for n in range(80):
        place.reader.write(encode_frame(badge(n)))
        tapped_at.append(time.monotonic())
        time.sleep(TAP_EVERY)
    cut = time.monotonic()  # the taps go on right up to the cut
    kiosk.kill()

    settled = {mis_id(n) for n, at in enumerate(tapped_at) if at <= cut - 1.0}
    assert len(settled) >= 50
    recorded = [who for who, _ in place.marks()]
    assert len(recorded) == len(set(recorded)), "a tap was recorded twice"
    assert settled <= set(recorded), f"lost: {sorted(settled - set(recorded))}"
    assert place.admissions_audited() == len(recorded)
    with sqlite3.connect(place.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    # The power comes back: everyone still queuing (and whoever was cut off) taps again.
    kiosk = kiosk_process(place.config_path, tmp_path / "kiosk.log")
    kiosk.wait_drawn("reader online")
    for n in range(LEARNERS):
        if mis_id(n) not in recorded:
            place.reader.write(encode_frame(badge(n)))
            time.sleep(TAP_EVERY)
    deadline = time.monotonic() + 10
    while len(place.marks()) < LEARNERS and time.monotonic() < deadline:
        time.sleep(0.05)
    final = [who for who, _ in place.marks()]
    assert sorted(final) == sorted(mis_id(n) for n in range(LEARNERS)), "each exactly once"
    assert place.admissions_audited() == LEARNERS
    kiosk.kill()
    with sqlite3.connect(place.db) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
