"""The use cases without the screen: a tap's transaction and a day's export, on a real SQLite file.

The end-to-end figures (tap to screen, burst, cold start, memory, exports) are in endtoend.py.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.config import SchoolConfig
from kiosk.database import open_book
from kiosk.door.checkin import sign_in
from records.database import upgrade
from records.models import BadgeRecord, LearnerRecord

LEARNERS = 2000
SCHOOL = SchoolConfig()
LONDON = ZoneInfo("Europe/London")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        book = open_book(url)
        now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
        with book.sessions.begin() as session:
            for n in range(LEARNERS):
                learner = LearnerRecord(
                    mis_id=f"B{n:05d}",
                    surname=f"Surname{n}",
                    forename=f"Forename{n}",
                    sex="F",
                    created_at=now,
                    updated_at=now,
                )
                session.add(learner)
                session.flush()
                session.add(
                    BadgeRecord(
                        key=f"EM:{n:08X}",
                        enrolled_as=f"00{n:08X}",
                        learner_id=learner.id,
                        enrolled_at=now,
                    )
                )

        taps = []
        arrival = datetime(2026, 11, 23, 8, 30, tzinfo=LONDON)
        for n in range(LEARNERS):
            started = time.perf_counter()
            sign_in(
                book.sessions,
                f"00{n:08X}",
                at=arrival + timedelta(milliseconds=n * 500),
                school=SCHOOL,
            )
            taps.append((time.perf_counter() - started) * 1000)
        print(f"tap_transaction_p50_ms: {_percentile(taps, 0.50):.2f}")
        print(f"tap_transaction_p95_ms: {_percentile(taps, 0.95):.2f}")
        print(f"tap_transaction_p99_ms: {_percentile(taps, 0.99):.2f}")

        book.close()
