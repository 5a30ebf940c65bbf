"""Notifications: queued with the event, delivered by email to each role, retried after failure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email import message_from_string
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kiosk.config import ConfigError, NotifyConfig, parse_config
from kiosk.notify.queue import (
    queue_exception_used,
    queue_police_item,
    queue_refusal,
    queue_third_confiscation,
)
from kiosk.notify.send import backoff, next_attempt_at, pending, send_pending
from records.models import NotificationRecord
from tests.office.conftest import MailServer, Office
from tests.records.recordbook import Book

AT = datetime(2025, 3, 3, 8, 50, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
LEARNER = "Aoife Ní Bhriain (A1001, 7R)"
REASON = "Learner said he had a knife and was threatening others; no male witness on site."


def smtp_section(port: int, **overrides: str) -> str:
    values = {
        "smtp_host": '"127.0.0.1"',
        "smtp_port": str(port),
        "starttls": "false",
        "sender": '"kiosk@school.example"',
        "attendance": '"attendance@school.example"',
        "dsl": '"dsl@school.example"',
        **overrides,
    }
    return "\n[notify]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())


def notify_config(port: int) -> NotifyConfig:
    return NotifyConfig(
        smtp_host="127.0.0.1",
        smtp_port=port,
        starttls=False,
        sender="kiosk@school.example",
        attendance="attendance@school.example",
        dsl="dsl@school.example",
    )


def queue_refusal_and_exception(book: Book) -> None:
    with book.sessions.begin() as session:
        queue_refusal(
            session,
            at=AT,
            day=date(2025, 3, 3),
            learner=LEARNER,
            mis_id="A1001",
            comment="refused screening: not admitted",
            zone=LONDON,
        )
        queue_exception_used(
            session,
            at=AT,
            learner=LEARNER,
            searcher="Ada Okafor (S1)",
            reason=REASON,
            mis_id="A1001",
            zone=LONDON,
        )


def parsed(content: str) -> EmailMessage:
    message = message_from_string(content, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def test_notify_send_delivers_each_role_its_own_message_over_smtp(
    office: Office, mail_server: MailServer
) -> None:
    mail_server.start()
    office.configure(smtp_section(mail_server.port))
    queue_refusal_and_exception(office.book)

    code, out, err = office("notify", "send")

    assert (code, err) == (0, "")
    assert out.startswith("sent 2, failed 0")
    by_recipient = {tuple(m["to"]): parsed(m["content"]) for m in mail_server.inbox.messages}
    assert set(by_recipient) == {("attendance@school.example",), ("dsl@school.example",)}
    attendance = by_recipient[("attendance@school.example",)]
    assert attendance["Subject"] == f"Not admitted: {LEARNER}"
    assert attendance["From"] == "kiosk@school.example"
    attendance_body = attendance.get_content()
    assert "refused screening: not admitted at 08:50 GMT on 2025-03-03" in attendance_body
    assert "not an exclusion" in attendance_body
    assert REASON not in attendance_body  # safeguarding detail goes to the DSL only
    dsl = by_recipient[("dsl@school.example",)]
    assert dsl["Subject"] == "Search exception used: A1001"  # no name on a lock screen
    assert REASON in dsl.get_content()
    assert "Ada Okafor (S1)" in dsl.get_content()
    with office.book.sessions() as session:
        assert pending(session) == []


def test_a_failed_send_is_kept_and_retried_once_the_server_is_back(
    book: Book, mail_server: MailServer
) -> None:
    config = notify_config(mail_server.port)
    with book.sessions.begin() as session:
        queue_police_item(
            session,
            at=AT,
            learner=LEARNER,
            category="knife",
            description="folding knife, 8 cm blade",
            searcher="Ada Okafor (S1)",
            police_reference="CAD 1234",
            mis_id="A1001",
        )

    down = send_pending(book.sessions, config, now=AT)  # the server is not running

    assert (down.sent, down.failed) == (0, 1)
    with book.sessions() as session:
        [waiting] = pending(session)
    assert waiting.attempts == 1
    assert "Connection" in waiting.last_error or "Errno" in waiting.last_error
    assert waiting.subject == "Item for the police: A1001"

    too_soon = send_pending(book.sessions, config, now=AT + timedelta(minutes=1))
    assert (too_soon.sent, too_soon.failed, too_soon.deferred) == (0, 0, 1)

    mail_server.start()
    back = send_pending(book.sessions, config, now=AT + timedelta(minutes=3))
    again = send_pending(book.sessions, config, now=AT + timedelta(hours=2))

    assert (back.sent, back.failed) == (1, 0)
    assert (again.sent, again.failed, again.deferred) == (0, 0, 0)
    [delivered] = mail_server.inbox.messages
    assert delivered["to"] == ["dsl@school.example"]
    assert "CAD 1234" in parsed(delivered["content"]).get_content()
    with book.sessions() as session:
        record = session.scalars(select(NotificationRecord)).one()
    assert record.sent_at == AT + timedelta(minutes=3)
    assert (record.attempts, record.last_error) == (2, "")


def test_without_email_notifications_wait_in_the_outbox_for_the_office_screen(
    office: Office,
) -> None:
    with office.book.sessions.begin() as session:
        queue_third_confiscation(
            session, at=AT, learner=LEARNER, mis_id="A1001", slot="slot 14", zone=LONDON
        )

    code, out, err = office("notify", "send")

    assert (code, err) == (0, "")
    assert "1 notification(s) wait in the outbox" in out
    with office.book.sessions() as session:
        [waiting] = pending(session)
    assert waiting.role == "attendance"
    assert waiting.subject == f"Phone to be collected by a parent or carer: {LEARNER}"
    assert "slot 14" in waiting.body
    assert (waiting.attempts, waiting.last_error) == (0, "")


def test_a_role_without_an_address_waits_and_is_not_counted_as_a_failure(
    book: Book, mail_server: MailServer
) -> None:
    mail_server.start()
    config = NotifyConfig(
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        starttls=False,
        sender="k@s.example",
        attendance="attendance@school.example",
    )
    queue_refusal_and_exception(book)

    report = send_pending(book.sessions, config, now=AT)

    assert (report.sent, report.failed, report.no_address) == (1, 0, 1)
    with book.sessions() as session:
        assert [n.role for n in pending(session)] == ["dsl"]


def test_notify_send_exits_1_when_a_delivery_fails(office: Office, mail_server: MailServer) -> None:
    office.configure(smtp_section(mail_server.port))
    queue_refusal_and_exception(office.book)

    code, out, _ = office("notify", "send")

    assert code == 1
    assert out.startswith("sent 0, failed 2")


def test_a_missing_password_file_is_a_config_error_on_one_line(
    office: Office, tmp_path: Path
) -> None:
    office.configure(
        smtp_section(2525, username='"kiosk"', password_file=f'"{tmp_path / "missing"}"')
    )

    code, out, err = office("notify", "send")

    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "password_file" in err


def test_backoff_doubles_from_two_minutes_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert next_attempt_at(AT, 0) == AT
    assert next_attempt_at(AT, 3) == AT + timedelta(minutes=2 + 4 + 8)


def test_notify_section_parses_and_defaults_to_587_with_starttls() -> None:
    config = parse_config(
        {"notify": {"smtp_host": "smtp.example", "sender": "kiosk@school.example"}},
        None,
        require_database=False,
    )
    assert (config.notify.smtp_port, config.notify.starttls) == (587, True)
    assert parse_config({}, None, require_database=False).notify.enabled is False


@pytest.mark.parametrize(
    ("section", "complaint"),
    [
        ({"smtp_host": "smtp.example"}, "sender"),
        ({"smtp_host": "smtp.example", "sender": "k@s", "smtp_port": 70000}, "smtp_port"),
        ({"smtp_host": "smtp.example", "sender": "k@s", "username": "k"}, "password_file"),
        ({"password": "hunter2"}, "unknown key [notify] password"),
    ],
)
def test_notify_section_refuses_unusable_settings(
    section: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        parse_config({"notify": section}, None, require_database=False)
