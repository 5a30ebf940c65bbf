"""`kiosk phone confiscate|collected|held`: the escalation, and a parent collecting the phone."""

from __future__ import annotations

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from records.models import NotificationRecord, PhoneHandinRecord

ROSTER = "mis_id,surname,forename,sex,reg_group\nA1,Okafor,Chidi,M,9K\n"
STAFF = "staff_id,surname,forename,sex,roles,badge\nS5,Evans,Beth,F,office,\n"


def _school(upgraded, write) -> None:
    assert upgraded("roster", "import", str(write("r.csv", ROSTER)))[0] == 0
    assert upgraded("staff", "import", str(write("s.csv", STAFF)))[0] == 0


def test_r31_confiscation_escalates_and_the_third_tells_the_attendance_officer(
    upgraded, write
) -> None:
    """R31: first the day, then a second day, then a parent collects; the officer told."""
    _school(upgraded, write)
    said = [upgraded("phone", "confiscate", "A1", "--by", "S5", "--slot", f"E{n}") for n in (1, 2)]
    assert [code for code, _, _ in said] == [0, 0]
    assert "held until the end of the day" in said[0][1]
    assert "held until the end of the next school day" in said[1][1]
    code, out, _ = upgraded("phone", "confiscate", "A1", "--by", "S5", "--slot", "E3")
    assert code == 0
    assert "parent or carer collects it" in out and "attendance officer is told" in out
    engine = create_engine(f"sqlite:///{upgraded.db}")
    with Session(engine) as session:
        roles = [n.role for n in session.scalars(select(NotificationRecord))]
    engine.dispose()
    assert roles == ["attendance"]


def test_r32_a_parent_collecting_the_phone_is_recorded_and_it_leaves_the_held_list(
    upgraded, write
) -> None:
    """R32: "collected by parent" records who and when; the phone is no longer held."""
    _school(upgraded, write)
    for n in (1, 2, 3):
        assert upgraded("phone", "confiscate", "A1", "--by", "S5", "--slot", f"E{n}")[0] == 0
    code, out, _ = upgraded("phone", "held")
    assert code == 0 and "E3" in out and "until a parent or carer collects it" in out
    code, _, err = upgraded("phone", "collected", "A1", "--by", "S5", "--collector", "  ")
    assert code == 1 and "name of the parent or carer" in err
    code, out, _ = upgraded(
        "phone", "collected", "A1", "--by", "S5", "--collector", "Ada Okafor (mother)"
    )
    assert code == 0 and "Ada Okafor (mother)" in out
    code, out, _ = upgraded("phone", "held")
    assert "E3" not in out
    engine = create_engine(f"sqlite:///{upgraded.db}")
    with Session(engine) as session:
        third = session.scalars(
            select(PhoneHandinRecord).where(PhoneHandinRecord.slot == "E3")
        ).one()
        assert third.collected_by == "Ada Okafor (mother)"
        assert third.returned_at is not None and third.returned_by.staff_id == "S5"
    engine.dispose()


def test_r33_earphones_are_confiscated_from_the_command_line_unless_the_roster_permits_them(
    upgraded, write
) -> None:
    roster = "mis_id,surname,forename,sex,earphones\nA1,Okafor,Chidi,M,Y\nA2,Nowak,Zoe,F,\n"
    assert upgraded("roster", "import", str(write("r.csv", roster)))[0] == 0
    assert upgraded("staff", "import", str(write("s.csv", STAFF)))[0] == 0

    code, _, err = upgraded("phone", "confiscate", "A1", "--by", "S5", "--earphones")
    assert code == 1 and "permission for earphones" in err
    code, out, _ = upgraded(
        "phone", "confiscate", "A2", "--by", "S5", "--slot", "E9", "--earphones"
    )
    assert code == 0 and "1st confiscation (earphones)" in out
    code, out, _ = upgraded("phone", "held")
    assert code == 0 and "Zoe Nowak (A2)  earphones confiscated" in out and "A1" not in out
