"""`kiosk export attendance` and `kiosk export searches`: the files the MIS and the DSL receive."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kiosk.config import SchoolConfig
from kiosk.domain.attendance import RefusalKind
from kiosk.domain.people import StaffRef
from kiosk.door.arrivals import admit, refuse
from records.models import FoundItemRecord, LearnerRecord, SearchRecord, StaffRecord

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 11, 23)
SCHOOL = SchoolConfig(name="Test Academy")

ROSTER = (
    "mis_id,upn,surname,forename,sex\n"
    "A1,,Early,Ava,F\n"
    "A2,,Edge,Eli,M\n"
    "A3,,Late,Lola,F\n"
    "A4,,Closed,Cai,M\n"
    "A5,,Refused,Rae,F\n"
    "A6,,Absent,Abe,M\n"
    "A7,,=Brown,+Jo,F\n"
    "A8,,Complied,Cara,F\n"
)


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 11, 23, hh, mm, ss, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def school(upgraded, write) -> Session:
    assert upgraded("roster", "import", str(write("roster.csv", ROSTER)))[0] == 0
    engine = create_engine(f"sqlite:///{upgraded.db}")
    session = Session(engine)
    yield session
    session.close()
    engine.dispose()


def learner(session: Session, mis_id: str) -> int:
    return session.scalars(select(LearnerRecord.id).where(LearnerRecord.mis_id == mis_id)).one()


def morning(session: Session) -> None:
    """Each arrival is its own transaction, as at the kiosk."""
    for mis_id, t in [
        ("A1", at(8, 39, 59)),
        ("A2", at(8, 40)),
        ("A3", at(9, 10)),
        ("A4", at(9, 10, 1)),
        ("A7", at(8, 50, 30)),
    ]:
        admit(session, learner(session, mis_id), arrived_at=t, admitted_at=t, school=SCHOOL)
        session.commit()
    refuse(
        session,
        learner(session, "A5"),
        at=at(8, 45),
        kind=RefusalKind.SCREENING,
        school=SCHOOL,
        by=None,
    )
    session.commit()
    refuse(
        session,
        learner(session, "A8"),
        at=at(8, 41),
        kind=RefusalKind.SCREENING,
        school=SCHOOL,
        by=None,
    )
    admit(
        session, learner(session, "A8"), arrived_at=at(8, 55), admitted_at=at(8, 55), school=SCHOOL
    )
    session.commit()
    # A second tap the same session changes nothing.
    admit(
        session, learner(session, "A1"), arrived_at=at(9, 30), admitted_at=at(9, 30), school=SCHOOL
    )
    session.commit()


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_attendance_export_has_one_row_per_learner_with_the_right_code(upgraded, school) -> None:
    morning(school)
    code, out, err = upgraded("export", "attendance", "--date", DAY.isoformat())
    assert code == 0, err
    assert (
        out.splitlines()[0] == "mis_id,upn,surname,forename,date,session,code,minutes_late,comment"
    )
    by_id = {r["mis_id"]: r for r in rows(out)}
    assert len(rows(out)) == 8
    got = {k: (r["code"], r["minutes_late"], r["comment"]) for k, r in by_id.items()}
    assert got == {
        "A1": ("/", "0", ""),
        "A2": ("L", "0", ""),
        "A3": ("L", "30", ""),
        "A4": ("U", "30", ""),
        "A5": ("O", "0", "refused screening: not admitted"),
        "A6": ("N", "0", ""),
        "A7": ("L", "10", ""),
        "A8": ("L", "15", ""),
    }
    assert all(r["date"] == "2026-11-23" and r["session"] == "AM" for r in by_id.values())


def test_formula_leading_names_are_escaped_in_the_export(upgraded, school) -> None:
    morning(school)
    _, out, _ = upgraded("export", "attendance", "--date", DAY.isoformat())
    row = next(r for r in rows(out) if r["mis_id"] == "A7")
    assert row["surname"] == "'=Brown"
    assert row["forename"] == "'+Jo"


def test_export_to_a_file_writes_the_same_csv(upgraded, school, tmp_path: Path) -> None:
    morning(school)
    out_file = tmp_path / "usb" / "marks.csv"
    out_file.parent.mkdir()
    code, out, _ = upgraded(
        "export", "attendance", "--date", DAY.isoformat(), "--out", str(out_file)
    )
    assert code == 0 and out == ""
    data = out_file.read_bytes()
    assert data.startswith(b"mis_id,upn,") and b"\r\n" in data
    assert len(rows(data.decode("utf-8"))) == 8
    assert [p.name for p in out_file.parent.iterdir()] == ["marks.csv"], "no temporary file left"


def test_export_to_a_missing_folder_is_refused(upgraded, tmp_path: Path) -> None:
    code, _, err = upgraded(
        "export", "attendance", "--date", "2026-11-23", "--out", str(tmp_path / "no" / "x.csv")
    )
    assert code == 2 and "no such folder" in err


def test_afternoon_export_without_an_afternoon_session_is_refused(upgraded) -> None:
    code, _, err = upgraded("export", "attendance", "--date", "2026-11-23", "--session", "PM")
    assert code == 2 and "pm_starts" in err


def test_bad_date_is_a_usage_error(upgraded) -> None:
    with pytest.raises(SystemExit) as exit_:
        upgraded("export", "attendance", "--date", "23/11/2026")
    assert exit_.value.code == 2


def test_search_log_export_names_searcher_witness_items_and_dispositions(
    upgraded, school, write
) -> None:
    upgraded(
        "staff",
        "import",
        str(
            write(
                "staff.csv",
                "staff_id,surname,forename,sex,roles,badge\nS1,Khan,Aisha,F,searcher,\nS2,Evans,Beth,F,screener,\n",
            )
        ),
    )
    s1 = school.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S1")).one()
    s2 = school.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S2")).one()
    search = SearchRecord(
        learner_id=learner(school, "A5"),
        started_at=at(8, 47),
        place="Reception",
        searcher_id=s1.id,
        witness_id=s2.id,
        level="low",
        grounds="arch alarm, chest",
        sought="knife",
        same_sex_searcher=True,
        witness_present=True,
        exception_used=False,
        exception_reason="",
        outcome="items found",
        parent_informed=True,
        dsl_informed=True,
        recorded_by_id=s1.id,
        created_at=at(8, 55),
    )
    search.items.append(
        FoundItemRecord(
            category="weapon",
            description="folding knife",
            disposition="handed to police",
            handed_to="PC 123",
            police_reference="CAD 4411",
        )
    )
    search.items.append(
        FoundItemRecord(
            category="school_rules", description="vape", disposition="returned to parent"
        )
    )
    school.add(search)
    school.commit()
    code, out, err = upgraded(
        "export", "searches", "--from", "2026-11-23", "--to", "2026-11-23", "--by", "S1"
    )
    assert code == 0, err
    (row,) = rows(out)
    assert ",".join(row) == (
        "search_id,date,time,learner_mis_id,learner_name,learner_sex,grounds,searcher,"
        "searcher_sex,witness,witness_sex,same_sex_searcher,witness_present,exception_used,"
        "exception_reason,level,outcome,items,dispositions,parent_informed,dsl_informed,"
        "place,sought,disposition_reasons,handed_to,police_references,consent,"
        "physical_intervention,adjustments,parent_informed_at,parent_informed_how,"
        "parent_not_informed_reason,dsl_informed_at,dsl_informed_by,witness_relation,"
        "witness_is_staff"
    )
    assert row["time"] == "08:47" and row["date"] == "2026-11-23"
    assert (row["witness_is_staff"], row["witness_relation"]) == ("Y", "")
    assert row["learner_name"] == "Rae Refused" and row["learner_sex"] == "F"
    assert row["searcher"] == "Aisha Khan" and row["witness"] == "Beth Evans"
    assert row["same_sex_searcher"] == "Y" and row["exception_used"] == "N"
    assert "folding knife" in row["items"] and "vape" in row["items"]
    assert "CAD 4411" in row["dispositions"]
    code, out, _ = upgraded(
        "export", "searches", "--from", "2026-11-24", "--to", "2026-11-30", "--by", "S1"
    )
    assert code == 0 and rows(out) == []


def test_search_log_with_to_before_from_is_refused(upgraded) -> None:
    code, _, err = upgraded(
        "export", "searches", "--from", "2026-11-23", "--to", "2026-11-01", "--by", "S1"
    )
    assert code == 2 and "before" in err


def test_r37_the_search_log_carries_place_sought_reasons_handed_to_and_who_was_told(
    upgraded, school, write
) -> None:
    """R37: place, what was sought, the disposal reason, who it was handed to, the police
    reference, consent, force, and when and how parents and the DSL were told."""
    staff = "staff_id,surname,forename,sex,roles,badge\nS1,Khan,Aisha,F,searcher,\n"
    upgraded("staff", "import", str(write("staff.csv", staff)))
    s1 = school.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S1")).one()
    search = SearchRecord(
        learner_id=learner(school, "A5"), started_at=at(8, 47), place="Side room 2",
        searcher_id=s1.id, witness_id=None, level="low", grounds="smell of cannabis",
        sought="controlled drugs", same_sex_searcher=True, witness_present=False,
        exception_used=False, outcome="drugs found", parent_informed=True,
        parent_informed_at=at(9, 5), parent_informed_how="phone", dsl_informed=True,
        dsl_informed_at=at(8, 56), dsl_informed_by="email to dsl@school.example",
        consent="yes", physical_intervention="", recorded_by_id=s1.id, created_at=at(8, 55),
    )  # fmt: skip
    search.items.append(
        FoundItemRecord(
            category="controlled_drug", description="cannabis resin", disposition="disposed of",
            disposition_reason="residue only; police advised disposal", handed_to="Ms Head",
        )
    )  # fmt: skip
    school.add(search)
    school.commit()
    code, out, err = upgraded(
        "export", "searches", "--from", "2026-11-23", "--to", "2026-11-23", "--by", "S1"
    )
    assert code == 0, err
    (row,) = rows(out)
    assert (row["place"], row["sought"]) == ("Side room 2", "controlled drugs")
    assert row["disposition_reasons"] == "cannabis resin: residue only; police advised disposal"
    assert row["handed_to"] == "cannabis resin: Ms Head"
    assert (row["consent"], row["parent_informed_how"]) == ("yes", "phone")
    assert row["parent_informed_at"].endswith("09:05")
    assert row["dsl_informed_by"] == "email to dsl@school.example"
    assert row["dsl_informed_at"].endswith("08:56")


def test_r35_exporting_the_search_log_is_recorded_with_who_and_the_days(
    upgraded, school, write
) -> None:
    """R35: `kiosk export searches` names who exports it; the audit log keeps who, when and
    the days; an unknown member of staff exports nothing."""
    import getpass
    import json

    from kiosk.exports import SEARCH_LOG_READ
    from records.audit import AuditRecord

    staff = "staff_id,surname,forename,sex,roles,badge\nS1,Khan,Aisha,F,dsl,\n"
    upgraded("staff", "import", str(write("staff.csv", staff)))
    out = write("searches.csv", "")
    code, _, err = upgraded("export", "searches", "--from", "2026-11-01", "--to", "2026-11-30",
                            "--by", "S1", "--out", str(out))  # fmt: skip
    assert code == 0, err
    code, printed, err = upgraded("export", "searches", "--from", "2026-11-01",
                                  "--to", "2026-11-30", "--by", "NOBODY")  # fmt: skip
    assert code != 0 and "NOBODY" in err and printed == ""

    school.expire_all()
    (entry,) = school.scalars(select(AuditRecord).where(AuditRecord.action == SEARCH_LOG_READ))
    detail = json.loads(entry.detail)
    assert entry.actor_staff_id == "S1" and entry.at.tzinfo is not None
    assert (detail["from"], detail["to"], detail["rows"]) == ("2026-11-01", "2026-11-30", 0)
    assert str(out) in detail["where"]

    # A script written before --by (the command line as published) still exports, and the
    # system account that ran it is what the log names.
    code, _, err = upgraded("export", "searches", "--from", "2026-11-02", "--to", "2026-11-03")
    assert code == 0, err
    school.expire_all()
    entries = school.scalars(select(AuditRecord).where(AuditRecord.action == SEARCH_LOG_READ))
    unnamed = [e for e in entries if e.actor_staff_id is None]
    assert [json.loads(e.detail)["account"] for e in unnamed] == [getpass.getuser()]


def test_r6_the_search_log_names_an_adult_witness_with_their_relation_and_not_staff(
    upgraded, school, write
) -> None:
    """R6: a family member or appropriate adult who witnessed is named in `witness`, with
    their relation, and `witness_is_staff` N; a search with no witness says neither."""
    staff = "staff_id,surname,forename,sex,roles,badge\nS1,Khan,Aisha,F,searcher,\n"
    upgraded("staff", "import", str(write("staff.csv", staff)))
    s1 = school.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S1")).one()
    for minute, name, relation in ((47, "Ngozi O'Brien", "parent"), (52, "", "")):
        school.add(
            SearchRecord(
                learner_id=learner(school, "A5"), started_at=at(8, minute), place="Side room",
                searcher_id=s1.id, witness_id=None, witness_name=name, witness_relation=relation,
                level="low", grounds="arch alarm", sought="knife", same_sex_searcher=True,
                witness_present=bool(name), exception_used=not name, outcome="nothing found",
                parent_informed=False, dsl_informed=False, recorded_by_id=s1.id,
                created_at=at(8, minute),
            )
        )  # fmt: skip
    school.commit()
    code, out, err = upgraded(
        "export", "searches", "--from", "2026-11-23", "--to", "2026-11-23", "--by", "S1"
    )
    assert code == 0, err
    adult, alone = rows(out)
    assert (adult["witness"], adult["witness_relation"], adult["witness_is_staff"]) == (
        "Ngozi O'Brien",
        "parent",
        "N",
    )
    assert (adult["witness_present"], adult["witness_sex"]) == ("Y", "")
    assert (alone["witness"], alone["witness_relation"], alone["witness_is_staff"]) == ("", "", "")


def test_r28_under_the_influence_is_O_in_the_export_with_the_dsl_told_and_the_parent_recorded(
    upgraded, school, write
) -> None:
    """R28: not admitted, suspected under the influence: O with its own comment in the
    attendance export, the attendance officer and the DSL sent messages (the record says the
    DSL is told only once it is delivered), and the parent collecting recorded, once."""
    from kiosk.notify.send import dsl_told_of_refusal
    from kiosk.office.collection import CollectionError, awaiting_collection, record_collected
    from kiosk.office.roll import fire_roll
    from records.models import NotificationRecord, RefusalRecord

    staff = "staff_id,surname,forename,sex,roles,badge\nS3,Evans,Bethan,F,screener,\n"
    upgraded("staff", "import", str(write("staff.csv", staff)))
    bethan = school.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S3")).one()
    refuse(
        school, learner(school, "A6"), at=at(8, 41), kind=RefusalKind.INFLUENCE, school=SCHOOL,
        by=StaffRef(bethan.staff_id), note="smelt of cannabis",
    )  # fmt: skip
    school.commit()
    code, out, err = upgraded("export", "attendance", "--date", DAY.isoformat())
    assert code == 0, err
    (abe,) = [r for r in rows(out) if r["mis_id"] == "A6"]
    assert (abe["code"], abe["comment"]) == (
        "O",
        "not admitted: awaiting collection by a parent or carer",
    )
    told = {n.role: n for n in school.scalars(select(NotificationRecord))}
    assert sorted(told) == ["attendance", "dsl"]
    assert "not an exclusion" in told["attendance"].body
    assert "smelt of cannabis" not in told["attendance"].body  # what staff saw is the DSL's
    assert "smelt of cannabis" in told["dsl"].body
    refusal = school.scalars(select(RefusalRecord)).one()
    assert told["dsl"].refusal_id == refusal.id and refusal.dsl_informed_at is None
    dsl_told_of_refusal(school, refusal.id, at=at(8, 42), by="email to dsl@school.example")
    school.commit()

    [waiting] = awaiting_collection(school, day=DAY, zone=LONDON)
    assert (waiting.name, waiting.at) == ("Absent, Abe", "08:41")
    # Kept apart on site until collected: on the fire roll, with a box to tick.
    kept = [(r.name, r.admitted) for r in fire_roll(school, school=SCHOOL, now=at(9, 0)).learners]
    assert ("Absent, Abe", "08:41, not admitted: kept apart for a parent") in kept
    done = record_collected(
        school, refusal.id, " Ada  Absent, mother ", at=at(9, 20), by=StaffRef("S3"), zone=LONDON
    )
    school.commit()
    assert (done.collected_by, done.at) == ("Ada Absent, mother", "09:20")
    assert awaiting_collection(school, day=DAY, zone=LONDON) == []
    gone = fire_roll(school, school=SCHOOL, now=at(9, 30)).learners
    assert "Absent, Abe" not in [r.name for r in gone]
    with pytest.raises(CollectionError, match="already collected"):
        record_collected(school, refusal.id, "someone else", at=at(9, 30), by=StaffRef("S3"),
                         zone=LONDON)  # fmt: skip
    school.rollback()
    school.expire_all()
    refusal = school.scalars(select(RefusalRecord)).one()
    assert (refusal.collected_by, refusal.collected_recorded_by_id) == (
        "Ada Absent, mother",
        bethan.id,
    )
    assert refusal.collected_at == at(9, 20)
    assert refusal.dsl_informed_by == "email to dsl@school.example"
