"""Tables the office can sort and filter, server-side, from the page's query string.

`?q=` finds a name, `group=`, `year=` and `code=` keep rows with that registration group, year
group or mark; `sort=` names a column and `desc=1` turns it round. Links and a plain GET form
do it all, so a screen reader and a bookmark see what the eye sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

Cell = str | int
Row = Mapping[str, Cell]
FILTERS = ("q", "group", "year", "code")
# The column each filter reads.
FILTER_COLUMNS = {"q": "name", "group": "group", "year": "year", "code": "code"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    """The rows to show, in order, with what was asked and how many there were before."""

    caption: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: int
    sort: str
    descending: bool
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.rows)

    def sort_link(self, key: str) -> str:
        """The query string that sorts by `key`, the other way round if it already is."""
        wanted = {k: v for k, v in self.query.items() if v and k not in ("sort", "desc")}
        wanted["sort"] = key
        if key == self.sort and not self.descending:
            wanted["desc"] = "1"
        return "?" + urlencode(wanted)

    def aria_sort(self, key: str) -> str:
        if key != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"

    def choices(self, key: str) -> tuple[str, ...]:
        """Every value of a filter's column before filtering (for the form's lists)."""
        return self._choices.get(key, ())

    _choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _key(value: Cell, numeric: bool) -> tuple[int, float, str]:
    if numeric:
        try:
            return (0, float(value), "")
        except ValueError:
            return (1, 0.0, str(value))
    return (0, 0.0, str(value).casefold())


def table(
    caption: str,
    columns: Sequence[Column],
    rows: Sequence[Row],
    query: Mapping[str, str],
    default_sort: str = "name",
) -> Table:
    """`rows` filtered and sorted as `query` asks (unknown columns are ignored)."""
    keys = {c.key: c for c in columns}
    wanted = {k: query.get(k, "").strip() for k in (*FILTERS, "sort", "desc")}
    kept = list(rows)
    for name, column in FILTER_COLUMNS.items():
        value = wanted[name]
        if not value or column not in keys:
            continue
        if name == "q":
            kept = [r for r in kept if value.casefold() in str(r.get(column, "")).casefold()]
        else:
            kept = [r for r in kept if str(r.get(column, "")).casefold() == value.casefold()]
    sort = wanted["sort"] if wanted["sort"] in keys else default_sort
    descending = wanted["desc"] == "1"
    if sort in keys:
        numeric = keys[sort].numeric
        kept.sort(key=lambda r: _key(r.get(sort, ""), numeric), reverse=descending)
    choices = {
        name: tuple(sorted({str(r.get(col, "")) for r in rows if r.get(col, "") != ""}))
        for name, col in FILTER_COLUMNS.items()
        if name != "q" and col in keys
    }
    return Table(
        caption,
        tuple(columns),
        tuple(kept),
        len(rows),
        sort,
        descending,
        {
            k: v
            for k, v in query.items()
            if k in (*FILTERS, "sort", "desc", "day", "session", "show")
        },
        choices,
    )
