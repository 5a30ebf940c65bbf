"""`kiosk purge`: search, screening and phone detail goes; attendance marks and refusals stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from records.audit import AuditRecord, verify_audit
from records.keys import load_key
from records.models import (
    FoundItemRecord,
    NotificationRecord,
    PhoneHandinRecord,
    RefusalRecord,
    ScreeningRecord,
    SearchRecord,
    SessionMarkRecord,
)
from tests.office.conftest import Office
from tests.records.recordbook import Book

OLD = datetime(2025, 3, 3, 8, 45, tzinfo=UTC)
NEW = datetime(2025, 3, 20, 8, 45, tzinfo=UTC)


def add_morning(session: Session, book: Book, at: datetime) -> None:
    """One learner's day: a mark, a phone given back, a screening, a search that found something."""
    day = at.date()
    session.add(
        SessionMarkRecord(
            learner_id=book.learner_id, date=day, session="AM", code="/", updated_at=at
        )
    )
    session.add(
        PhoneHandinRecord(
            learner_id=book.learner_id,
            date=day,
            handed_in_at=at,
            slot="14",
            returned_at=at + timedelta(hours=7),
        )
    )
    screening = ScreeningRecord(
        learner_id=book.learner_id, date=day, screened_at=at, method="arch", result="alarm"
    )
    session.add(screening)
    session.flush()
    search = SearchRecord(
        learner_id=book.learner_id,
        screening_id=screening.id,
        started_at=at,
        place="search room",
        searcher_id=book.searcher_id,
        witness_id=book.witness_id,
        level="low",
        grounds="arch alarm",
        sought="knife",
        same_sex_searcher=True,
        witness_present=True,
        exception_used=False,
        parent_informed=True,
        dsl_informed=False,
        recorded_by_id=book.searcher_id,
        created_at=at,
    )
    search.items.append(
        FoundItemRecord(category="vape", description="e-cigarette", disposition="retained")
    )
    session.add(search)
    session.add(NotificationRecord(created_at=at, role="dsl", subject="s", body="b", sent_at=at))


def counts(book: Book) -> dict[str, int]:
    tables = {
        "marks": SessionMarkRecord,
        "refusals": RefusalRecord,
        "searches": SearchRecord,
        "found_items": FoundItemRecord,
        "screenings": ScreeningRecord,
        "phone_handins": PhoneHandinRecord,
        "notifications": NotificationRecord,
    }
    with book.sessions() as session:
        return {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in tables.items()
        }


def fill(book: Book) -> None:
    with book.sessions.begin() as session:
        add_morning(session, book, OLD)
        add_morning(session, book, NEW)
        session.add(
            RefusalRecord(
                learner_id=book.learner_id,
                date=OLD.date() - timedelta(days=1),
                session="AM",
                refused_at=OLD - timedelta(days=1),
                kind="screening",
                note="would not go through the arch",
            )
        )
        # Not yet read by anyone: it stays whatever its age.
        session.add(NotificationRecord(created_at=OLD, role="attendance", subject="s", body="b"))


def test_purge_removes_old_search_detail_and_keeps_every_mark(office: Office) -> None:
    fill(office.book)

    code, out, err = office("purge", "--before", "2025-03-10")

    assert (code, err) == (0, "")
    assert "removed 1 search(es), 1 found item(s), 1 screening(s), 1 phone hand-in(s)" in out
    assert counts(office.book) == {
        "marks": 2,
        "refusals": 1,
        "searches": 1,
        "found_items": 1,
        "screenings": 1,
        "phone_handins": 1,
        "notifications": 2,
    }
    with office.book.sessions() as session:
        kept = session.scalars(select(SearchRecord)).one()
        assert kept.started_at == NEW
        entry = session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
        key = load_key(office.config.with_name("kiosk.key"))
        assert verify_audit(session, key=key) is None
    assert entry is not None
    assert (entry.action, entry.entity_id) == ("retention.purge", "2025-03-10")
    assert json.loads(entry.detail) == {
        "before": "2025-03-10",
        "searches": 1,
        "found_items": 1,
        "screenings": 1,
        "phone_handins": 1,
        "sent_notifications": 1,
    }


def test_purge_dry_run_counts_and_changes_nothing(office: Office) -> None:
    fill(office.book)
    before = counts(office.book)

    code, out, _ = office("purge", "--before", "2025-03-10", "--dry-run")

    assert code == 0
    assert "would remove 1 search(es)" in out
    assert counts(office.book) == before
    with office.book.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == 0


def test_purge_keeps_an_old_screening_that_a_kept_search_still_names(office: Office) -> None:
    fill(office.book)
    with office.book.sessions.begin() as session:
        old_screening = session.scalars(
            select(ScreeningRecord).where(ScreeningRecord.date == OLD.date())
        ).one()
        newer = session.scalars(select(SearchRecord).where(SearchRecord.started_at == NEW)).one()
        newer.screening_id = old_screening.id

    code, out, _ = office("purge", "--before", "2025-03-10")

    assert code == 0
    assert "0 screening(s)" in out


def test_purge_refuses_today_and_later_with_exit_2(office: Office) -> None:
    fill(office.book)
    today = datetime.now(ZoneInfo("Europe/London")).date()  # the school's day, not UTC's
    before = counts(office.book)

    for day in (today, today + timedelta(days=1), today + timedelta(days=400)):
        code, out, err = office("purge", "--before", day.isoformat())
        assert (code, out) == (2, "")
        assert "never intended" in err
        assert err.count("\n") == 1
    assert counts(office.book) == before


def test_r36_the_configured_periods_purge_each_kind_and_keep_the_marks(office: Office) -> None:
    """R36: [retention] keeps searches for their period and routine detail for its own."""
    fill(office.book)
    # Searches kept (a hundred years); screenings, returned phones, sent messages a week.
    office.configure("\n[retention]\nsearch_days = 36500\nroutine_days = 7\n")

    code, out, err = office("purge", "--configured")

    assert (code, err) == (0, "")
    assert "removed 0 search(es)" in out and "2 phone hand-in(s)" in out
    assert counts(office.book) == {
        "marks": 2,
        "refusals": 1,
        "searches": 2,
        "found_items": 2,
        "screenings": 2,  # each still named by its kept search
        "phone_handins": 0,
        "notifications": 1,  # the unsent one: nobody has read it yet
    }


def test_r36_retention_zero_keeps_everything_and_a_slip_is_refused(office: Office) -> None:
    """R36: 0 keeps a kind until purged by hand; a period under a week is a config error."""
    fill(office.book)
    before = counts(office.book)

    code, out, _ = office("purge", "--configured")
    assert code == 0 and "nothing to purge" in out
    assert counts(office.book) == before

    office.configure("\n[retention]\nsearch_days = 3\n")
    code, out, err = office("purge", "--configured")
    assert code != 0 and "[retention] search_days" in err and "from 7 to 36500" in err


def test_r36_a_daily_timer_runs_the_configured_purge() -> None:
    """R36: kiosk-purge.timer starts kiosk-purge.service daily, which runs the configured purge;
    install.sh installs and enables it."""
    systemd = Path(__file__).parents[2] / "systemd"
    service = (systemd / "kiosk-purge.service").read_text(encoding="utf-8")
    timer = (systemd / "kiosk-purge.timer").read_text(encoding="utf-8")
    install = (systemd / "install.sh").read_text(encoding="utf-8").replace("\\\n", " ")
    assert "ExecStart=/opt/kiosk/venv/bin/kiosk purge --configured" in service
    assert "OnCalendar=daily" in timer and "Persistent=true" in timer
    enabled = [line for line in install.splitlines() if "systemctl enable --quiet --now" in line]
    assert any("kiosk-purge.timer" in line for line in enabled)
    assert "kiosk-purge.service kiosk-purge.timer" in install  # installed with the others
