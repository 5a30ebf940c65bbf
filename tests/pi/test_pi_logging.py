"""The kiosk's log: a rotated file, the journal under systemd, and never the screen."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from kiosk.station import launch


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, given back as it was: the kiosk configures the process's logging."""
    root = logging.getLogger()
    handlers, level, raising = root.handlers[:], root.level, logging.raiseExceptions
    root.handlers = []
    yield root
    for handler in root.handlers:
        handler.close()
    root.handlers, root.level, logging.raiseExceptions = handlers, level, raising


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[socket.socket]:
    """A datagram socket standing in for journald's /dev/log."""
    # AF_UNIX paths are short; tmp_path may be long.
    path = Path("/tmp") / f"kiosk-log-{uuid.uuid4().hex[:8]}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(5)
    yield sock
    sock.close()
    path.unlink(missing_ok=True)


def test_log_goes_to_a_file_rotated_at_five_megabytes_keeping_five(
    root_logger: logging.Logger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIOSK_LOG", raising=False)
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    launch._log_to(tmp_path)
    [rotating] = [h for h in root_logger.handlers if isinstance(h, RotatingFileHandler)]
    assert (rotating.maxBytes, rotating.backupCount) == (5 * 1024 * 1024, 5)
    logging.getLogger("kiosk.test").warning("reader offline")
    rotating.flush()
    assert "WARNING kiosk.test: reader offline" in (tmp_path / "kiosk.log").read_text()


def test_nothing_is_written_on_the_screen_even_without_a_log_file(
    root_logger: logging.Logger, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIOSK_LOG", raising=False)
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    launch._log_to(None)
    logging.getLogger("kiosk.test").error("database locked")
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), "Textual owns the terminal: no log line may reach it"
    ours = [h for h in root_logger.handlers if getattr(h, "_kiosk", False)]
    assert ours and not any(type(h) is logging.StreamHandler for h in ours)


def test_under_systemd_the_log_also_reaches_the_journal(
    root_logger: logging.Logger,
    journal: socket.socket,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVOCATION_ID", uuid.uuid4().hex)
    address, to_journal = journal.getsockname(), launch._journal_handler
    monkeypatch.setattr(launch, "_journal_handler", lambda: to_journal(address))
    launch._log_to(tmp_path)
    logging.getLogger("kiosk.config").error("/etc/kiosk/kiosk.toml: [rfid] port is missing")
    line = journal.recv(4096).decode()
    # <27> is the daemon facility (3) at priority error (3): journald files it as an error.
    assert line == (
        f"<27>kiosk[{os.getpid()}]: ERROR kiosk.config: "
        "/etc/kiosk/kiosk.toml: [rfid] port is missing"
    )


def test_without_a_journal_the_file_log_still_works(tmp_path: Path) -> None:
    assert launch._journal_handler(str(tmp_path / "no-journal-here")) is None


def test_setting_up_twice_adds_no_second_copy_of_each_line(
    root_logger: logging.Logger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIOSK_LOG", raising=False)
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    launch._log_to(tmp_path)
    launch._log_to(tmp_path)
    logging.getLogger("kiosk.test").warning("once")
    for handler in root_logger.handlers:
        handler.flush()
    assert (tmp_path / "kiosk.log").read_text().count("once") == 1
