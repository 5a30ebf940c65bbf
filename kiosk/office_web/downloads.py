"""Downloads: CSV written by the CLI's own writer (a cell a spreadsheet would run is made
text), or an Excel workbook whose every cell is stored as text, never as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from starlette.responses import Response

from kiosk.domain.csvsafe import spreadsheet_safe
from records.csvfiles import write_csv

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    text = io.StringIO(newline="")
    write_csv(text, header, rows, escape=spreadsheet_safe)
    return text.getvalue().encode("utf-8")


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """One sheet; strings stay strings (openpyxl would otherwise store "=..." as a formula)."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])

    def cells(values: Sequence[str]) -> list[Cell]:
        out = []
        for value in values:
            cell = WriteOnlyCell(ws, value=str(value))
            cell.data_type = "s"
            out.append(cell)
        return out

    ws.append(cells(header))
    for row in rows:
        ws.append(cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(
    name: str, kind: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> Response:
    """`name` without its ending; `kind` csv or xlsx."""
    if kind == "xlsx":
        body, media = xlsx_bytes(name, header, rows), XLSX
    else:
        body, media, kind = csv_bytes(header, rows), "text/csv; charset=utf-8", "csv"
    return Response(
        body,
        media_type=media,
        headers={
            "content-disposition": f'attachment; filename="{name}.{kind}"',
            "cache-control": "no-store",
        },
    )
