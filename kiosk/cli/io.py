"""What every `kiosk` command shares: exit statuses, the one error type and the one place errors
become a line on standard error, the config and database checks, the book, parser pieces,
an import's outcome, output, time."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TypeAlias

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.config import Config, ConfigError, config_path, load_config
from kiosk.database import Book, DatabaseError, open_school_book
from kiosk.exports import ExportError, ExportWriteError
from kiosk.mis.credentials import CredentialsError
from kiosk.notify.send import NotifyError
from kiosk.people.pins import PinError
from kiosk.people.roster_import import ImportFileError, ImportReport, MassLeaveRefused
from kiosk.upkeep.retention import PurgeRefused
from records.database import sqlite_path
from records.keys import KeyFileError

# CONTRACT.md's exit statuses.
OK, REJECTED, USAGE = 0, 1, 2
INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]
# A parser's subcommands, as every group registers on them (a string: argparse's classes are not
# generic at run time).
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

# Dates a command accepts: wide enough for "everything", narrow enough that turning a day into
# an instant in any time zone (a day either side) stays inside what datetime can hold.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)


class KioskError(Exception):
    """Stops a command: one line for standard error and the exit status the command ends with."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.status = status


# The use cases' own errors and the status each ends a command with. The use cases also serve
# the app and the office screen, so the statuses live here rather than on the errors.
_REJECTED_ERRORS: tuple[type[Exception], ...] = (ExportWriteError, MassLeaveRefused, PinError)
_USAGE_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    DatabaseError,
    ExportError,
    ImportFileError,
    NotifyError,
    PurgeRefused,
    CredentialsError,
    KeyFileError,
)


def run_command(handler: Handler, args: argparse.Namespace) -> int:
    """Run one command's handler; whatever stops it becomes one line and an exit status."""
    try:
        return handler(args)
    except KioskError as exc:
        error(str(exc))
        return exc.status
    except _REJECTED_ERRORS as exc:
        error(str(exc))
        return REJECTED
    except _USAGE_ERRORS as exc:
        error(str(exc))
        return USAGE
    except SQLAlchemyError as exc:
        error(f"database error: {first_line(exc)}")
        return REJECTED
    except OSError as exc:
        # A folder or file the command needed and could not use: the setup, not the data.
        where = f"{exc.filename}: " if exc.filename else ""
        error(f"{where}{exc.strerror or exc}")
        return USAGE
    except KeyboardInterrupt:
        return INTERRUPTED


def first_line(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's wrapping."""
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__


def add_command(
    sub: SubParsers,
    name: str,
    common: argparse.ArgumentParser,
    *,
    help: str,
    example: str,
) -> argparse.ArgumentParser:
    """A subcommand whose `--help` says what it does and shows `example` (one or more lines)."""
    lines = "\n".join(f"  {line}" for line in example.splitlines())
    return sub.add_parser(
        name,
        parents=[common],
        help=help,
        description=help[:1].upper() + help[1:] + ".",
        epilog=f"example:\n{lines}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_group(
    sub: SubParsers,
    name: str,
    common: argparse.ArgumentParser,
    *,
    help: str,
    metavar: str = "ACTION",
) -> SubParsers:
    """A command that only groups others (`kiosk db upgrade`'s `db`): its subcommands."""
    group: SubParsers = sub.add_parser(name, parents=[common], help=help).add_subparsers(
        metavar=metavar
    )
    return group


def add_date_option(
    parser: argparse.ArgumentParser,
    flag: str = "--date",
    *,
    help: str,
    required: bool = False,
    dest: str | None = None,
) -> None:
    """A day given as YYYY-MM-DD, checked by `parse_date`."""
    parser.add_argument(
        flag, dest=dest, required=required, type=parse_date, metavar="YYYY-MM-DD", help=help
    )


def whole_number(least: int, unit: str = "") -> Callable[[str], int]:
    """An option's type: a whole number (of `unit`), `least` or more."""
    described = f"a whole number{f' of {unit}' if unit else ''}, {least} or more"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(f"must be {described}: {text!r}")
        return value

    return parse


def command_config(
    args: argparse.Namespace, *, require_database: bool = True, creating: bool = False
) -> Config:
    """The config named by `--config` (wherever it was written), `$KIOSK_CONFIG` or the default.

    With `require_database`, the `[database] url` is checked before anything opens it; with
    `creating`, also that its folder can be created or written in.
    """
    config = load_config(
        config_path(getattr(args, "config", None)), require_database=require_database
    )
    if require_database:
        check_database_url(config, creating=creating)
    return config


@contextmanager
def school_book(config: Config) -> Iterator[Book]:
    """The school's book for one command, closed however the command ends."""
    book = open_school_book(config.database)
    try:
        yield book
    finally:
        book.close()


def settle(session: Session, dry_run: bool) -> None:
    """Keep what the command did, or, on a dry run, nothing of it."""
    if dry_run:
        session.rollback()
    else:
        session.commit()


def said_import(report: ImportReport, refused: list[str], where: str) -> int:
    """An import's refused rows (each line saying where it came from), its notes and summary;
    REJECTED if any row was refused."""
    for line in refused:
        error(line)
    for note in report.notes:
        error(f"{where}: {note}")
    say(report.summary())
    return REJECTED if refused else OK


def check_database_url(config: Config, *, creating: bool = False) -> None:
    """A KioskError naming the file and key if `[database] url` cannot work on this machine."""
    url = config.database.url
    where = f"{config.source or 'config'}: [database] url"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise KioskError(
            f'{where}: not a database URL: {url!r}; e.g. url = "sqlite:////var/lib/kiosk/kiosk.db"'
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise KioskError(
            f"{where}: {parsed.drivername}:// databases are not supported; use SQLite "
            "(sqlite:////var/lib/kiosk/kiosk.db) or PostgreSQL (postgresql+psycopg://user@host/db)"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except ImportError as exc:
        raise KioskError(
            f"{where}: the Python driver for {parsed.drivername}:// is not installed "
            f"({exc.name}); for PostgreSQL write postgresql+psycopg://..."
        ) from None
    path = sqlite_path(url)
    if path is None:
        return
    if not path.is_absolute():
        # systemd starts a service in / and a shell wherever it is: a relative file would be a
        # different, empty database depending on who started the kiosk.
        raise KioskError(
            f"{where}: {str(path)!r} is a relative path, so the database would depend on the "
            "folder the kiosk is started from (systemd starts it in /); give the full path, "
            'e.g. url = "sqlite:////var/lib/kiosk/kiosk.db" (four slashes)'
        )
    _check_database_folder(path, where, creating=creating)


def _check_database_folder(path: Path, where: str, *, creating: bool) -> None:
    folder = path.parent
    try:
        # The nearest folder that exists: `kiosk db upgrade` creates the rest.
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        exists = path.exists()
    except PermissionError as exc:
        blocked = Path(exc.filename).parent if exc.filename else folder
        raise KioskError(
            f"{where}: cannot look inside {blocked}: permission denied; the kiosk's user "
            "must be able to read every folder on the way to the database"
        ) from None
    if not folder.is_dir():
        raise KioskError(
            f"{where}: {folder} is a file, not a folder, so the database cannot be under it; "
            "give another path"
        )
    if path.is_dir():
        raise KioskError(f"{where}: {path} is a folder; name a database file inside it")
    # SQLite keeps its write-ahead log beside the database, so using one needs the folder
    # writable; a missing database is left to `open_book`, which says to run `kiosk db upgrade`.
    needs = os.R_OK | os.X_OK | (os.W_OK if creating or exists else 0)
    if not os.access(folder, needs):
        raise KioskError(
            f"{where}: cannot {'write in' if needs & os.W_OK else 'read'} the folder {folder}: "
            f"permission denied; the kiosk's user must own it (e.g. sudo chown kiosk {folder})"
        )


def parse_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {text!r}") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range: give a date from {FIRST_DATE} to {LAST_DATE}"
        )
    return day


def error(message: str) -> None:
    """One line on standard error, as CONTRACT.md asks."""
    print(f"kiosk: {message}", file=sys.stderr)  # noqa: T201 - the CLI's own channel


def say(message: str) -> None:
    print(message)  # noqa: T201 - the CLI's own channel
