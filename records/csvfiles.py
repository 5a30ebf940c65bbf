"""CSV in and out: UTF-8, RFC 4180, header names matched to canonical ones; no school rules."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class CsvError(ValueError):
    """The file cannot be read as CSV; the message names the file and says what to do."""


class _Writable(Protocol):
    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read into canonical column names.

    `rows` holds `(line, values)` where `line` is the physical line of the file on which the
    row starts (the header is line 1) and `values` maps every canonical column to its text,
    "" where the row is short. Rows with nothing but empty cells are left out.
    """

    source: str
    header: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]
    # Header cells as written in the file, in order.
    columns: tuple[str, ...] = ()
    # Columns ignored because an earlier column already had the same canonical name.
    ignored: tuple[str, ...] = ()
    # Lines of rows whose number of cells differs from the header's (a stray comma, often).
    ragged: tuple[int, ...] = field(default=())


def normalise_header(name: str) -> str:
    """A header cell as matched: stripped, lower-cased, inner runs of spaces made one."""
    return re.sub(r"\s+", " ", name.strip()).lower()


def read_csv(
    source: str | os.PathLike[str] | bytes,
    aliases: Mapping[str, str] | None = None,
    *,
    name: str | None = None,
    unescape: Callable[[str], str] | None = None,
) -> CsvTable:
    """Read a CSV file (a path, or the file's bytes) into canonical columns.

    A header cell is normalised (`normalise_header`) and looked up in `aliases` (keys are
    normalised the same way, so "Legal Surname" and "legal surname" are one alias); a name
    not in `aliases` stands for itself. UTF-8 with or without a byte-order mark, any line
    endings, RFC 4180 quoting (commas, quotes and line breaks inside quoted fields).
    `unescape`, if given, undoes the writer's `escape` on every cell, header included.
    """
    if isinstance(source, bytes):
        data, label = source, name or "<data>"
    else:
        path = Path(source)
        data, label = path.read_bytes(), name or str(path)
    return parse_csv(_decode(data, label), aliases, name=label, unescape=unescape)


def parse_csv(
    text: str,
    aliases: Mapping[str, str] | None = None,
    *,
    name: str = "<text>",
    unescape: Callable[[str], str] | None = None,
) -> CsvTable:
    """Like `read_csv`, for text already decoded."""
    lookup = {normalise_header(k): v for k, v in (aliases or {}).items()}
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        columns = next(reader, None)
    except csv.Error as exc:
        raise CsvError(f"{name}: line 1: {exc}") from None
    if columns is not None and unescape is not None:
        columns = [unescape(cell) for cell in columns]
    if columns is None or not any(c.strip() for c in columns):
        raise CsvError(f"{name}: no header row; the first line must name the columns")

    # Position of each kept column; the first of two columns with the same meaning wins.
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(columns):
        key = normalise_header(cell)
        if not key:
            continue
        canonical = lookup.get(key, key)
        if canonical in positions:
            ignored.append(cell)
        else:
            positions[canonical] = index

    rows: list[tuple[int, dict[str, str]]] = []
    ragged: list[int] = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise CsvError(f"{name}: line {line}: {exc}") from None
        if cells is None:
            break
        if unescape is not None:
            cells = [unescape(cell) for cell in cells]
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            ragged.append(line)
        rows.append((line, {k: cells[i] if i < len(cells) else "" for k, i in positions.items()}))
    return CsvTable(
        source=name,
        header=tuple(positions),
        rows=rows,
        columns=tuple(columns),
        ignored=tuple(ignored),
        ragged=tuple(ragged),
    )


def _decode(data: bytes, label: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvError(
            f"{label}: the file is UTF-16, not UTF-8; save it as 'CSV UTF-8 (comma delimited)'"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvError(
            f"{label}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
            "save it as 'CSV UTF-8 (comma delimited)' and try again"
        ) from None


def write_csv(
    stream: _Writable,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    escape: Callable[[str], str],
) -> int:
    """Write the header and rows as RFC 4180 CSV with CRLF line ends; the number of rows.

    Every cell, header included, goes through `escape` first (the caller's spreadsheet-safety
    rule); None is written as an empty cell. Open a file with `newline=""` so the CRLF is
    written as it is.
    """
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([escape(str(cell)) for cell in header])
    count = 0
    for row in rows:
        writer.writerow([escape("" if cell is None else str(cell)) for cell in row])
        count += 1
    return count
