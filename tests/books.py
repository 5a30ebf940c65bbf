"""Books made once per test process and copied for each test that needs a fresh one.

Running the migrations takes about 0.3 s and the demo school's PINs (scrypt) as long again; a
test of the app or the office needs a fresh book, not a fresh run of either. The copy is the
file the real `upgrade` or `prepare_demo` wrote, byte for byte, with its key and audit anchor;
the tests of the migrations and of `prepare_demo` themselves still call them.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from kiosk.config import Config
from kiosk.database import Book, open_school_book
from kiosk.station.launch import demo_config, prepare_demo
from records.database import sqlite_path, upgrade
from records.keys import anchor_path

_made: dict[str, Path] = {}


def _template(kind: str, make: Callable[[Path], None]) -> Path:
    """The folder holding this process's `kind` of book, made by `make` the first time."""
    folder = _made.get(kind)
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix=f"kiosk-{kind}-"))
        make(folder)
        if any(folder.glob("*-wal")):
            raise RuntimeError(f"the {kind} template was left with a write-ahead log open")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _made[kind] = folder
    return folder


def _copy(template: Path, into: Path, name: str) -> None:
    """Each file of the template into `into`, its database renamed `name` (modes kept: 0600)."""
    into.mkdir(mode=0o700, parents=True, exist_ok=True)
    for each in template.iterdir():
        shutil.copy2(each, into / each.name.replace("book.db", name, 1))


def upgraded(url: str, *, key_file: Path | None = None) -> str:
    """`upgrade(url, key_file=key_file)` as `kiosk db upgrade` does it on a new book; for a
    SQLite file, a copy of this process's first (the school's key and audit anchor too)."""
    path = sqlite_path(url)
    if path is None:
        upgrade(url, key_file=key_file)
        return url
    if key_file is not None and key_file.exists():
        upgrade(url, key_file=key_file)  # an existing key is checked, not replaced
        return url
    if key_file is None:
        template = _template("schema", lambda into: upgrade(f"sqlite:///{into / 'book.db'}"))
        _copy(template, path.parent, path.name)
        return url
    template = _template(
        "keyed",
        lambda into: upgrade(f"sqlite:///{into / 'book.db'}", key_file=into / "book.key"),
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copy2(template / "book.db", path)
    shutil.copy2(template / "book.key", key_file)
    anchor = anchor_path(template / "book.key")
    if anchor.exists():  # none yet for a book with nothing in its audit log
        shutil.copy2(anchor, anchor_path(key_file))
    return url


def demo_school(folder: Path) -> tuple[Config, Book]:
    """`prepare_demo(folder)`: the demo school's schema, roster and staff with the demo PIN."""

    def make(into: Path) -> None:
        _, book = prepare_demo(into, into / "book.db")
        book.close()

    _copy(_template("demo", make), folder, "demo.db")
    config = demo_config(f"sqlite:///{(folder / 'demo.db').resolve()}")
    return config, open_school_book(config.database, station=True)
