"""The safeguarding lead's follow-ups to a search: police hand-overs whose reference is to
follow (add it), and searches whose parents are not told (record that they were).

Split out of kiosk.office_web.views.lists (whose list page and row buttons these share). Both
read the search log, so every read is audited; both write through kiosk.office_web.followups.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.office_web.auth import DSL_ONLY, Signed
from kiosk.office_web.followups import (
    PARENT_TOLD_HOW,
    FollowUpError,
    add_police_reference,
    police_references_to_follow,
    record_parents_told,
)
from kiosk.office_web.render import staff_page
from kiosk.office_web.reports import searches_parents_not_told
from kiosk.office_web.searchlog import read_search_log
from kiosk.office_web.state import office_of
from kiosk.office_web.tables import Column, Row, table
from kiosk.office_web.views.lists import Action, Posted, list_page, log, row_action
from kiosk.office_web.views.params import range_of


@staff_page(DSL_ONLY)
async def police(request: Request, who: Signed) -> Response:
    office = office_of(request)
    zone = office.config.school.zone
    found = await run_in_threadpool(
        lambda: read_search_log(
            office, who.by, lambda s: police_references_to_follow(s, zone),
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
    return list_page(request, who, title="Police hand-overs pending", table=shown, note=note,
                 actions=actions)  # fmt: skip


@staff_page(DSL_ONLY)
async def police_reference(request: Request, who: Signed) -> Response:
    def job(session: Any, p: Posted) -> str:
        return add_police_reference(session, p.id, p.text("reference"), at=p.at, by=who.by)

    def said(kept: str, p: Posted) -> str:
        log.info("office web: %s added a police reference to item %d", who.staff_id, p.id)
        return f"Police reference {kept} added."

    return await row_action(request, who, back_to="/lists/police", nothing="item",
                            refused=FollowUpError, failed="Not added", job=job,
                            done=said)  # fmt: skip


@staff_page(DSL_ONLY)
async def parents_not_told(request: Request, who: Signed) -> Response:
    office = office_of(request)
    span = range_of(request, office.today())
    zone = office.config.school.zone

    def not_told(session: Any) -> Any:
        return searches_parents_not_told(session, span.first, span.last, zone)

    found = await run_in_threadpool(
        lambda: read_search_log(office, who.by, not_told, first=span.first,
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
    return list_page(request, who, title="Searches: parents not told", table=shown, pick="range",
                 first=span.first, last=span.last, problem=span.problem, note=note,
                 actions=actions)  # fmt: skip


@staff_page(DSL_ONLY)
async def parents_told(request: Request, who: Signed) -> Response:
    keep = {k: v for k, v in request.query_params.items() if k in ("from", "to")}
    url = "/lists/parents-not-told" + (f"?{urlencode(keep)}" if keep else "")

    def job(session: Any, p: Posted) -> None:
        record_parents_told(session, p.id, p.text("how"), at=p.at, by=who.by)

    def said(_: None, p: Posted) -> str:
        log.info("office web: %s recorded parents told of search %d", who.staff_id, p.id)
        return "Recorded: the parents were told."

    return await row_action(request, who, back_to=url, nothing="search",
                            refused=FollowUpError, failed="Not recorded", job=job,
                            done=said)  # fmt: skip


ROUTES = [
    Route("/lists/police", police, methods=["GET"]),
    Route("/lists/police/reference", police_reference, methods=["POST"]),
    Route("/lists/parents-not-told", parents_not_told, methods=["GET"]),
    Route("/lists/parents-not-told/told", parents_told, methods=["POST"]),
]
