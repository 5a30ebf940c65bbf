"""Engines, sessions and schema migrations for SQLite (one kiosk) and PostgreSQL (several)."""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from records.audit import anchor_on_commit, anchor_unsealed_log
from records.keys import (
    SESSION_AUDIT_ANCHOR,
    SESSION_KEY,
    anchor_path,
    load_or_create_key,
    make_private_folder,
)

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# How long a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000

# Execution option naming how a SQLite transaction begins: "IMMEDIATE" (the default),
# "DEFERRED" (for long read-only work such as an export) or "EXCLUSIVE".
SQLITE_BEGIN = "sqlite_begin"
_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})

# Key of the PostgreSQL advisory lock held while migrating, so that two kiosks running
# `kiosk db upgrade` at once take turns. (ASCII "kioskmig".)
_MIGRATION_LOCK_KEY = 0x6B696F736B6D6967


def is_sqlite(url: str) -> bool:
    """Whether the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or another backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    if database.startswith("file:"):
        # A URI filename (sqlite:///file:path?uri=true): the path runs up to any '?'.
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database)


def ensure_sqlite_parent(url: str) -> Path | None:
    """Create the folder a SQLite database file will live in (0700); the file path, or None.

    Folders created here are the kiosk user's alone whatever the umask: the database holds
    safeguarding data. A folder that already exists is left as it is (it may be shared, such
    as the working folder), with a warning when others can look inside.
    """
    path = sqlite_path(url)
    if path is not None:
        make_private_folder(path.parent)
        _warn_if_shared(path.parent)
    return path


def make_private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 (and its -wal and -shm files, when there) before use.

    SQLite creates its -wal and -shm files with the database file's permissions, so making
    the database 0600 before SQLite first opens it keeps all three private.
    """
    path = sqlite_path(url)
    if path is None:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = stat.S_IMODE(each.stat().st_mode)
            if mode & 0o077:
                os.chmod(each, mode & 0o700 | 0o600)
        except FileNotFoundError:
            continue


def _warn_if_shared(folder: Path) -> None:
    try:
        mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        log.warning(
            "the database folder %s can be read by other users (mode %o); "
            "`chmod 700 %s` unless it is shared on purpose",
            folder,
            mode,
            folder,
        )


def make_engine(url: str, *, checkpoint_on_commit: bool = True, **kwargs: Any) -> Engine:
    """An engine for `url`; extra keyword arguments go to `sqlalchemy.create_engine`.

    `checkpoint_on_commit=False` (SQLite) leaves the WAL to a `WalCheckpointer`, for the station
    whose commits are a learner waiting at the door.

    SQLite: every new connection gets WAL, synchronous=FULL (a committed mark survives a power
    cut, which a Pi on a reception desk will see), foreign_keys=ON and a busy timeout.
    pysqlite's own transaction handling is switched off and SQLAlchemy's documented recipe
    emits BEGIN itself, so a transaction really starts at BEGIN (repeatable reads, SAVEPOINT
    and transactional DDL work). It is BEGIN IMMEDIATE by default: almost every kiosk
    transaction writes, and taking the write lock up front means a second writer waits for
    busy_timeout instead of failing with "database is locked" when it tries to upgrade a
    read snapshot that another writer has made stale. Long read-only work can opt out with
    `engine.execution_options(sqlite_begin="DEFERRED")` (or `make_sessionmaker(...,
    read_only=True)`) so it does not hold up the door.

    PostgreSQL (`postgresql+psycopg://...`): pool_pre_ping, because a kiosk keeps its pool
    across network blips and server restarts.
    """
    if is_sqlite(url):
        return _sqlite_engine(
            url, foreign_keys=True, checkpoint_on_commit=checkpoint_on_commit, **kwargs
        )
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_engine(
    url: str, *, foreign_keys: bool, checkpoint_on_commit: bool = True, **kwargs: Any
) -> Engine:
    engine = create_engine(url, **kwargs)
    pragmas = (
        # busy_timeout first: switching to WAL needs a lock another process may hold.
        f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}",
    ) + (() if checkpoint_on_commit else ("PRAGMA wal_autocheckpoint = 0",))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Stop pysqlite from emitting BEGIN (and COMMIT before DDL) itself; see _on_begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = str(connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")).upper()
        if mode not in _BEGIN_MODES:
            raise ValueError(f"{SQLITE_BEGIN} must be one of {sorted(_BEGIN_MODES)}, not {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class WalCheckpointer:
    """Copies SQLite's WAL into the database file on a thread of its own, every few seconds.

    SQLite's automatic checkpoint runs inside whichever commit takes the WAL past 1,000 pages,
    so one tap in a few hundred waited while the database file was written and synced (a
    quarter of a second here, longer on a Pi's SD card). A PASSIVE checkpoint never blocks a
    writer or a reader, and the WAL stays small because it runs often."""

    def __init__(self, engine: Engine, interval_seconds: float = 5.0) -> None:
        self._engine = engine
        self._interval = interval_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10.0)
        self.checkpoint()  # the last of the WAL, while nothing else writes

    def checkpoint(self) -> None:
        try:
            raw = self._engine.raw_connection()
            try:  # the DBAPI connection is in autocommit (see _on_connect): no BEGIN first
                raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
            finally:
                raw.close()
        except Exception:  # a failed checkpoint is retried next time; the WAL keeps every commit
            log.warning("WAL checkpoint failed; will try again", exc_info=True)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            self.checkpoint()


def make_sessionmaker(
    engine: Engine,
    *,
    read_only: bool = False,
    key: bytes | None = None,
    audit_anchor: Path | None = None,
) -> sessionmaker[Session]:
    """Sessions for one transaction per user-visible event, opened and committed by the caller.

    expire_on_commit=False: the values read in a transaction stay readable after it commits,
    so a use case can build its outcome without a second round trip. `read_only` makes SQLite
    transactions BEGIN DEFERRED (no write lock); it changes nothing on PostgreSQL.

    `key` (from `records.keys.load_key`) travels with every session: audit entries are sealed
    with it and PINs keyed by it. `audit_anchor` (needs `key`; `records.keys.anchor_path`)
    is the file that names the newest audit entry, rewritten after each commit that appended.
    Without them the book behaves as before the key existed.
    """
    if audit_anchor is not None and key is None:
        raise ValueError("an audit anchor needs the key that seals it")
    bind = engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"}) if read_only else engine
    info: dict[str, object] = {}
    if key is not None:
        info[SESSION_KEY] = key
    if audit_anchor is not None:
        info[SESSION_AUDIT_ANCHOR] = audit_anchor
    sessions = sessionmaker(bind=bind, expire_on_commit=False, info=info)
    if audit_anchor is not None:
        anchor_on_commit(sessions)
    return sessions


def migrations_config(folder: Path) -> Config:
    """The alembic configuration for the migrations in `folder`, built in code so it works
    from an installed wheel."""
    config = Config()
    config.set_main_option("script_location", str(folder))
    return config


def migrations_head(folder: Path) -> str:
    """The newest revision of the migrations in `folder`."""
    head = ScriptDirectory.from_config(migrations_config(folder)).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {folder}")
    return head


def alembic_config() -> Config:
    """The alembic configuration of the door's book."""
    return migrations_config(MIGRATIONS)


def head_revision() -> str:
    """The revision the code expects the database to be at."""
    return migrations_head(MIGRATIONS)


def upgrade(url: str, revision: str = "head", *, key_file: Path | None = None) -> None:
    """Create the database or migrate it to `revision`; doing it again changes nothing.

    Runs in one transaction: a failed migration leaves the database as it was (SQLite DDL
    is transactional here because make_engine emits BEGIN itself). A new SQLite file is made
    0600 in a 0700 folder whatever the umask. With `key_file`, the school's key is created
    there (0600) when it is missing, and an existing one is checked.
    """
    key_is_new = key_file is not None and not key_file.exists()
    key = load_or_create_key(key_file) if key_file is not None else None
    ensure_sqlite_parent(url)
    make_private_sqlite_file(url)
    with migration_connection(url) as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        if key is not None:
            # For a migration that seals what is already there (0009: the staff rows).
            config.attributes["school_key"] = key
        command.upgrade(config, revision)
        if connection.dialect.name == "sqlite":
            _check_foreign_keys(connection)
        if key is not None and key_file is not None and key_is_new:
            # A book kept before the key existed: from here on its chain is sealed, and the
            # anchor that vouches for its length starts at what it holds now.
            anchor_unsealed_log(connection, anchor_path(key_file), key)


@contextmanager
def migration_connection(url: str) -> Iterator[Connection]:
    """A connection to migrate through, in a transaction committed when the block ends well.

    PostgreSQL: holds an advisory lock so concurrent upgrades take turns. SQLite: foreign
    keys are off for the copy-and-rename of batch mode; `upgrade` checks them before commit.
    """
    # SQLite: batch mode rebuilds a table by copy, drop and rename; with foreign_keys=ON the
    # drop would cascade or fail, and the pragma cannot change inside a transaction, so this
    # engine's connections have it off and the result is checked before commit.
    engine = _sqlite_engine(url, foreign_keys=False) if is_sqlite(url) else make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            yield connection
    finally:
        engine.dispose()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"the migration left {len(broken)} row(s) pointing at missing rows, "
            f"e.g. {table} row {rowid} -> {parent}; nothing was changed"
        )


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for a new or missing database."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        # Looking must not create an empty file (or fail on a missing folder).
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # Reading the version must not take SQLite's write lock.
            connection.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def is_up_to_date(url: str) -> bool:
    """Whether the database is at the revision this code expects."""
    return current_revision(url) == head_revision()
