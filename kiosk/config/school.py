"""The school's own sections: [school] (its day), [database], [policy] (its rules) and
[retention]."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.domain.attendance import Session, SessionTimes, session_for
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.screening import ScreeningPolicy
from kiosk.domain.search_training import DEFAULT_TRAINING_MONTHS, TrainingPolicy
from kiosk.domain.station import RefusalPolicy

DEFAULT_KEY_PATH = Path("/var/lib/kiosk/kiosk.key")


@dataclass(frozen=True)
class SchoolConfig:
    name: str = "Example Academy"
    timezone: str = "Europe/London"
    day_starts: time = time(8, 40)
    register_closes: time = time(9, 10)
    pm_starts: time | None = None
    pm_register_closes: time | None = None
    late_detention_minutes: int = 20
    # The hours a badge tap belongs to a session at all; outside them nothing is marked.
    doors_open: time = time(6, 0)
    day_ends: time = time(18, 0)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def am(self) -> SessionTimes:
        return SessionTimes(self.day_starts, self.register_closes)

    @property
    def pm(self) -> SessionTimes | None:
        if self.pm_starts is None or self.pm_register_closes is None:
            return None
        return SessionTimes(self.pm_starts, self.pm_register_closes)

    def times_for(self, session: Session) -> SessionTimes | None:
        return self.am if session is Session.AM else self.pm

    def session_at(self, local: time) -> Session | None:
        """The session a tap at local wall-clock time `local` belongs to, or None outside hours."""
        if not self.doors_open <= local < self.day_ends:
            return None
        return session_for(local, self.am, self.pm)


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""
    # The school's secret key (created 0600 by `kiosk db upgrade`): seals the audit log and the
    # PINs, so a copy of the database alone gives up neither. Keep a copy apart from backups.
    # Empty: beside an SQLite database file (kiosk.db -> kiosk.db.key), else /var/lib/kiosk.
    key_file: str = ""

    @property
    def key_path(self) -> Path:
        if self.key_file:
            return Path(self.key_file)
        if self.url.startswith("sqlite:///") and self.url != "sqlite:///:memory:":
            return Path(self.url.removeprefix("sqlite:///") + ".key")
        return DEFAULT_KEY_PATH


@dataclass(frozen=True)
class PolicyConfig:
    phone_handin: PhonePolicy = PhonePolicy.REQUIRED
    on_refusal: RefusalPolicy = RefusalPolicy.DENY
    screening: ScreeningPolicy = ScreeningPolicy.REQUIRED
    random_screening_percent: int = 20
    school_rules_items: tuple[str, ...] = ("e-cigarette", "lighter", "matches", "mobile phone")
    staff_idle_lock_seconds: int = 120
    # The school's reasons for lateness, as buttons on the desk: button -> the comment the MIS gets.
    late_reasons: tuple[tuple[str, str], ...] = (
        ("Bus late", "bus late"),
        ("Medical appointment", "medical appointment"),
        ("Overslept", "overslept"),
        ("Family reasons", "family reasons"),
    )
    # Staff who search (searcher, dsl) may be required a longer PIN than the 4-digit minimum.
    min_pin_length_search_roles: int = 4
    # The numbered phone slots the kiosk hands out in order, e.g. "1-120"; empty: staff write one.
    phone_slots: str = ""
    # R27: a learner with at least `late_comers_at_least` late marks (L, U) in the last
    # `late_comers_weeks` weeks is listed for the office, whose parents are to be met.
    late_comers_weeks: int = 6
    late_comers_at_least: int = 3
    # R7: a searcher's screening and searching training lasts this many months from the day in
    # the staff list's `search_trained` column; past it (or with no date) they are warned on the
    # duty panel and listed for the office, and may still search only if this is true.
    search_training_months: int = DEFAULT_TRAINING_MONTHS
    lapsed_training_may_search: bool = True

    @property
    def training(self) -> TrainingPolicy:
        """The searchers' training policy, as the rules take it."""
        return TrainingPolicy(self.search_training_months, self.lapsed_training_may_search)

    @property
    def plain_sign_in(self) -> bool:
        """With no phones and no screening the badge tap itself is the admission."""
        return self.phone_handin == "off" and self.screening == "off"


@dataclass(frozen=True)
class RetentionConfig:
    """How long records are kept before `kiosk purge --configured` (kiosk-purge.timer, daily)
    deletes them, in days; 0 keeps them until purged by hand. Attendance marks, refusals and
    the audit log are never purged (the register is kept for years)."""

    search_days: int = 0  # search records and what was found
    routine_days: int = 0  # screenings, returned phones, sent messages
