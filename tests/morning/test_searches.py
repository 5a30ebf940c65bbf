"""Recording a search: the law decides what can be written, and nothing unlawful is."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kiosk.domain.items import Disposition, ItemCategory
from kiosk.domain.people import StaffRef
from kiosk.domain.search import SearchLevel, UrgentException
from kiosk.door.searches import (
    FoundItem,
    SearchForm,
    SearchNotAllowed,
    record_search,
    who_may_search,
)
from records.models import FoundItemRecord, SearchRecord
from tests.morning.conftest import NOW, learner_id

# Demo staff: S01 Aisha Khan F searcher, S02 Daniel Reid M searcher, S03 Bethan Evans F screener,
# S04 Kofi Osei M screener, S05 Helen Price F office, S06 Gráinne Walsh F dsl, S07 Mark Taylor M
# admin+searcher. Demo learners: A1002 Siobhán (F), A1001 Chidi (M).
SIOBHAN, CHIDI = "A1002", "A1001"


def form(book, mis_id: str, searcher: str, witness: str | None, **kw) -> SearchForm:
    fields = {
        "level": SearchLevel.LOW,
        "place": "Reception side room",
        "grounds": "arch alarm at the waist",
        "sought": "knife",
        "outcome": "nothing found",
    } | kw
    return SearchForm(learner_id(book, mis_id), searcher, witness, **fields)


def searches(book) -> int:
    with book.sessions() as session:
        return session.scalar(select(func.count()).select_from(SearchRecord)) or 0


def record(book, search_form: SearchForm, by: str = "S01"):
    with book.sessions.begin() as session:
        return record_search(session, search_form, at=NOW, by=StaffRef(by))


def test_duty_panel_names_the_female_searchers_and_witnesses_for_a_female_learner(school) -> None:
    with school.sessions() as session:
        need = who_may_search(session, learner_id(school, SIOBHAN), ["S01", "S02", "S03", "S04"])
    assert [m.staff_id for m in need.searchers] == ["S01"]
    assert "S03" in [m.staff_id for m in need.witnesses]
    assert need.can_search_lawfully


def test_no_female_searcher_on_duty_is_said_before_the_search_starts(school) -> None:
    with school.sessions() as session:
        need = who_may_search(session, learner_id(school, SIOBHAN), ["S02", "S04"])
    assert not need.can_search_lawfully
    assert any("female" in line.lower() for line in need.missing)


def test_female_learner_searched_by_female_searcher_with_witness_is_recorded(school) -> None:
    """R2, R3: a same-sex searcher with a witness is recorded as such."""
    done = record(school, form(school, SIOBHAN, "S01", "S03"))
    assert done.check.same_sex_searcher and done.check.witness_present
    assert not done.check.exception_used and not done.notify_dsl
    with school.sessions() as session:
        search = session.get_one(SearchRecord, done.search_id)
        assert search.searcher.staff_id == "S01" and search.witness.staff_id == "S03"


@pytest.mark.parametrize(
    ("searcher", "witness", "why"),
    [
        ("S02", "S03", "not female"),
        ("S01", None, "witness"),
        ("S01", "S01", "another member of staff"),
        ("S03", "S01", "not authorised"),
    ],
    ids=["male-searcher", "no-witness", "witness-is-searcher", "unauthorised-searcher"],
)
def test_a_search_breaking_the_rule_is_refused_and_nothing_is_recorded(
    school, searcher, witness, why
) -> None:
    """R1, R2: a search breaking the rule is refused and nothing is recorded."""
    with pytest.raises(SearchNotAllowed) as refused:
        record(school, form(school, SIOBHAN, searcher, witness))
    assert any(why in reason for reason in refused.value.reasons), refused.value.reasons
    assert searches(school) == 0


def test_the_urgent_exception_records_the_search_and_flags_the_safeguarding_lead(school) -> None:
    """R4: the exception is recorded with its reason and the DSL flagged."""
    urgent = UrgentException(
        serious_harm_risk=True,
        not_practicable=True,
        reason="Knife seen in waistband; no female searcher on site for 40 minutes.",
    )
    done = record(school, form(school, SIOBHAN, "S02", None, exception=urgent), by="S02")
    assert done.check.exception_used and done.notify_dsl
    with school.sessions() as session:
        search = session.get_one(SearchRecord, done.search_id)
        assert search.exception_used and "Knife seen" in search.exception_reason
        assert not search.same_sex_searcher and not search.witness_present


def test_the_exception_never_lets_an_unauthorised_member_of_staff_search(school) -> None:
    """R1: the exception never lets an unauthorised member of staff search."""
    urgent = UrgentException(True, True, "Knife seen; nobody else is here at all.")
    with pytest.raises(SearchNotAllowed, match="not authorised"):
        record(school, form(school, CHIDI, "S04", None, exception=urgent), by="S04")
    assert searches(school) == 0


def test_a_knife_found_goes_to_the_police_with_a_reference(school) -> None:
    """R16: a weapon goes to the police with a reference."""
    knife = FoundItem(
        ItemCategory.WEAPON,
        "folding knife, 8 cm blade",
        Disposition.POLICE,
        handed_to="PC 4411",
        police_reference="CAD 2211/23",
    )
    done = record(school, form(school, CHIDI, "S02", "S04", items=(knife,), outcome="knife found"))
    assert done.notify_dsl
    with school.sessions() as session:
        (item,) = session.scalars(select(FoundItemRecord)).all()
        assert item.disposition == Disposition.POLICE.value
        assert item.police_reference == "CAD 2211/23"


def test_a_knife_cannot_be_returned_to_the_learner(school) -> None:
    knife = FoundItem(ItemCategory.WEAPON, "knife", Disposition.RETURN_END_OF_DAY)
    with pytest.raises(SearchNotAllowed):
        record(school, form(school, CHIDI, "S02", "S04", items=(knife,)))
    assert searches(school) == 0


def test_a_search_without_grounds_is_refused(school) -> None:
    with pytest.raises(SearchNotAllowed, match="grounds"):
        record(school, form(school, CHIDI, "S02", "S04", grounds="  "))


def test_the_exception_and_a_police_item_each_tell_the_safeguarding_lead(school) -> None:
    from records.models import NotificationRecord

    urgent = UrgentException(True, True, "Blade seen; no male searcher on site for an hour.")
    knife = FoundItem(ItemCategory.WEAPON, "kitchen knife", Disposition.POLICE, "PC 1", "CAD 9")
    record(school, form(school, CHIDI, "S01", None, exception=urgent, items=(knife,)))
    with school.sessions() as session:
        queued = session.scalars(select(NotificationRecord)).all()
    assert sorted(n.role for n in queued) == ["dsl", "dsl"]
    assert any("Blade seen" in n.body for n in queued)
    assert any("CAD 9" in n.body for n in queued)


def test_r33_earphones_are_confiscated_only_from_a_learner_without_permission(
    school, tmp_path
) -> None:
    """R33: the roster's earphones column gives permission; earphones found on a learner
    with it cannot be recorded as confiscated, on one without it they can."""
    import csv

    from kiosk.people.roster_import import import_learners
    from records.models import LearnerRecord
    from tests.morning.conftest import DEMO_LEARNERS

    with DEMO_LEARNERS.open(encoding="utf-8-sig", newline="") as demo:
        rows = list(csv.DictReader(demo))
    roster = tmp_path / "roster.csv"  # the demo school again, with the earphones column
    with roster.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, [*rows[0].keys(), "earphones"])
        writer.writeheader()
        writer.writerows({**r, "earphones": "Y" if r["mis_id"] == CHIDI else ""} for r in rows)
    with school.sessions.begin() as session:
        report = import_learners(session, roster, today=NOW.date(), now=NOW)
    assert not report.rejected, report.rejected
    with school.sessions() as session:
        permitted = dict(
            session.execute(select(LearnerRecord.mis_id, LearnerRecord.earphones_permitted)).all()
        )
    assert permitted[CHIDI] is True and permitted[SIOBHAN] is False

    earphones = FoundItem(ItemCategory.EARPHONES, "wired earphones", Disposition.RETURN_END_OF_DAY)
    with pytest.raises(SearchNotAllowed) as refused:
        record(school, form(school, CHIDI, "S02", "S04", items=(earphones,)))
    assert any("permission for earphones" in r for r in refused.value.reasons)
    assert searches(school) == 0
    done = record(school, form(school, SIOBHAN, "S01", "S03", items=(earphones,)))
    assert done.search_id and searches(school) == 1
