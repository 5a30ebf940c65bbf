"""Fixtures for the office tests: a config file on an upgraded database, a parser, a mail server."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kiosk.cli.io import run_command
from kiosk.cli.office import add_commands
from records.keys import load_or_create_key
from tests.records.recordbook import Book, open_book

CONFIG = """\
[school]
timezone = "Europe/London"

[database]
url = "{url}"
key_file = "{key}"

[rfid]
driver = "none"

[detector]
driver = "none"
{extra}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Office:
    """Runs the office commands as `kiosk` will, on a config file of this test's database."""

    config: Path
    book: Book
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser()
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--config")
        add_commands(parser.add_subparsers(), common)
        args = parser.parse_args([*argv, "--config", str(self.config)])
        code = run_command(args.handler, args)
        out, err = self.capsys.readouterr()
        return code, out, err

    def configure(self, extra: str) -> None:
        # The school's key beside the config (as `kiosk db upgrade` would make it).
        key = self.config.with_name("kiosk.key")
        load_or_create_key(key)
        self.config.write_text(
            CONFIG.format(url=self.book.url, key=key, extra=extra), encoding="utf-8"
        )


@pytest.fixture
def book(upgraded_db_url: str) -> Iterator[Book]:
    """An upgraded database (SQLite and PostgreSQL) with one learner and two staff."""
    opened = open_book(upgraded_db_url)
    try:
        yield opened
    finally:
        opened.engine.dispose()


@pytest.fixture
def office(book: Book, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Office:
    runner = Office(tmp_path / "kiosk.toml", book, capsys)
    runner.configure("")
    return runner


@dataclass
class Inbox:
    """What a real SMTP server on loopback received."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "from": envelope.mail_from,
                "content": envelope.content.decode("utf-8"),
            }
        )
        return "250 Message accepted for delivery"


@dataclass
class MailServer:
    port: int
    inbox: Inbox
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """An aiosmtpd server on a free loopback port, not yet started."""
    server = MailServer(free_port(), Inbox())
    try:
        yield server
    finally:
        server.stop()
