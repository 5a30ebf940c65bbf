"""Signing a learner out: the reason and who, audited; the roll and the attendance export follow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from kiosk.domain.attendance import Session as SchoolSession
from kiosk.domain.people import StaffRef
from kiosk.exports import ATTENDANCE_HEADER, attendance_rows
from kiosk.office.roll import fire_roll
from kiosk.office.signout import SignOutError, sign_out
from kiosk.screens.sign_out import SignOutScreen
from kiosk.views.on_site import Roll, RollGroup, RollLearner, SignOutChosen, sign_out_reason
from records.models import AuditRecord, NotificationRecord, SignOutRecord
from tests.office.school_day import ALARM_AT, SCHOOL, SIGNED_OUT_AT, school_day
from tests.records.recordbook import Book

COMMENT = ATTENDANCE_HEADER.index("comment")


def _export(book: Book) -> dict[str, tuple[str, ...]]:
    with book.sessions() as session:
        return {
            row[0]: row
            for row in attendance_rows(
                session, day=ALARM_AT.date(), school_session=SchoolSession.AM, school=SCHOOL,
                now=ALARM_AT,
            )
        }  # fmt: skip


def test_the_attendance_export_says_when_and_why_a_learner_left(book: Book) -> None:
    school_day(book)

    rows = _export(book)

    assert rows["C3003"][COMMENT] == "signed out 09:45: appointment"
    assert rows["C3003"][ATTENDANCE_HEADER.index("code")] == "/"  # the mark itself stands
    assert rows["A1001"][COMMENT] == ""


def test_a_sign_out_is_added_to_a_late_comment(book: Book) -> None:
    day = school_day(book)
    late = datetime(2025, 3, 3, 10, 30, tzinfo=UTC)
    with book.sessions.begin() as session:
        sign_out(session, day.admitted, at=late, reason="illness", by=StaffRef("S1"), school=SCHOOL)

    rows = _export(book)

    assert rows["A1001"][COMMENT] == "signed out 10:30: illness"


def test_a_sign_out_is_audited_with_who_and_why(book: Book) -> None:
    school_day(book)

    with book.sessions() as session:
        entry = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "learner.signed_out")
        ).one()
        record = session.scalars(select(SignOutRecord)).one()
    assert entry.actor_staff_id == "OF1"
    assert '"reason":"appointment"' in entry.detail
    assert record.signed_out_at == SIGNED_OUT_AT
    assert record.session == "AM"


@pytest.mark.parametrize(
    ("who", "reason", "refused_because"),
    [
        ("refused", "appointment", "has not been admitted today"),
        ("absent", "appointment", "has not been admitted today"),
        ("signed_out", "illness", "was already signed out at 09:45"),
        ("admitted", "   ", "Give a reason"),
    ],
)
def test_only_a_learner_on_site_can_be_signed_out_and_only_with_a_reason(
    book: Book, who: str, reason: str, refused_because: str
) -> None:
    day = school_day(book)

    with book.sessions.begin() as session, pytest.raises(SignOutError, match=refused_because):
        sign_out(
            session,
            getattr(day, who),
            at=ALARM_AT,
            reason=reason,
            by=StaffRef("OF1"),
            school=SCHOOL,
        )


def test_an_unknown_member_of_staff_cannot_sign_a_learner_out(book: Book) -> None:
    day = school_day(book)

    with book.sessions.begin() as session, pytest.raises(SignOutError, match="staff_id 'X9'"):
        sign_out(
            session, day.admitted, at=ALARM_AT, reason="illness", by=StaffRef("X9"), school=SCHOOL
        )


def test_a_signed_out_learner_leaves_the_roll(book: Book) -> None:
    day = school_day(book)
    with book.sessions.begin() as session:
        sign_out(
            session, day.admitted, at=ALARM_AT, reason="illness", by=StaffRef("S1"), school=SCHOOL
        )

    with book.sessions() as session:
        roll = fire_roll(session, school=SCHOOL, now=ALARM_AT)

    assert roll.learners == ()
    assert [(gone.name, gone.at, gone.reason) for gone in roll.signed_out] == [
        ("Clarke, Cara", "09:45", "appointment"),
        ("Ní Bhriain, Aoife", "10:00", "illness"),
    ]


@pytest.mark.parametrize(
    ("preset", "detail", "reason"),
    [
        ("appointment", "", "appointment"),
        ("appointment", " dentist  at 11 ", "appointment: dentist at 11"),
        ("other", "went to the orthodontist", "went to the orthodontist"),
        ("other", "", ""),
    ],
)
def test_the_reason_is_the_preset_with_staff_words(preset: str, detail: str, reason: str) -> None:
    assert sign_out_reason(preset, detail) == reason


ROLL = Roll(
    school="Test Academy",
    taken_at="2025-03-03 10:00",
    groups=(
        RollGroup("7A", (RollLearner(1, "A1001", "Ní Bhriain", "Aoife", "7", "08:25"),)),
        RollGroup("7B", (RollLearner(2, "B2002", "Brown", "[Ben]", "7", "08:27"),)),
    ),
    staff=(),
    signed_out=(),
)


async def test_the_sign_out_screen_sends_back_the_learner_and_the_reason() -> None:
    from textual.app import App

    chosen: list[SignOutChosen | None] = []

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(SignOutScreen(ROLL), chosen.append)

    async with Host().run_test(size=(120, 50)) as pilot:
        confirm = pilot.app.screen.query_one("#confirm")
        await pilot.click("#learner-1")
        assert confirm.disabled  # no reason yet
        await pilot.click("#reason-4")  # other: needs words
        assert confirm.disabled
        await pilot.press(*"bus home")
        await pilot.pause()
        assert not confirm.disabled
        await pilot.click("#confirm")
        await pilot.pause()

    assert chosen == [SignOutChosen(2, "bus home")]


def test_r29_sent_home_without_a_formal_suspension_is_refused(book: Book) -> None:
    """R29: "sent home" is never a silent sign-out: refused unless a formal suspension."""
    day = school_day(book)
    refused = pytest.raises(SignOutError, match="unlawful unless it is a formal suspension")
    with refused, book.sessions.begin() as session:
        sign_out(
            session, day.admitted, at=ALARM_AT, reason="sent home: swearing",
            by=StaffRef("S1"), school=SCHOOL,
        )  # fmt: skip
    with book.sessions.begin() as session:
        sign_out(
            session, day.admitted, at=ALARM_AT, reason="sent home: formal suspension (code E)",
            by=StaffRef("S1"), school=SCHOOL,
        )  # fmt: skip
    with book.sessions() as session:
        told = [(n.role, n.subject) for n in session.scalars(select(NotificationRecord))]
    assert told[-1] == ("attendance", "Sent home, formal suspension: Aoife Ní Bhriain")
    assert sum(1 for _, subject in told if subject.startswith("Sent home")) == 1


async def test_r29_the_sign_out_screen_asks_whether_sent_home_is_a_formal_suspension() -> None:
    """R29: touching "sent home" warns and will not sign out until it is a formal suspension."""
    from textual.app import App

    chosen: list[SignOutChosen | None] = []

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(SignOutScreen(ROLL), chosen.append)

    async with Host().run_test(size=(120, 50)) as pilot:
        confirm = pilot.app.screen.query_one("#confirm")
        await pilot.click("#learner-0")
        await pilot.click("#reason-3")  # sent home
        await pilot.pause()
        warning = pilot.app.screen.query_one("#sent-home-warning")
        assert warning.display and "unlawful" in str(warning.render())
        assert confirm.disabled
        await pilot.click("#formal-suspension")
        await pilot.pause()
        assert not confirm.disabled
        await pilot.click("#confirm")
        await pilot.pause()

    assert chosen == [SignOutChosen(1, "sent home: formal suspension (code E)")]
