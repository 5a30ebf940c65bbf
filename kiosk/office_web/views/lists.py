"""Lists that act: late detentions, persistent late-comers, learners not admitted under the
influence (collected by a parent), searchers' training, messages not delivered (send now), each
with its action where the law or the policy gives one, through the use case that the kiosk uses
too.

Phones held are in kiosk.office_web.views.phones, and the safeguarding lead's follow-ups to a
search (police references, parents told) in kiosk.office_web.views.search_followups; they share
the list page, the row buttons and the reads defined here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.door.searches import searchers_training
from kiosk.notify.send import NotifyError, send_pending
from kiosk.office.collection import CollectionError, awaiting_collection, record_collected
from kiosk.office_web.auth import EVERYONE, Signed
from kiosk.office_web.guard import checked_form
from kiosk.office_web.render import back, render, staff_page
from kiosk.office_web.reports import late_detentions, persistent_lates, undelivered
from kiosk.office_web.state import Office, office_of
from kiosk.office_web.tables import Column, Row, table
from kiosk.office_web.views.params import day_of, session_of

log = logging.getLogger(__name__)
_Done = TypeVar("_Done")
LEARNER = (Column("name", "Name"), Column("group", "Group"), Column("year", "Year"))


@dataclass(frozen=True)
class Action:
    """A button on each row: POST `url` with the row's `key`; with `field`, a text to fill in
    first (labelled `field_label`); with `when`, only on rows where that value is set."""

    url: str
    label: str
    key: str
    field: str = ""
    field_label: str = ""
    when: str = ""


def reads(office: Office, job: Any) -> Any:
    """`job(session)` in a read of the school's book (run it in the thread pool)."""
    with office.book.reads() as session:
        return job(session)


def write(
    office: Office,
    job: Callable[[Any], _Done],
    refused: type[Exception],
    failed: str,
    done: Callable[[_Done], str],
) -> str:
    """`job(session)` in one transaction of the school's book (run it in the thread pool), then
    the message `done(what it gave)` once committed; "`failed`: why" when the use case refuses
    (raises `refused`), nothing written."""
    try:
        with office.book.sessions.begin() as session:
            result = job(session)
    except refused as exc:
        return f"{failed}: {exc}"
    return done(result)


@dataclass(frozen=True)
class Posted:
    """What a row's button posted: the row's `id`, the whole form, and when it came."""

    id: int
    form: Any
    at: datetime

    def text(self, name: str) -> str:
        return str(self.form.get(name, ""))


async def row_action(
    request: Request,
    who: Signed,
    *,
    back_to: str,
    nothing: str,
    refused: type[Exception],
    failed: str,
    job: Callable[[Any, Posted], _Done],
    done: Callable[[_Done, Posted], str],
) -> Response:
    """A row's button: `job(session, posted)` through `write`, then back to `back_to` with
    `done`'s message, or "`failed`: no `nothing` chosen." when the form names no row."""
    office = office_of(request)
    form = await checked_form(request, who.csrf)
    row_id = posted_id(form)
    if row_id is None:
        return back(request, back_to, f"{failed}: no {nothing} chosen.")
    posted = Posted(row_id, form, office.clock())
    message = await run_in_threadpool(
        write, office, lambda s: job(s, posted), refused, failed, lambda r: done(r, posted)
    )
    return back(request, back_to, message)


def list_page(request: Request, who: Signed, **context: Any) -> Response:
    """The list page (list.html) with its table, note and actions."""
    return render(request, "list.html", who, context)


def posted_id(form: Any) -> int | None:
    """The row's `id` a list's action posted (a learner, a refusal, an item, a search)."""
    try:
        return int(str(form.get("id", "")))
    except ValueError:
        return None


@staff_page(EVERYONE)
async def detentions(request: Request, who: Signed) -> Response:
    office = office_of(request)
    day, school_session = day_of(request, "day", office.today()), session_of(request)
    found = await run_in_threadpool(
        reads, office, lambda s: late_detentions(s, day, school_session)
    )
    rows: list[Row] = [
        {"name": x.name, "group": x.group, "year": x.year, "minutes": m, "reason": r}
        for x, m, r in found
    ]  # fmt: skip
    columns = (*LEARNER, Column("minutes", "Minutes late", True), Column("reason", "Reason"))
    shown = table(f"Late detentions, {day}, {school_session.value}", columns, rows,
                  request.query_params)  # fmt: skip
    note = ("A detention served is not recorded by the kiosk: this list is for reading "
            "(Downloads has it as CSV or Excel).")  # fmt: skip
    return list_page(request, who, title="Late detentions", table=shown, pick="day",
                 day=day, session=school_session.value, note=note)  # fmt: skip


@staff_page(EVERYONE)
async def late_comers(request: Request, who: Signed) -> Response:
    office = office_of(request)
    policy = office.config.policy
    # R27: the school's window and threshold ([policy]); the page may look at others.
    weeks = _number(request, "weeks", policy.late_comers_weeks, 1, 52)
    at_least = _number(request, "at_least", policy.late_comers_at_least, 1, 100)
    last = day_of(request, "to", office.today())
    found = await run_in_threadpool(
        reads, office, lambda s: persistent_lates(s, last=last, weeks=weeks, at_least=at_least)
    )
    rows: list[Row] = [
        {"name": x.name, "group": x.group, "year": x.year, "lates": n} for x, n in found
    ]  # fmt: skip
    columns = (*LEARNER, Column("lates", "Late marks", numeric=True))
    shown = table(f"{at_least} or more late marks in the {weeks} weeks to {last}", columns,
                  rows, request.query_params, default_sort="name")  # fmt: skip
    note = (
        "A count of late marks (L and U) per learner over the weeks chosen. The school's policy "
        f"([policy] in the config): {policy.late_comers_at_least} or more in "
        f"{policy.late_comers_weeks} weeks, whose parents are to be met."
    )
    return list_page(request, who, title="Persistent late-comers", table=shown, pick="weeks",
                 weeks=weeks, at_least=at_least, to=last, note=note)  # fmt: skip


@staff_page(EVERYONE)
async def collection(request: Request, who: Signed) -> Response:
    """R28: learners not admitted, suspected under the influence, whom no parent or carer is
    recorded as collecting yet; the collection recorded (who, when, by whom)."""
    office = office_of(request)
    day, zone = day_of(request, "day", office.today()), office.config.school.zone
    found = await run_in_threadpool(
        reads, office, lambda s: awaiting_collection(s, day=day, zone=zone)
    )
    rows: list[Row] = [
        {"id": w.refusal_id, "name": w.name, "group": w.reg_group, "time": w.at} for w in found
    ]
    columns = (Column("name", "Name"), Column("group", "Group"), Column("time", "Not admitted"))
    shown = table(f"Not admitted, suspected under the influence, {day}: awaiting a parent",
                  columns, rows, request.query_params, default_sort="time")  # fmt: skip
    note = (
        "Not admitted (O, not an exclusion); kept apart from other learners until a parent or "
        "carer collects them. Write who collected them, with their relation to the learner."
    )
    actions = (
        Action("/lists/collection/collected", "Collected by a parent", "id",
               field="collected_by", field_label="Parent or carer (name, relation)"),
    )  # fmt: skip
    return list_page(request, who, title="Not admitted: awaiting a parent", table=shown,
                 note=note, actions=actions)  # fmt: skip


@staff_page(EVERYONE)
async def collected(request: Request, who: Signed) -> Response:
    zone = office_of(request).config.school.zone

    def job(session: Any, p: Posted) -> Any:
        collector = p.text("collected_by")
        return record_collected(session, p.id, collector, at=p.at, by=who.by, zone=zone)

    def said(done: Any, p: Posted) -> str:
        log.info("office web: %s recorded refusal %d collected", who.staff_id, p.id)
        return f"{done.learner} collected by {done.collected_by} at {done.at}."

    return await row_action(request, who, back_to="/lists/collection", nothing="learner",
                            refused=CollectionError, failed="Not recorded", job=job,
                            done=said)  # fmt: skip


@staff_page(EVERYONE)
async def training(request: Request, who: Signed) -> Response:
    """R7: each authorised searcher's screening and searching training, those not up to date
    first, as the school's policy reads it."""
    office = office_of(request)
    policy, today = office.config.policy, office.today()
    found = await run_in_threadpool(
        reads, office, lambda s: searchers_training(s, today=today, training=policy.training)
    )
    rows: list[Row] = [
        {"name": t.member.name, "id": t.member.staff_id,
         "trained": str(t.member.search_trained_on or ""), "due": str(t.due_on or ""),
         "state": str(t.state), "may": "yes" if t.may_search else "no"}
        for t in found
    ]  # fmt: skip
    columns = (Column("name", "Name"), Column("id", "Staff id"), Column("trained", "Trained"),
               Column("due", "Runs out"), Column("state", "Training"),
               Column("may", "May search"))  # fmt: skip
    shown = table(f"Searchers' training on {today}", columns, rows, request.query_params,
                  default_sort="state")  # fmt: skip
    may = (
        "still search, warned" if policy.lapsed_training_may_search else "not search until trained"
    )
    note = (
        f"Training lasts {policy.search_training_months} months from the date in the staff "
        "list's search_trained column ([policy] search_training_months); past it, or with no "
        f"date, a searcher may {may} ([policy] lapsed_training_may_search)."
    )
    return list_page(request, who, title="Searchers' training", table=shown, note=note)


@staff_page(EVERYONE)
async def messages(request: Request, who: Signed) -> Response:
    office = office_of(request)
    zone = office.config.school.zone
    found = await run_in_threadpool(
        reads, office, lambda s: undelivered(s, zone, is_dsl=who.is_dsl)
    )
    rows: list[Row] = [
        {"created": m.created_at, "to": m.role, "name": m.subject, "tries": m.attempts,
         "error": m.last_error}
        for m in found
    ]  # fmt: skip
    columns = (Column("created", "Written"), Column("to", "To"), Column("name", "Subject"),
               Column("tries", "Tries", numeric=True), Column("error", "Last error"))  # fmt: skip
    shown = table("Messages not delivered", columns, rows, request.query_params, "created")
    mail = office.config.notify.enabled
    note = "" if mail else "No mail server is set ([notify] smtp_host): nothing can be sent."
    return list_page(request, who, title="Messages not delivered", table=shown, note=note,
                 send=("/lists/messages/send", "Send now") if mail else None)  # fmt: skip


@staff_page(EVERYONE)
async def messages_sent(request: Request, who: Signed) -> Response:
    office = office_of(request)
    await checked_form(request, who.csrf)

    def job() -> str:
        try:
            report = send_pending(office.book.sessions, office.config.notify, now=office.clock())
        except (NotifyError, SQLAlchemyError, OSError) as exc:
            return f"Not sent: {exc}"
        return report.summary()

    said = await run_in_threadpool(job)
    log.info("office web: %s sent the outbox: %s", who.staff_id, said)
    return back(request, "/lists/messages", said)


def _number(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


ROUTES = [
    Route("/lists/detentions", detentions, methods=["GET"]),
    Route("/lists/late-comers", late_comers, methods=["GET"]),
    Route("/lists/collection", collection, methods=["GET"]),
    Route("/lists/collection/collected", collected, methods=["POST"]),
    Route("/lists/training", training, methods=["GET"]),
    Route("/lists/messages", messages, methods=["GET"]),
    Route("/lists/messages/send", messages_sent, methods=["POST"]),
]
