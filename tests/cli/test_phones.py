"""`kiosk phones`: the phones handed in on a day and not yet returned, in slot order."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from records.models import LearnerRecord, PhoneHandinRecord

ROSTER = (
    "mis_id,surname,forename,sex,reg_group\n"
    "A1,Khan,Aisha,F,9K\nA2,Reid,Dan,M,9K\nA3,Lee,Jo,F,10R\nA4,Ng,Al,M,10R\n"
)


def test_phones_lists_what_is_still_held_in_slot_order(upgraded, write) -> None:
    """R30: phones handed in are tracked: what is still held, slot by slot."""
    assert upgraded("roster", "import", str(write("r.csv", ROSTER)))[0] == 0
    day = date(2026, 11, 23)
    at = datetime(2026, 11, 23, 8, 35, tzinfo=UTC)
    engine = create_engine(f"sqlite:///{upgraded.db}")
    with Session(engine) as session:
        ids = dict(session.execute(select(LearnerRecord.mis_id, LearnerRecord.id)).all())
        session.add_all(
            [
                PhoneHandinRecord(learner_id=ids["A1"], date=day, handed_in_at=at, slot="10"),
                PhoneHandinRecord(learner_id=ids["A2"], date=day, handed_in_at=at, slot="2"),
                PhoneHandinRecord(
                    learner_id=ids["A3"], date=day, handed_in_at=at, slot="3", returned_at=at
                ),
                PhoneHandinRecord(learner_id=ids["A4"], date=day, handed_in_at=at, no_phone=True),
            ]
        )
        session.commit()
    engine.dispose()
    code, out, _ = upgraded("phones", "--date", "2026-11-23")
    assert code == 0
    lines = out.splitlines()
    assert "2 phone(s) not yet returned" in lines[0]
    assert "Dan Reid" in lines[1] and lines[1].split()[0] == "2"
    assert "Aisha Khan" in lines[2] and lines[2].split()[0] == "10"
    assert "Jo Lee" not in out and "Al Ng" not in out
    code, out, _ = upgraded("phones", "--date", "2026-11-24")
    assert code == 0 and "no phones outstanding" in out
