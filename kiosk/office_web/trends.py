"""The numbers behind the office's pictures: arrivals per five minutes, lates per week by year
group, searches per week by outcome, refusals per week. Reads only, this door's book."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.exports import SEARCH_HEADER, search_rows
from kiosk.office.overview import LATE_CODES
from kiosk.office_web.charts import Chart, Series
from kiosk.views.office import OfficeView
from records.models import LearnerRecord, RefusalRecord, SessionMarkRecord

NO_YEAR = "no year group"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks(first: date, last: date) -> list[date]:
    start, out = monday(first), []
    while start <= last:
        out.append(start)
        start += timedelta(weeks=1)
    return out


def _week_labels(starts: list[date]) -> tuple[str, ...]:
    return tuple(f"w/c {d:%d %b}" for d in starts)


def arrivals_per_five(view: OfficeView) -> Chart:
    """The session's arrivals in five-minute bins, from the office view's minute counts."""
    bins = view.arrivals_per_five()
    labels = tuple(label for label, _ in bins)
    values = tuple(count for _, count in bins)
    return Chart("arrivals", "Arrivals per five minutes", labels, (Series("arrivals", values),))


def lates_by_year(session: Session, first: date, last: date) -> Chart:
    """Late marks (L and U, any session) per week, stacked by year group."""
    starts = weeks(first, last)
    found = session.execute(
        select(SessionMarkRecord.date, LearnerRecord.year_group)
        .join(LearnerRecord, SessionMarkRecord.learner_id == LearnerRecord.id)
        .where(
            SessionMarkRecord.date >= first,
            SessionMarkRecord.date <= last,
            SessionMarkRecord.code.in_(LATE_CODES),
        )
    ).all()
    counts = Counter((monday(day), year or NO_YEAR) for day, year in found)
    years = sorted({year for _, year in counts}, key=_year_order)
    return Chart(
        "lates",
        "Late marks per week by year group",
        _week_labels(starts),
        tuple(Series(y, tuple(counts.get((w, y), 0) for w in starts)) for y in years),
    )


def searches_by_outcome(session: Session, first: date, last: date, zone: ZoneInfo) -> Chart:
    """Searches per week: something found (an item recorded) or nothing found."""
    starts = weeks(first, last)
    col = {name: n for n, name in enumerate(SEARCH_HEADER)}
    counts: Counter[tuple[date, str]] = Counter()
    for row in search_rows(session, first=first, last=last, zone=zone):
        outcome = "item found" if row[col["items"]] else "nothing found"
        counts[(monday(date.fromisoformat(row[col["date"]])), outcome)] += 1
    kinds = [k for k in ("nothing found", "item found") if any(o == k for _, o in counts)]
    return Chart(
        "searches",
        "Searches per week by outcome",
        _week_labels(starts),
        tuple(Series(k, tuple(counts.get((w, k), 0) for w in starts)) for k in kinds),
    )


def refusals_per_week(session: Session, first: date, last: date) -> Chart:
    """Refusals of screening or search (learners not admitted) per week."""
    starts = weeks(first, last)
    found = session.scalars(
        select(RefusalRecord.date).where(RefusalRecord.date >= first, RefusalRecord.date <= last)
    ).all()
    counts = Counter(monday(day) for day in found)
    return Chart(
        "refusals",
        "Refusals per week",
        _week_labels(starts),
        (Series("refusals", tuple(counts.get(w, 0) for w in starts)),),
    )


def _year_order(year: str) -> tuple[int, int, str]:
    digits = "".join(ch for ch in year if ch.isdigit())
    return (year == NO_YEAR, int(digits) if digits else 0, year)
