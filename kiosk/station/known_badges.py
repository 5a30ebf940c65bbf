"""The badges this door knows, held in memory: an unknown card is answered without the database.

A flood of different unknown cards (a bag of hotel keys on the reader, someone testing) would
otherwise put one database job per card ahead of the next learner. The set is loaded on a thread
and reloaded when the badges table changes (count, newest row, newest enrolment), checked on the
lane's tick and after a hub sync brings roster changes; a card enrolled by another program is
known here within one tick.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.badges import badge_keys
from records.models import BadgeRecord


class KnownBadges:
    def __init__(self, reads: sessionmaker[Session]) -> None:
        self._reads = reads
        self._keys: frozenset[str] | None = None  # None until first loaded: ask the database
        self._signature: tuple[object, ...] | None = None
        self._lock = threading.Lock()
        self._wanted = False  # a refresh asked for and not yet begun
        self.changed_at = 0.0  # time.monotonic() when the set last changed

    def knows(self, uid: str) -> bool | None:
        """Whether any badge is enrolled under one of `uid`'s keys; None when that cannot be
        said here (not loaded yet, or the card is unreadable): the database decides."""
        keys = self._keys
        if keys is None:
            return None
        try:
            return not keys.isdisjoint(badge_keys(uid))
        except ValueError:
            return None

    def include(self, keys: frozenset[str]) -> None:
        """Know `keys` now, before the roster that holds them is committed (a hub sync's pull):
        a card is never turned away between the commit and the reload after it. A key known a
        moment too soon only sends its card to the database, which decides."""
        if self._keys is not None:  # not loaded yet: the database decides anyway
            self._keys = self._keys | keys

    def refresh(self) -> None:
        """Reload the set if the badges table has changed since (any thread; one at a time).

        A refresh asked for while another thread is loading is not lost: that thread loads
        again once it is done, so a roster a hub sync has just written is never left behind
        by a tick's reload that read the table a moment before."""
        self._wanted = True
        while self._wanted and self._lock.acquire(blocking=False):
            try:
                self._wanted = False
                self._load()
            finally:
                self._lock.release()

    def _load(self) -> None:
        with self._reads() as db:
            signature = tuple(
                db.execute(
                    select(
                        func.count(BadgeRecord.id),
                        func.max(BadgeRecord.id),
                        func.max(BadgeRecord.enrolled_at),
                    )
                ).one()
            )
            if signature == self._signature:
                return
            keys = frozenset(db.scalars(select(BadgeRecord.key)))
        self._keys, self._signature = keys, signature
        self.changed_at = time.monotonic()
