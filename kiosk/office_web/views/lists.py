"""Lists that act: late detentions, persistent late-comers, phones held (hand back, confiscate,
collected by a parent), learners not admitted under the influence (collected by a parent),
searchers' training, police hand-overs whose reference is to follow (add it), searches whose
parents are not told (record that they were), messages not delivered (send now), each with its
action where the law or the policy gives one, through the use case that the kiosk uses too."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.collection import CollectionError, awaiting_collection, record_collected
from kiosk.notify import NotifyError, send_pending
from kiosk.office import school_office_view
from kiosk.office_web.auth import DSL_ONLY, EVERYONE, Signed
from kiosk.office_web.followups import (
    PARENT_TOLD_HOW,
    FollowUpError,
    add_police_reference,
    police_references_to_follow,
    record_parents_told,
)
from kiosk.office_web.guard import checked_form
from kiosk.office_web.render import back, render, staff_page
from kiosk.office_web.reports import (
    late_detentions,
    learner_id_of,
    learners_on_roll,
    persistent_lates,
    searches_parents_not_told,
    undelivered,
    year_groups,
)
from kiosk.office_web.searchlog import read_search_log
from kiosk.office_web.state import Office, office_of
from kiosk.office_web.tables import Column, Row, table
from kiosk.office_web.views.params import day_of, range_of, session_of
from kiosk.phones_desk import (
    PhoneDeskError,
    confiscate_phone,
    held_confiscations,
    phone_collected_by_parent,
    return_phone,
)
from kiosk.searches import searchers_training

log = logging.getLogger(__name__)
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


def _reads(office: Office, job: Any) -> Any:
    with office.book.reads() as session:
        return job(session)


def _page(request: Request, who: Signed, **context: Any) -> Response:
    return render(request, "list.html", who, context)


@staff_page(EVERYONE)
async def detentions(request: Request, who: Signed) -> Response:
    office = office_of(request)
    day, school_session = day_of(request, "day", office.today()), session_of(request)
    found = await run_in_threadpool(
        _reads, office, lambda s: late_detentions(s, day, school_session)
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
    return _page(request, who, title="Late detentions", table=shown, pick="day",
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
        _reads, office, lambda s: persistent_lates(s, last=last, weeks=weeks, at_least=at_least)
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
    return _page(request, who, title="Persistent late-comers", table=shown, pick="weeks",
                 weeks=weeks, at_least=at_least, to=last, note=note)  # fmt: skip


@staff_page(EVERYONE)
async def phones(request: Request, who: Signed) -> Response:
    office = office_of(request)
    now = office.clock()

    def read(session: Any) -> Any:
        view = school_office_view(session, config=office.config, now=now, is_dsl=False)
        held = {h.learner_id: h for h in held_confiscations(session)}
        return view.phones, year_groups(session), held, learners_on_roll(session, office.today())

    shown_phones, years, held, on_roll = await run_in_threadpool(_reads, office, read)
    rows: list[Row] = []
    for p in shown_phones:
        hold = held.get(p.learner_id) if p.confiscated else None
        state = "held"
        if hold is not None:
            state = (
                "confiscated: until a parent or carer collects it"
                if hold.hold_until is None
                else f"confiscated: until the end of {hold.hold_until}"
            )
        elif p.confiscated:
            state = "confiscated"
        rows.append(
            {"id": p.learner_id, "slot": p.slot, "name": p.name, "group": p.reg_group,
             "year": years.get(p.learner_id, ""), "handed_in": p.handed_in, "code": state,
             "confiscated": "yes" if p.confiscated else ""}
        )  # fmt: skip
    columns = (Column("slot", "Slot", numeric=True), *LEARNER,
               Column("handed_in", "Handed in"), Column("code", "State"))  # fmt: skip
    shown = table("Phones held", columns, rows, request.query_params, default_sort="slot")
    note = ("A confiscated phone is handed back only when its hold is over; the third time, "
            "only to a parent or carer, whose name is recorded.")  # fmt: skip
    actions = (
        Action("/lists/phones/return", "Hand back", "id"),
        Action("/lists/phones/collected", "Collected by a parent", "id", field="collected_by",
               field_label="Parent or carer", when="confiscated"),
    )  # fmt: skip
    return _page(request, who, title="Phones held", table=shown, note=note, actions=actions,
                 confiscate=on_roll)  # fmt: skip


def _learner_id(form: Any) -> int | None:
    try:
        return int(str(form.get("id", "")))
    except ValueError:
        return None


@staff_page(EVERYONE)
async def phone_returned(request: Request, who: Signed) -> Response:
    office = office_of(request)
    form = await checked_form(request, who.csrf)
    learner_id = _learner_id(form)
    if learner_id is None:
        return back(request, "/lists/phones", "Not handed back: no learner chosen.")
    at = office.clock()
    day = at.astimezone(office.config.school.zone).date()

    def job() -> str:
        try:
            with office.book.sessions.begin() as session:
                done = return_phone(
                    session, learner_id, day=day, at=at, returned_by_staff_id=who.staff_id
                )
        except PhoneDeskError as exc:
            return f"Not handed back: {exc}"
        log.info("office web: %s handed back learner %d's phone", who.staff_id, learner_id)
        return f"Handed back from slot {done.slot or '-'}."

    return back(request, "/lists/phones", await run_in_threadpool(job))


@staff_page(EVERYONE)
async def phone_collected(request: Request, who: Signed) -> Response:
    office = office_of(request)
    form = await checked_form(request, who.csrf)
    learner_id = _learner_id(form)
    if learner_id is None:
        return back(request, "/lists/phones", "Not recorded: no learner chosen.")
    collector = str(form.get("collected_by", ""))
    at = office.clock()

    def job() -> str:
        try:
            with office.book.sessions.begin() as session:
                done = phone_collected_by_parent(
                    session, learner_id, at=at, collected_by=collector, by_staff_id=who.staff_id
                )
        except PhoneDeskError as exc:
            return f"Not recorded: {exc}"
        log.info("office web: %s gave learner %d's phone to a parent", who.staff_id, learner_id)
        return f"Collected by {done.collected_by} from slot {done.slot or '-'}."

    return back(request, "/lists/phones", await run_in_threadpool(job))


@staff_page(EVERYONE)
async def phone_confiscated(request: Request, who: Signed) -> Response:
    office = office_of(request)
    form = await checked_form(request, who.csrf)
    wanted = str(form.get("learner", ""))
    slot, note = str(form.get("slot", "")), str(form.get("note", ""))
    at = office.clock()
    zone = office.config.school.zone

    def job() -> str:
        try:
            with office.book.sessions.begin() as session:
                learner_id = learner_id_of(session, wanted)
                if learner_id is None:
                    return "Not confiscated: choose a learner from the list (name and MIS id)."
                outcome = confiscate_phone(
                    session, learner_id, at=at, by_staff_id=who.staff_id, zone=zone,
                    slot=slot, note=note,
                )  # fmt: skip
        except PhoneDeskError as exc:
            return f"Not confiscated: {exc}"
        log.info("office web: %s confiscated learner %d's phone", who.staff_id, learner_id)
        return " ".join(("Confiscated.", *outcome.said))

    return back(request, "/lists/phones", await run_in_threadpool(job))


@staff_page(EVERYONE)
async def collection(request: Request, who: Signed) -> Response:
    """R28: learners not admitted, suspected under the influence, whom no parent or carer is
    recorded as collecting yet; the collection recorded (who, when, by whom)."""
    office = office_of(request)
    day, zone = day_of(request, "day", office.today()), office.config.school.zone
    found = await run_in_threadpool(
        _reads, office, lambda s: awaiting_collection(s, day=day, zone=zone)
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
    return _page(request, who, title="Not admitted: awaiting a parent", table=shown,
                 note=note, actions=actions)  # fmt: skip


@staff_page(EVERYONE)
async def collected(request: Request, who: Signed) -> Response:
    office = office_of(request)
    form = await checked_form(request, who.csrf)
    refusal_id = _learner_id(form)
    collector = str(form.get("collected_by", ""))
    at, zone = office.clock(), office.config.school.zone

    def job() -> str:
        if refusal_id is None:
            return "Not recorded: no learner chosen."
        try:
            with office.book.sessions.begin() as session:
                done = record_collected(
                    session, refusal_id, collector, at=at, by_staff_id=who.staff_id, zone=zone
                )
        except CollectionError as exc:
            return f"Not recorded: {exc}"
        log.info("office web: %s recorded refusal %d collected", who.staff_id, refusal_id)
        return f"{done.learner} collected by {done.collected_by} at {done.at}."

    return back(request, "/lists/collection", await run_in_threadpool(job))


@staff_page(EVERYONE)
async def training(request: Request, who: Signed) -> Response:
    """R7: each authorised searcher's screening and searching training, those not up to date
    first, as the school's policy reads it."""
    office = office_of(request)
    policy, today = office.config.policy, office.today()
    found = await run_in_threadpool(
        _reads, office, lambda s: searchers_training(s, today=today, training=policy.training)
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
    return _page(request, who, title="Searchers' training", table=shown, note=note)


@staff_page(DSL_ONLY)
async def police(request: Request, who: Signed) -> Response:
    office = office_of(request)
    zone = office.config.school.zone
    found = await run_in_threadpool(
        lambda: read_search_log(
            office, who.staff_id, lambda s: police_references_to_follow(s, zone),
            first=None, last=None, where="office web: police hand-overs pending",
        )
    )  # fmt: skip
    rows: list[Row] = [
        {"id": h.item_id, "date": h.day, "time": h.time, "name": h.learner, "group": h.group,
         "item": f"{h.category}: {h.description}", "handed_to": h.handed_to, "why": h.reason}
        for h in found
    ]  # fmt: skip
    columns = (Column("date", "Date"), Column("time", "Time"), Column("name", "Learner"),
               Column("group", "Group"), Column("item", "Item"),
               Column("handed_to", "Handed to"), Column("why", "Why no reference"))  # fmt: skip
    shown = table("Handed to the police, reference to follow", columns, rows,
                  request.query_params, default_sort="date")  # fmt: skip
    note = "Each item went to the police before they gave a reference: add it when they do."
    actions = (
        Action("/lists/police/reference", "Add the reference", "id", field="reference",
               field_label="Police reference"),
    )  # fmt: skip
    return _page(request, who, title="Police hand-overs pending", table=shown, note=note,
                 actions=actions)  # fmt: skip


@staff_page(DSL_ONLY)
async def police_reference(request: Request, who: Signed) -> Response:
    office = office_of(request)
    form = await checked_form(request, who.csrf)
    item_id = _learner_id(form)
    reference = str(form.get("reference", ""))
    at = office.clock()

    def job() -> str:
        if item_id is None:
            return "Not added: no item chosen."
        try:
            with office.book.sessions.begin() as session:
                kept = add_police_reference(
                    session, item_id, reference, at=at, by_staff_id=who.staff_id
                )
        except FollowUpError as exc:
            return f"Not added: {exc}"
        log.info("office web: %s added a police reference to item %d", who.staff_id, item_id)
        return f"Police reference {kept} added."

    return back(request, "/lists/police", await run_in_threadpool(job))


@staff_page(DSL_ONLY)
async def parents_not_told(request: Request, who: Signed) -> Response:
    office = office_of(request)
    span = range_of(request, office.today())
    zone = office.config.school.zone

    def not_told(session: Any) -> Any:
        return searches_parents_not_told(session, span.first, span.last, zone)

    found = await run_in_threadpool(
        lambda: read_search_log(office, who.staff_id, not_told, first=span.first,
                                last=span.last, where="office web: searches, parents not told")
    )  # fmt: skip
    rows: list[Row] = [
        {"id": f.search_id, "date": f.day, "time": f.time, "name": f.learner,
         "outcome": f.outcome, "items": f.items}
        for f in found
    ]  # fmt: skip
    columns = (Column("date", "Date"), Column("time", "Time"), Column("name", "Learner"),
               Column("outcome", "Outcome"), Column("items", "Items"))  # fmt: skip
    shown = table(f"Searches {span.first} to {span.last}: parents not told", columns, rows,
                  request.query_params, default_sort="date")  # fmt: skip
    note = (
        "The search record says the parents were not told. Once they are, say how "
        f"({', '.join(PARENT_TOLD_HOW)}): it is written on the search, with who and when."
    )
    told = "/lists/parents-not-told/told?" + urlencode({"from": span.first, "to": span.last})
    actions = (Action(told, "Parents told", "id", field="how", field_label="How they were told"),)
    return _page(request, who, title="Searches: parents not told", table=shown, pick="range",
                 first=span.first, last=span.last, problem=span.problem, note=note,
                 actions=actions)  # fmt: skip


@staff_page(DSL_ONLY)
async def parents_told(request: Request, who: Signed) -> Response:
    office = office_of(request)
    form = await checked_form(request, who.csrf)
    search_id = _learner_id(form)
    how = str(form.get("how", ""))
    at = office.clock()

    def job() -> str:
        if search_id is None:
            return "Not recorded: no search chosen."
        try:
            with office.book.sessions.begin() as session:
                record_parents_told(session, search_id, how, at=at, by_staff_id=who.staff_id)
        except FollowUpError as exc:
            return f"Not recorded: {exc}"
        log.info("office web: %s recorded parents told of search %d", who.staff_id, search_id)
        return "Recorded: the parents were told."

    keep = {k: v for k, v in request.query_params.items() if k in ("from", "to")}
    url = "/lists/parents-not-told" + (f"?{urlencode(keep)}" if keep else "")
    return back(request, url, await run_in_threadpool(job))


@staff_page(EVERYONE)
async def messages(request: Request, who: Signed) -> Response:
    office = office_of(request)
    zone = office.config.school.zone
    found = await run_in_threadpool(
        _reads, office, lambda s: undelivered(s, zone, is_dsl=who.is_dsl)
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
    return _page(request, who, title="Messages not delivered", table=shown, note=note,
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
    Route("/lists/phones", phones, methods=["GET"]),
    Route("/lists/phones/return", phone_returned, methods=["POST"]),
    Route("/lists/phones/collected", phone_collected, methods=["POST"]),
    Route("/lists/phones/confiscate", phone_confiscated, methods=["POST"]),
    Route("/lists/collection", collection, methods=["GET"]),
    Route("/lists/collection/collected", collected, methods=["POST"]),
    Route("/lists/training", training, methods=["GET"]),
    Route("/lists/police", police, methods=["GET"]),
    Route("/lists/police/reference", police_reference, methods=["POST"]),
    Route("/lists/parents-not-told", parents_not_told, methods=["GET"]),
    Route("/lists/parents-not-told/told", parents_told, methods=["POST"]),
    Route("/lists/messages", messages, methods=["GET"]),
    Route("/lists/messages/send", messages_sent, methods=["POST"]),
]
