"""A stop in the middle of a burst: every tap the kiosk had read is saved before it exits.

systemd stops the kiosk with SIGTERM (a reboot, an update, the panel's server restarting it).
The reader is fast and the database is not: at a morning's peak the writer has taps queued.
Before, the process died at once and the queued taps were gone; a learner who had been read
but not yet answered walked in with no mark.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from drivers.framing import encode_frame
from tests.reliability.conftest import WAIT_SECONDS, KioskProcess, School, badge

BURST = 150


def marked(db: Path) -> int:
    with sqlite3.connect(db, timeout=10) as conn:
        (count,) = conn.execute("SELECT count(*) FROM session_marks").fetchone()
    return int(count)


def test_sigterm_during_a_burst_saves_every_tap_already_read(
    school: Callable[[int], School],
    kiosk_process: Callable[[Path, Path], KioskProcess],
    tmp_path: Path,
) -> None:
    place = school(BURST)
    log = tmp_path / "kiosk.log"
    kiosk = kiosk_process(place.config_path, log)
    kiosk.wait_drawn("Tap your badge")
    kiosk.wait_drawn("reader online")

    # The whole burst at wire speed: the reader takes it in at once, the writer cannot.
    place.reader.write(b"".join(encode_frame(badge(n)) for n in range(BURST)))
    deadline = time.monotonic() + WAIT_SECONDS
    while marked(place.db) == 0:
        assert time.monotonic() < deadline, "no tap was saved"
        time.sleep(0.01)
    time.sleep(0.3)  # the reader has read the burst's bytes long since; the writer has not
    saved_at_stop = marked(place.db)

    kiosk.kill(signal.SIGTERM)

    assert kiosk.process.returncode is not None
    assert marked(place.db) == BURST, f"{saved_at_stop} saved when the stop came"
    text = log.read_text()
    assert "stopping: saving the taps already read" in text
    assert "not yet saved" not in text
    assert "Traceback" not in text
