"""A school with a morning's marks, and each MIS's stand-in on a local port."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.cli import mis as cli_mis
from kiosk.cli.io import run_command
from kiosk.config import MisConfig
from records.models import LearnerRecord, SessionMarkRecord
from tests.books import upgraded
from tests.mis import fakemis

DAY = date(2026, 3, 9)
NOW = datetime(2026, 3, 9, 9, 30, tzinfo=UTC)

# mis_id: (surname, forename, sex, upn)
LEARNERS = {
    "1001": ("Ní Bhriain", "Aoife", "F", "A123456789012"),
    "1002": ("Okafor", "Chidi", "M", "B123456789012"),
    "1003": ("Nguyễn", "Thảo", "F", "C123456789012"),
    "9999": ("Nobody", "Known", "M", ""),
}
# mis_id: (code, minutes_late, comment)
MORNING = {
    "1001": ("/", 0, ""),
    "1002": ("L", 12, "late: bus"),
    "1003": ("O", 0, "refused screening: not admitted"),
}


def mis_students(provider: str) -> dict[str, dict[str, Any]]:
    """The MIS's own records of the learners it knows (not 9999)."""
    found = {}
    for mis_id, (surname, forename, sex, upn) in LEARNERS.items():
        if mis_id == "9999":
            continue
        if provider in {"wonde", "sims"}:
            found[mis_id] = {
                "id": f"A{mis_id}00",
                "mis_id": mis_id,
                "forename": forename,
                "surname": surname,
                "legal_forename": forename,
                "legal_surname": surname,
                "gender": "FEMALE" if sex == "F" else "MALE",
                "education_details": {"data": {"upn": upn}},
                "extended_details": {"data": {"sen_status": "K" if mis_id == "1003" else "N"}},
                "year": {"data": {"code": "9", "name": "Year 9"}},
                "registration": {"data": {"name": "9K"}},
            }
        else:
            found[mis_id] = {"id": mis_id}
    return found


@dataclass
class School:
    """A school's database, config and credentials, wired to one MIS stand-in."""

    tmp: Path
    url: str
    sessions: sessionmaker[Session]
    fake: fakemis.FakeMis
    provider: str
    learner_ids: dict[str, int] = field(default_factory=dict)
    slept: list[float] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        if self.provider == "arbor":
            return self.fake.base_url
        return f"{self.fake.base_url}/v1.0"  # SIMS goes through Wonde

    def mis_config(self, **changes: Any) -> MisConfig:
        values: dict[str, Any] = {
            "provider": self.provider,
            "base_url": self.base_url,
            "school_id": fakemis.Wonde.school,
            "credentials_file": str(self.credentials),
            "timeout_seconds": 0.5,
        }
        values.update(changes)
        return MisConfig(**values)

    @property
    def credentials(self) -> Path:
        return self.tmp / "mis-credentials"

    def write_config(self, **mis: Any) -> Path:
        config = self.mis_config(**mis)
        lines = [
            "[school]",
            'timezone = "Europe/London"',
            "[database]",
            f'url = "{self.url}"',
            "[rfid]",
            'driver = "none"',
            "[detector]",
            'driver = "none"',
            "[mis]",
            f'provider = "{config.provider}"',
            f'base_url = "{config.base_url}"',
            f'school_id = "{config.school_id}"',
            f'credentials_file = "{config.credentials_file}"',
            f"overwrite = {'true' if config.overwrite else 'false'}",
            f"timeout_seconds = {config.timeout_seconds}",
        ]
        if config.marks:
            pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in config.marks)
            lines.append(f"marks = {{ {pairs} }}")
        if config.arbor_notes:
            lines.append("arbor_notes = true")
        path = self.tmp / "kiosk.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def add_marks(self, marks: dict[str, tuple[str, int, str]], day: date = DAY) -> None:
        with self.sessions.begin() as session:
            for mis_id, (code, late, comment) in marks.items():
                session.add(
                    SessionMarkRecord(
                        learner_id=self.learner_ids[mis_id],
                        date=day,
                        session="AM",
                        code=code,
                        minutes_late=late,
                        comment=comment,
                        updated_at=NOW,
                    )
                )


def _write_credentials(path: Path, provider: str) -> None:
    if provider in {"wonde", "sims"}:
        text = f'token = "{fakemis.TOKEN}"\n'
    else:
        text = f'username = "{fakemis.USERNAME}"\npassword = "{fakemis.PASSWORD}"\n'
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)


def _fake(provider: str) -> fakemis.FakeMis:
    kinds: dict[str, type[fakemis.FakeMis]] = {
        "wonde": fakemis.Wonde,
        "arbor": fakemis.Arbor,
        "sims": fakemis.Wonde,  # a SIMS school is reached through Wonde
    }
    return kinds[provider](mis_students(provider))


def _school(tmp_path: Path, provider: str) -> Iterator[School]:
    url = f"sqlite:///{tmp_path / 'school.db'}"
    upgraded(url, key_file=tmp_path / "school.db.key")  # as `kiosk db upgrade` does
    engine = create_engine(url)
    fake = _fake(provider)
    server, thread = fakemis.serve(fake)
    school = School(tmp_path, url, sessionmaker(engine), fake, provider)
    with school.sessions.begin() as session:
        for mis_id, (surname, forename, sex, upn) in LEARNERS.items():
            learner = LearnerRecord(
                mis_id=mis_id,
                upn=upn,
                surname=surname,
                forename=forename,
                sex=sex,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(learner)
            session.flush()
            school.learner_ids[mis_id] = learner.id
    _write_credentials(school.credentials, provider)
    try:
        yield school
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
        engine.dispose()


@pytest.fixture(params=["wonde", "sims"])
def school(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[School]:
    """The school on Wonde, and on SIMS through Wonde."""
    yield from _school(tmp_path, request.param)


@pytest.fixture
def wonde_school(tmp_path: Path) -> Iterator[School]:
    yield from _school(tmp_path, "wonde")


@pytest.fixture
def arbor_school(tmp_path: Path) -> Iterator[School]:
    yield from _school(tmp_path, "arbor")


@pytest.fixture
def kiosk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run a `kiosk` command through the real parser with the MIS commands added to it."""
    from kiosk.cli import build_parser

    def run(*argv: str, slept: list[float] | None = None) -> tuple[int, str, str]:
        parser = build_parser()
        if "mis" not in _subcommands(parser).choices:
            # The lead wires `add_commands` into kiosk.cli; until then the test adds it.
            common = argparse.ArgumentParser(add_help=False)
            common.add_argument("--config", metavar="PATH")
            cli_mis.add_commands(_subcommands(parser), common)
        if slept is not None:
            monkeypatch.setattr(cli_mis, "sleep", slept.append)
        args = parser.parse_args(list(argv))
        code: int = run_command(args.handler, args)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _subcommands(parser: argparse.ArgumentParser) -> Any:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
