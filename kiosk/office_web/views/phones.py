"""Phones held: the list, and handing a phone back, confiscating one, and a parent collecting it.

Split out of kiosk.office_web.views.lists (whose list page, row buttons and reads these share):
each action goes through the phone desk's use case, the one the kiosk uses too, and a
confiscated phone goes back only as the school's policy allows.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.domain.phones import ConfiscatedItem
from kiosk.office.overview import school_office_view
from kiosk.office_web.auth import EVERYONE, Signed
from kiosk.office_web.guard import checked_form
from kiosk.office_web.render import back, staff_page
from kiosk.office_web.reports import learner_id_of, learners_on_roll, year_groups
from kiosk.office_web.state import office_of
from kiosk.office_web.tables import Column, Row, table
from kiosk.office_web.views.lists import LEARNER, Action, Posted, list_page, log, reads, row_action
from kiosk.phones.desk import (
    PhoneDeskError,
    confiscate_phone,
    held_confiscations,
    phone_collected_by_parent,
    return_phone,
)


@staff_page(EVERYONE)
async def phones(request: Request, who: Signed) -> Response:
    office = office_of(request)
    now = office.clock()

    def read(session: Any) -> Any:
        view = school_office_view(session, config=office.config, now=now, is_dsl=False)
        held = {h.learner_id: h for h in held_confiscations(session)}
        return view.phones, year_groups(session), held, learners_on_roll(session, office.today())

    shown_phones, years, held, on_roll = await run_in_threadpool(reads, office, read)
    rows: list[Row] = []
    for p in shown_phones:
        hold = held.get(p.learner_id) if p.confiscated else None
        state = "held"
        taken = "confiscated" if p.item == ConfiscatedItem.PHONE else f"{p.item} confiscated"
        if hold is not None:
            state = (
                f"{taken}: until a parent or carer collects {ConfiscatedItem(p.item).it}"
                if hold.hold_until is None
                else f"{taken}: until the end of {hold.hold_until}"
            )
        elif p.confiscated:
            state = taken
        rows.append(
            {"id": p.learner_id, "slot": p.slot, "name": p.name, "group": p.reg_group,
             "year": years.get(p.learner_id, ""), "handed_in": p.handed_in, "code": state,
             "confiscated": "yes" if p.confiscated else ""}
        )  # fmt: skip
    columns = (Column("slot", "Slot", numeric=True), *LEARNER,
               Column("handed_in", "Handed in"), Column("code", "State"))  # fmt: skip
    shown = table("Phones held", columns, rows, request.query_params, default_sort="slot")
    note = ("A confiscated phone or earphones are handed back only when the hold is over; the "
            "third time, only to a parent or carer, whose name is recorded. Earphones are not "
            "confiscated from a learner the roster permits them.")  # fmt: skip
    actions = (
        Action("/lists/phones/return", "Hand back", "id"),
        Action("/lists/phones/collected", "Collected by a parent", "id", field="collected_by",
               field_label="Parent or carer", when="confiscated"),
    )  # fmt: skip
    return list_page(request, who, title="Phones held", table=shown, note=note, actions=actions,
                 confiscate=on_roll)  # fmt: skip


@staff_page(EVERYONE)
async def phone_returned(request: Request, who: Signed) -> Response:
    zone = office_of(request).config.school.zone

    def job(session: Any, p: Posted) -> Any:
        return return_phone(session, p.id, day=p.at.astimezone(zone).date(), at=p.at, by=who.by)

    def said(done: Any, p: Posted) -> str:
        log.info("office web: %s handed back learner %d's phone", who.staff_id, p.id)
        return f"Handed back from slot {done.slot or '-'}."

    return await row_action(request, who, back_to="/lists/phones", nothing="learner",
                            refused=PhoneDeskError, failed="Not handed back", job=job,
                            done=said)  # fmt: skip


@staff_page(EVERYONE)
async def phone_collected(request: Request, who: Signed) -> Response:
    def job(session: Any, p: Posted) -> Any:
        collector = p.text("collected_by")
        return phone_collected_by_parent(session, p.id, at=p.at, collected_by=collector, by=who.by)

    def said(done: Any, p: Posted) -> str:
        log.info("office web: %s gave learner %d's phone to a parent", who.staff_id, p.id)
        return f"Collected by {done.collected_by} from slot {done.slot or '-'}."

    return await row_action(request, who, back_to="/lists/phones", nothing="learner",
                            refused=PhoneDeskError, failed="Not recorded", job=job,
                            done=said)  # fmt: skip


@staff_page(EVERYONE)
async def phone_confiscated(request: Request, who: Signed) -> Response:
    office = office_of(request)
    form = await checked_form(request, who.csrf)
    wanted = str(form.get("learner", ""))
    slot, note = str(form.get("slot", "")), str(form.get("note", ""))
    try:  # R33: earphones seen in use are confiscated as a phone is, unless permitted them
        item = ConfiscatedItem(str(form.get("item", "phone")))
    except ValueError:
        return back(request, "/lists/phones", "Not confiscated: choose a phone or earphones.")
    at = office.clock()
    zone = office.config.school.zone

    def job() -> str:
        try:
            with office.book.sessions.begin() as session:
                learner_id = learner_id_of(session, wanted)
                if learner_id is None:
                    return "Not confiscated: choose a learner from the list (name and MIS id)."
                outcome = confiscate_phone(
                    session, learner_id, at=at, by=who.by, zone=zone,
                    slot=slot, note=note, item=item,
                )  # fmt: skip
        except PhoneDeskError as exc:
            return f"Not confiscated: {exc}"
        log.info("office web: %s confiscated learner %d's %s", who.staff_id, learner_id, item)
        return " ".join(("Confiscated.", *outcome.said))

    return back(request, "/lists/phones", await run_in_threadpool(job))


ROUTES = [
    Route("/lists/phones", phones, methods=["GET"]),
    Route("/lists/phones/return", phone_returned, methods=["POST"]),
    Route("/lists/phones/collected", phone_collected, methods=["POST"]),
    Route("/lists/phones/confiscate", phone_confiscated, methods=["POST"]),
]
