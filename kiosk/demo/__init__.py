"""The invented demo school: a roster and a staff list for `kiosk demo` (no real person)."""

from pathlib import Path

HERE = Path(__file__).parent
DEMO_LEARNERS = HERE / "learners.csv"
DEMO_STAFF = HERE / "staff.csv"
DEMO_PIN = "1234"
