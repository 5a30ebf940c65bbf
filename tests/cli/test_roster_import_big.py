"""`kiosk roster import` of a whole school: a bar on a terminal, and cards decided row by row."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from records.models import BadgeRecord, LearnerRecord

HEADER = "mis_id,surname,forename,sex,badge\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _roster(count: int) -> str:
    return HEADER + "".join(f"M{n:04d},Surname{n},Forename{n},F,0C{n:08X}\n" for n in range(count))


def _cards(db: Path) -> dict[str, str]:
    """Each card as enrolled, to the mis_id of its owner."""
    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        found = {
            enrolled_as: mis_id
            for enrolled_as, mis_id in session.execute(
                select(BadgeRecord.enrolled_as, LearnerRecord.mis_id).join(
                    LearnerRecord, BadgeRecord.learner_id == LearnerRecord.id
                )
            )
        }
    engine.dispose()
    return found


def test_an_import_on_a_terminal_shows_a_bar_and_clears_it(
    upgraded, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code, out, _ = upgraded("roster", "import", str(write("big.csv", _roster(300))))
    drawn = terminal.getvalue()
    assert code == 0 and "300 added" in out
    assert "learners: [" in drawn and "150/300" in drawn and "300/300" in drawn
    assert drawn.endswith("\r"), "the bar is wiped before the summary"


def test_an_import_whose_errors_go_to_a_file_has_no_bar(upgraded, write) -> None:
    code, out, err = upgraded("roster", "import", str(write("big.csv", _roster(300))))
    assert code == 0 and "300 added" in out
    assert "[" not in err and "\r" not in err


def test_a_card_given_up_earlier_in_the_file_may_go_to_a_later_row(upgraded, write) -> None:
    upgraded("roster", "import", str(write("a.csv", HEADER + "A1,Khan,Aisha,F,0C000621A5\n")))
    code, out, _ = upgraded(
        "roster",
        "import",
        str(write("b.csv", HEADER + "A1,Khan,Aisha,F,DEADBEEF\nA2,Reid,Dan,M,0000401829\n")),
    )
    assert code == 0 and "0 rejected" in out
    assert _cards(upgraded.db) == {"DEADBEEF": "A1", "0000401829": "A2"}


def test_a_card_still_held_when_its_row_is_read_is_refused(upgraded, write) -> None:
    upgraded("roster", "import", str(write("a.csv", HEADER + "A1,Khan,Aisha,F,0C000621A5\n")))
    path = write("b.csv", HEADER + "A2,Reid,Dan,M,0000401829\nA1,Khan,Aisha,F,DEADBEEF\n")
    code, _, err = upgraded("roster", "import", str(path))
    assert code == 1 and f"{path}:2:" in err and "already belongs" in err
    assert _cards(upgraded.db) == {"DEADBEEF": "A1"}


def test_importing_the_same_school_again_keeps_every_card(upgraded, write) -> None:
    path = write("big.csv", _roster(300))
    upgraded("roster", "import", str(path))
    before = _cards(upgraded.db)
    code, out, _ = upgraded("roster", "import", str(path))
    assert code == 0 and "300 unchanged" in out
    assert _cards(upgraded.db) == before and len(before) == 300
