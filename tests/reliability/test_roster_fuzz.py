"""The roster importer over arbitrary files: only ImportFileError escapes, and no learner is
ever imported with a required field blank. `make fuzz` runs it long (HYPOTHESIS_PROFILE=fuzz)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.database import Book, open_book
from kiosk.people.roster_import import ImportFileError, import_learners
from records.database import upgrade
from records.models import BadgeRecord, LearnerRecord

HEADERS = [
    "mis_id", "Adno", "Admission Number", "surname", "Legal Surname", "forename",
    "Legal Forename", "preferred_name", "Preferred Forename", "sex", "Gender", "upn", "Year",
    "year_group", "Reg", "reg_group", "badge", "Card", "Card Number", "sen", "MIS_ID ", "x",
]  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(["", " ", "F", "M", "Female", "male", "Y", "N", "0C000621A5", "0000401829",
                     "DE:AD:BE:EF", "A1001", "A1001", "=cmd()", '"', "\r\n", "\ufeff", "ß"]),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Mostly CSV-shaped files with known and odd headers, ragged rows and odd cells."""
    header = draw(st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=8)), max_size=9))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + 2), max_size=8))
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


@pytest.fixture(scope="module")
def book() -> Iterator[Book]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'fuzz.db'}"
        upgrade(url)
        opened = open_book(url)
        yield opened
        opened.close()


NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(csv_files(), st.binary(max_size=300)))
@example(data=b"")
@example(data=b"\xff\xfe")
@example(data=b"mis_id,surname,forename,sex\n , , , \n")
@example(data=b'mis_id,surname,forename,sex\n"A1,"\n')
def test_any_file_imports_only_complete_learners_or_is_refused_as_a_whole(
    book: Book, data: bytes
) -> None:
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        handle.write(data)
        handle.flush()
        with book.sessions() as session, session.begin():
            try:
                report = import_learners(
                    session, Path(handle.name), today=date(2026, 11, 23), now=NOW
                )
            except ImportFileError as exc:
                assert str(exc)
            else:
                learners = session.scalars(select(LearnerRecord)).all()
                assert len(learners) == report.added
                for learner in learners:
                    for name in ("mis_id", "surname", "forename"):
                        assert getattr(learner, name).strip(), f"blank {name} imported"
                    assert learner.sex in {"F", "M"}
                for enrolled in session.scalars(select(BadgeRecord)):
                    assert enrolled.key.strip()
            session.rollback()  # each example starts from an empty roster
