"""Shared by the records tests: a fixed instant and an upgraded database with people in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from records.database import make_engine, make_sessionmaker
from records.models import LearnerRecord, StaffRecord

NOW = datetime(2025, 3, 3, 8, 35, tzinfo=UTC)


@dataclass
class Book:
    """An open database: one learner (female) and two female staff, a searcher and a witness."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    learner_id: int
    searcher_id: int
    witness_id: int


def open_book(url: str) -> Book:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        learner = LearnerRecord(
            mis_id="A1001",
            surname="Ní Bhriain",
            forename="Aoife",
            sex="F",
            created_at=NOW,
            updated_at=NOW,
        )
        searcher = StaffRecord(
            staff_id="S1",
            surname="Okafor",
            forename="Ada",
            sex="F",
            roles="screener;searcher",
            created_at=NOW,
            updated_at=NOW,
        )
        witness = StaffRecord(
            staff_id="S2",
            surname="Jones",
            forename="Beth",
            sex="F",
            roles="screener",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add_all([learner, searcher, witness])
        session.flush()
        ids = (learner.id, searcher.id, witness.id)
    return Book(url, engine, sessions, *ids)
