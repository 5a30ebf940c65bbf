"""A power cut mid-morning with learners in flight: `kiosk run` killed with SIGKILL, then the
kiosk started again on the same database comes back with the same queue and carries on."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gpiozero.pins.mock import MockFactory

from drivers.clock import ManualClock
from drivers.framing import encode_frame
from kiosk.config import load_config
from kiosk.domain.attendance import Session, mark_for_admission
from kiosk.station.launch import build_production
from tests.reliability.conftest import WAIT_SECONDS, KioskProcess, LaneSchool, badge, mis_id

# Who is where when the power goes (learner numbers in the generated roster).
ALARMED = 2  # walked through, the arch alarmed: waiting for staff
HEAD = 1  # phone in, at the head of the arch
BEHIND = 3  # phone in, next in the arch after HEAD
TOLD = 0  # told their slot at the entry, not yet at the phone station


def wait_for(
    condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS, log: Path | None = None
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            said = log.read_text(encoding="utf-8")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}; the kiosk's log:\n{said}")
        time.sleep(0.01)


async def until(pilot: Any, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {_seen(pilot.app)}")
        await pilot.pause(0.02)


def _seen(app: Any) -> str:
    """What the learner-facing screen last said, for a failure's message."""
    return f"{type(app.screen).__name__}: {app.greeting.headline!r} {app.greeting.next_step!r}"


def recorded(place: LaneSchool, *expected: tuple[str, str | None]) -> Callable[[], bool]:
    """The lane's log holds exactly `expected`: each event committed, and nothing else."""
    return lambda: place.events() == list(expected)


def at_least(place: LaneSchool, count: int) -> Callable[[], bool]:
    return lambda: len(place.events()) >= count


def first_tap_at(place: LaneSchool, n: int) -> datetime:
    (stored,) = place.query(
        "SELECT e.at FROM visit_events e JOIN learners l ON l.id = e.learner_id "
        "WHERE l.mis_id = ? AND e.kind = 'EntryTapped' ORDER BY e.id LIMIT 1",
        mis_id(n),
    )[0]
    return _utc(stored)


def _utc(stored: str) -> datetime:
    """A time as the database keeps it: UTC, written without its offset."""
    at = datetime.fromisoformat(stored)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def mark_of(place: LaneSchool, n: int) -> tuple[str, int, datetime] | None:
    rows = place.query(
        "SELECT m.code, m.minutes_late, m.arrived_at FROM session_marks m "
        "JOIN learners l ON l.id = m.learner_id WHERE l.mis_id = ?",
        mis_id(n),
    )
    if not rows:
        return None
    ((code, minutes, arrived),) = rows
    return code, minutes, _utc(arrived)


def decided_by(place: LaneSchool, at: datetime) -> tuple[str, int]:
    """The mark the school's times give an arrival at `at`."""
    local = at.astimezone(place.zone).time()
    mark = mark_for_admission(local, Session.AM, place.times)
    return mark.code.value, mark.minutes_late


def queue(app: Any) -> list[tuple[str, str, str, int | None, bool, str | None, datetime]]:
    return [
        (r.first_name, r.step, r.slot, r.in_arch, r.phone_done, r.screening, r.arrived_at)
        for r in app.lane_view.rows
    ]


async def test_a_kiosk_killed_mid_morning_comes_back_with_the_same_queue_and_carries_on(
    lane_school: Callable[[int], LaneSchool],
    kiosk_process: Callable[[Path, Path], KioskProcess],
    mock_pins: MockFactory,
    tmp_path: Path,
) -> None:
    place = lane_school(10)
    kiosk = kiosk_process(place.config_path, tmp_path / "kiosk.log")
    kiosk.wait_drawn("reader online")
    kiosk.wait_drawn("arch online")

    # The morning so far, each step waited for until the kiosk has recorded it.
    tap, phone, arch = place.entry, place.phone, place.arch
    tap.write(encode_frame(badge(ALARMED)))
    # The slot itself is drawn as a big numeral; its record is checked below.
    kiosk.wait_drawn("Then walk through the arch.")
    phone.write(encode_frame(badge(ALARMED)))
    wait_for(recorded(place, ("EntryTapped", "R00002"), ("PhoneStationTapped", "R00002")), "C")
    # Each device has its own thread: the next signal waits until the last is recorded, so the
    # lane sees them in the order a real morning would give them.
    for device, data, count in (
        (arch, b"ALARM\r\n", 3),
        (tap, encode_frame(badge(HEAD)), 4),
        (phone, encode_frame(badge(HEAD)), 5),
        (tap, encode_frame(badge(BEHIND)), 6),
        (phone, encode_frame(badge(BEHIND)), 7),
    ):
        device.write(data)
        wait_for(at_least(place, count), f"event {count}", log=kiosk.log)
    told_from = kiosk.mark()
    tap.write(encode_frame(badge(TOLD)))
    wait_for(at_least(place, 8), "event 8", log=kiosk.log)
    kiosk.wait_drawn("Then walk through the arch.", since=told_from)
    before_the_cut = [
        ("EntryTapped", mis_id(ALARMED)),
        ("PhoneStationTapped", mis_id(ALARMED)),
        ("ArchAlarmed", None),
        ("EntryTapped", mis_id(HEAD)),
        ("PhoneStationTapped", mis_id(HEAD)),
        ("EntryTapped", mis_id(BEHIND)),
        ("PhoneStationTapped", mis_id(BEHIND)),
        ("EntryTapped", mis_id(TOLD)),
    ]
    wait_for(recorded(place, *before_the_cut), "the whole morning so far")
    arrived = {n: first_tap_at(place, n) for n in (ALARMED, HEAD, BEHIND, TOLD)}
    kiosk.kill()

    assert place.query("SELECT count(*) FROM session_marks") == [(0,)], "nobody is in yet"
    phones = place.query(
        "SELECT l.mis_id, p.slot FROM phone_handins p JOIN learners l ON l.id = p.learner_id "
        "ORDER BY p.id"
    )
    assert phones == [(mis_id(ALARMED), "1"), (mis_id(HEAD), "2"), (mis_id(BEHIND), "3")]

    # The power comes back half an hour on: the register has closed since those first taps.
    clock = ManualClock(max(arrived.values()) + timedelta(minutes=40))
    app = build_production(load_config(place.config_path), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        devices = app.devices
        await until(
            pilot,
            lambda: (
                devices.reader.is_online
                and devices.phone_reader.is_online
                and devices.detector.is_online
                and app.lane_view.session != ""
            ),
            "the restarted kiosk",
        )
        expected = [
            ("Learner2", "search", "1", None, True, "alarm", arrived[ALARMED]),
            ("Learner1", "screening", "2", 1, True, None, arrived[HEAD]),
            ("Learner3", "screening", "3", 2, True, None, arrived[BEHIND]),
            ("Learner0", "phone", "4", None, False, None, arrived[TOLD]),
        ]
        assert queue(app) == expected

        # A second tap by a learner still in flight is not a second arrival.
        clock.advance(5)
        tap.write(encode_frame(badge(TOLD)))
        # The greeting screen is kept and reused: what it last said outlives its few seconds.
        told = app.greeting
        await until(pilot, lambda: told.headline == "Hello, Learner0", "the reminder")
        assert told.next_step == "Phone in slot 4, then walk through the arch."
        await until(pilot, lambda: not app.writer.waiting, "the writer")
        assert queue(app) == expected
        assert len(place.events()) == len(before_the_cut), "nothing new to record"

        # The arch's next passage is the learner who was at its head before the cut.
        clock.advance(5)
        arch.write(b"PASS\r\n")
        await until(pilot, lambda: mark_of(place, HEAD) is not None, "the head's admission")
        await until(pilot, lambda: told.headline == "Good morning, Learner1", "the welcome")
        clock.advance(5)
        arch.write(b"PASS\r\n")
        await until(pilot, lambda: mark_of(place, BEHIND) is not None, "the next admission")

        # The learner told their slot before the cut hands the phone in and walks through.
        clock.advance(5)
        phone.write(encode_frame(badge(TOLD)))
        await until(pilot, lambda: queue(app)[-1][1] == "screening", "the phone in slot 4")
        clock.advance(5)
        arch.write(b"PASS\r\n")
        await until(pilot, lambda: mark_of(place, TOLD) is not None, "the last admission")
        await until(pilot, lambda: not app.writer.waiting, "the writer")
        assert [row[0] for row in queue(app)] == ["Learner2"], "the alarm still waits for staff"

    # Each mark is the one the first tap, before the cut, decided; none is the restart's.
    for n in (HEAD, BEHIND, TOLD):
        code, minutes, arrived_at = mark_of(place, n) or ("", 0, None)
        assert arrived_at == arrived[n]
        assert (code, minutes) == decided_by(place, arrived[n])
        assert code == "L", "tapped within the register's half hour"
    assert mark_of(place, ALARMED) is None
    phones = place.query(
        "SELECT l.mis_id, p.slot FROM phone_handins p JOIN learners l ON l.id = p.learner_id "
        "ORDER BY p.id"
    )
    assert phones[-1] == (mis_id(TOLD), "4")
    assert len(phones) == 4
