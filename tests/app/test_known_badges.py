"""The door's set of known badges keeps up with the roster: a learner enrolled a moment ago is
greeted, not turned away as an unknown card."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from kiosk.station.known_badges import KnownBadges
from records.database import upgrade
from records.models import BadgeRecord
from tests.records.recordbook import NOW, open_book

CARD = "0000401829"  # printed on a 125 kHz card


def test_a_refresh_asked_for_while_another_is_loading_is_not_lost(tmp_path: Path) -> None:
    """The lane's tick reloads the set every second; a hub sync that has just written the roster
    asks again. If the tick's reload read the table a moment before the roster landed, the
    sync's refresh must still load it, or the learner's card is "not recognised" until the
    next tick."""
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url)
    book = open_book(url)
    read, go_on = threading.Event(), threading.Event()
    first = [True]

    @contextmanager
    def reads() -> Iterator[Session]:
        with book.sessions() as db:
            yield db
        if first[0]:  # the tick's reload has read the table: hold it there
            first[0] = False
            read.set()
            go_on.wait(10)

    known = KnownBadges(reads)  # type: ignore[arg-type]
    tick = threading.Thread(target=known.refresh)
    tick.start()
    assert read.wait(10)
    with book.sessions.begin() as db:  # the hub sync writes the roster...
        db.add(
            BadgeRecord(
                key="EM:000621A5", enrolled_as=CARD, learner_id=book.learner_id, enrolled_at=NOW
            )
        )
    known.refresh()  # ...and asks for a refresh while the tick's reload is still under way
    go_on.set()
    tick.join(10)
    assert known.knows(CARD) is True
    book.engine.dispose()
