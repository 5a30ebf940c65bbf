"""`kiosk.upkeep.backup`: online SQLite backups while the kiosk writes, checked, named by day,
pruned."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.upkeep.backup import BackupError, backup_sqlite, database_file, prune_backups
from records.audit import AuditRecord, append_audit, verify_audit
from records.database import make_engine, make_sessionmaker, upgrade

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)


class Writer(threading.Thread):
    """The kiosk at the door: one committed audit entry per event, as fast as it can."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.sessions.begin() as session:
                    record = append_audit(
                        session,
                        at=datetime.now(UTC),
                        actor_staff_id=None,
                        action="badge.read",
                        entity="badge",
                        entity_id=str(len(self.committed)),
                        detail={"n": len(self.committed)},
                    )
                    entry_id = record.id
                self.committed.append(entry_id)  # only once the commit has returned
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
        finally:
            self.engine.dispose()

    def wait_for(self, count: int) -> None:
        while len(self.committed) < count and self.error is None:
            self.stop.wait(0.005)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def writer(database: Path) -> Iterator[Writer]:
    thread = Writer(f"sqlite:///{database}")
    thread.start()
    yield thread
    thread.stop.set()
    thread.join(10)


def _ids_in(copy: Path) -> set[int]:
    with sqlite3.connect(copy) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM audit_log")}


def test_backup_while_the_kiosk_writes_holds_every_row_committed_before_it_started(
    database: Path, writer: Writer, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    writer.wait_for(50)
    committed_before = set(writer.committed)
    result = backup_sqlite(database, folder, now=NOW, keep_days=14)
    writer.wait_for(len(writer.committed) + 20)  # and the kiosk carried on writing
    assert writer.error is None

    assert result.path == folder / "kiosk-2026-11-23.db"
    assert committed_before <= _ids_in(result.path)
    with sqlite3.connect(result.path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # A self-contained file: no WAL beside it to lose when it is copied elsewhere.
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_a_restored_backup_opens_with_the_project_engine_and_its_audit_chain_holds(
    database: Path, writer: Writer, tmp_path: Path
) -> None:
    writer.wait_for(30)
    result = backup_sqlite(database, tmp_path, now=NOW, keep_days=14)
    writer.stop.set()
    writer.join(10)

    restored = tmp_path / "restored.db"
    restored.write_bytes(result.path.read_bytes())
    engine = make_engine(f"sqlite:///{restored}")
    try:
        with make_sessionmaker(engine, read_only=True)() as session:
            entries = session.scalar(select(func.count()).select_from(AuditRecord))
            assert entries is not None and entries >= 30
            assert verify_audit(session) is None  # a snapshot, not a torn copy
    finally:
        engine.dispose()


def test_a_second_backup_the_same_day_replaces_the_first(database: Path, tmp_path: Path) -> None:
    first = backup_sqlite(database, tmp_path, now=NOW, keep_days=14)
    second = backup_sqlite(database, tmp_path, now=NOW + timedelta(hours=3), keep_days=14)
    assert first.path == second.path
    assert sorted(p.name for p in tmp_path.glob("kiosk-*.db")) == ["kiosk-2026-11-23.db"]
    assert not list(tmp_path.glob(".*.part"))


def test_pruning_keeps_only_keep_days_of_this_databases_backups(
    database: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for days_ago in range(1, 6):
        (folder / f"kiosk-{(NOW.date() - timedelta(days=days_ago)).isoformat()}.db").touch()
    others = ["notes.txt", "other-2026-01-01.db", "kiosk-latest.db"]
    for name in others:
        (folder / name).touch()

    result = backup_sqlite(database, folder, now=NOW, keep_days=3)

    kept = sorted(p.name for p in folder.iterdir())
    assert kept == sorted(
        ["kiosk-2026-11-21.db", "kiosk-2026-11-22.db", "kiosk-2026-11-23.db", *others]
    )
    assert sorted(p.name for p in result.pruned) == [
        "kiosk-2026-11-18.db",
        "kiosk-2026-11-19.db",
        "kiosk-2026-11-20.db",
    ]


def test_keeping_one_day_keeps_only_todays_backup(tmp_path: Path) -> None:
    (tmp_path / "kiosk-2026-11-22.db").touch()
    (tmp_path / "kiosk-2026-11-23.db").touch()
    removed = prune_backups(tmp_path / "kiosk.db", tmp_path, today=date(2026, 11, 23), keep_days=1)
    assert [p.name for p in removed] == ["kiosk-2026-11-22.db"]


def test_a_damaged_database_gives_no_backup_and_keeps_the_older_ones(tmp_path: Path) -> None:
    damaged = tmp_path / "kiosk.db"
    with sqlite3.connect(damaged) as connection:
        connection.execute("CREATE TABLE t (x TEXT)")
        connection.execute("CREATE INDEX t_x ON t (x)")
        connection.executemany("INSERT INTO t VALUES (?)", [(f"row {i:05}",) for i in range(3000)])
    connection.close()
    data = bytearray(damaged.read_bytes())
    page = 4096
    data[3 * page + 100 : 3 * page + 600] = b"\xff" * 500  # a leaf page's cells overwritten
    damaged.write_bytes(bytes(data))
    folder = tmp_path / "backups"
    folder.mkdir()
    older = folder / "kiosk-2026-11-01.db"
    older.touch()

    with pytest.raises(BackupError, match=r"integrity|malformed"):
        backup_sqlite(damaged, folder, now=NOW, keep_days=3)
    assert sorted(p.name for p in folder.iterdir()) == [older.name]


def test_a_missing_database_is_not_created_by_the_backup(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="kiosk db upgrade"):
        backup_sqlite(tmp_path / "kiosk.db", tmp_path, now=NOW, keep_days=14)
    assert not (tmp_path / "kiosk.db").exists()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql+psycopg://kiosk@db.school.lan/kiosk", "pg_dump"),
        ("sqlite://", "in-memory"),
    ],
)
def test_only_a_sqlite_file_can_be_backed_up(url: str, says: str) -> None:
    with pytest.raises(BackupError, match=says):
        database_file(url)


def test_a_sqlite_url_names_its_file(tmp_path: Path) -> None:
    assert database_file(f"sqlite:///{tmp_path}/kiosk.db") == tmp_path / "kiosk.db"
