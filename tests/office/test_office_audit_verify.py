"""`kiosk audit verify`: exit 0 on an intact chain; an entry edited behind its back is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select, text, update

from records.audit import AuditRecord, anchor_unsealed_log, append_audit
from records.keys import anchor_path, load_key
from records.models import SessionMarkRecord, StaffRecord
from records.staff_seals import seal_staff
from tests.office.conftest import Office

AT = datetime(2025, 3, 3, 8, 40, tzinfo=UTC)


def write_entries(office: Office, count: int = 3) -> None:
    # Each entry is about a mark, so the marks are written too: verify compares them.
    with office.book.sessions.begin() as session:
        for n in range(count):
            mark = SessionMarkRecord(
                learner_id=office.book.learner_id,
                date=AT.date() + timedelta(days=n),
                session="AM",
                code="L",
                minutes_late=n,
                updated_at=AT,
            )
            session.add(mark)
            session.flush()
            append_audit(
                session,
                at=AT + timedelta(minutes=n),
                actor_staff_id="S1",
                action="learner.admitted",
                entity="session_marks",
                entity_id=str(mark.id),
                detail={"learner": "A1001", "code": "L", "minutes_late": n},
            )
    # Written without the key, as `kiosk db upgrade` finds a log kept before the key: it anchors
    # the log then, and so does this.
    key_file = office.config.with_name("kiosk.key")
    with office.book.engine.begin() as connection:
        anchor_unsealed_log(connection, anchor_path(key_file), load_key(key_file))


def allow_tampering(connection: Connection) -> None:
    """Drop the append-only triggers, as anyone with full access to the database can."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER audit_log_no_update_or_delete ON audit_log"))
    else:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))


def test_audit_verify_reports_an_intact_chain_with_exit_0(office: Office) -> None:
    write_entries(office)

    code, out, err = office("audit", "verify")

    assert (code, err) == (0, "")
    assert out.startswith("audit log intact: 3 entries; 3 session marks match it")


def test_audit_verify_names_an_entry_whose_detail_was_edited_in_the_database(
    office: Office,
) -> None:
    write_entries(office)
    with office.book.engine.begin() as connection:
        allow_tampering(connection)
        second = connection.scalar(text("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 1"))
        connection.execute(
            text("UPDATE audit_log SET detail = :d WHERE id = :id"),
            {"d": '{"code":"/","learner":"A1001","minutes_late":0}', "id": second},
        )

    code, out, err = office("audit", "verify")

    assert (code, out) == (1, "")
    assert f"audit log broken at entry {second} (learner.admitted at 2025-03-03 08:41:00" in err
    assert "edited" in err
    assert err.count("\n") == 1


def test_audit_verify_names_an_entry_whose_time_was_moved(office: Office) -> None:
    write_entries(office)
    with office.book.engine.begin() as connection:
        allow_tampering(connection)
        first = connection.scalar(text("SELECT min(id) FROM audit_log"))
        connection.execute(
            update(AuditRecord).where(AuditRecord.id == first).values(at=AT - timedelta(hours=1))
        )

    code, _, err = office("audit", "verify")

    assert code == 1
    assert f"entry {first} (learner.admitted at 2025-03-03 07:40:00" in err


def test_audit_verify_names_a_staff_row_whose_roles_were_changed_in_the_file(
    office: Office,
) -> None:
    write_entries(office)
    key = load_key(office.config.with_name("kiosk.key"))
    with office.book.sessions.begin() as session:
        screener = session.scalars(select(StaffRecord).where(StaffRecord.staff_id == "S2")).one()
        seal_staff(screener, key)
    with office.book.engine.begin() as connection:  # write access to the file, no key
        connection.execute(text("UPDATE staff SET roles = 'dsl;office' WHERE staff_id = 'S2'"))

    code, out, err = office("audit", "verify")

    assert (code, out) == (1, "")
    assert "staff rows changed outside the kiosk" in err and "S2" in err
