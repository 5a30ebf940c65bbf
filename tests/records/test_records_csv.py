"""CSV files read with honest line numbers and written as RFC 4180, whatever the names hold."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from records.csvfiles import CsvError, parse_csv, read_csv, write_csv

ALIASES = {"Adno": "mis_id", "ADMISSION NUMBER": "mis_id", "legal surname": "surname"}


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    return path


def test_a_byte_order_mark_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeffmis_id,surname\n1,Smith\n".encode())
    table = read_csv(path, {})
    assert table.header == ("mis_id", "surname")
    assert table.rows == [(2, {"mis_id": "1", "surname": "Smith"})]


def test_crlf_line_ends_are_read_and_not_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, b"mis_id,surname\r\n1,Smith\r\n2,Jones\r\n")
    assert read_csv(path, {}).rows == [
        (2, {"mis_id": "1", "surname": "Smith"}),
        (3, {"mis_id": "2", "surname": "Jones"}),
    ]


def test_quoted_commas_quotes_and_line_breaks_keep_later_line_numbers_right(
    tmp_path: Path,
) -> None:
    data = (
        "mis_id,surname,note\r\n"
        '1,"O\'Brien, Seán","two\r\nlines"\r\n'
        '2,"Say ""hi""","three\nshort\nlines"\n'
        "\r\n"
        "3,=cmd,plain\r\n"
    ).encode()
    table = read_csv(_write(tmp_path, data), {})
    assert [(line, row["surname"]) for line, row in table.rows] == [
        (2, "O'Brien, Seán"),
        (4, 'Say "hi"'),
        (8, "=cmd"),
    ]
    assert table.rows[0][1]["note"] == "two\r\nlines"


def test_header_names_are_matched_without_case_or_spaces_through_the_aliases(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, b" ADNO , Legal  Surname,Forename\n7,Khan,Zara\n")
    table = read_csv(path, ALIASES)
    assert table.header == ("mis_id", "surname", "forename")
    assert table.rows[0][1] == {"mis_id": "7", "surname": "Khan", "forename": "Zara"}
    assert table.columns == (" ADNO ", " Legal  Surname", "Forename")


def test_the_first_of_two_columns_with_one_meaning_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, b"Adno,Admission Number\n1,2\n")
    table = read_csv(path, ALIASES)
    assert table.rows[0][1] == {"mis_id": "1"}
    assert table.ignored == ("Admission Number",)


def test_short_rows_are_padded_and_ragged_rows_listed(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a,b,c\n1\n1,2,3\n1,2,3,4\n,,\n")
    table = read_csv(path, {})
    assert table.rows[0] == (2, {"a": "1", "b": "", "c": ""})
    assert table.ragged == (2, 4)
    assert [line for line, _ in table.rows] == [2, 3, 4]  # the empty ",," row is left out


def test_a_file_that_is_not_utf8_is_refused_naming_the_file_and_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "mis_id,surname\n1,Smith\n2,Mülller\n".encode("cp1252"))
    with pytest.raises(CsvError) as caught:
        read_csv(path, {})
    message = str(caught.value)
    assert str(path) in message
    assert "UTF-8" in message
    assert "line 3" in message
    assert isinstance(caught.value, ValueError)


def test_a_utf16_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = _write(tmp_path, "mis_id\n1\n".encode("utf-16"))
    with pytest.raises(CsvError, match="UTF-16"):
        read_csv(path, {})


def test_a_file_without_a_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match="header"):
        read_csv(_write(tmp_path, b"\r\n"), {})


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_csv(tmp_path / "absent.csv", {})


def _dangerous(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def test_written_csv_is_rfc4180_with_crlf_and_every_cell_escaped() -> None:
    out = io.StringIO(newline="")
    count = write_csv(
        out,
        ["mis_id", "surname", "note"],
        [
            ["1", '=HYPERLINK("x")', 'say "hi", then\nleave'],
            ["2", "@SUM(A1)", None],
            [3, "-1", "+2"],
        ],
        escape=_dangerous,
    )
    assert count == 3
    assert out.getvalue() == (
        "mis_id,surname,note\r\n"
        '1,"\'=HYPERLINK(""x"")","say ""hi"", then\nleave"\r\n'
        "2,'@SUM(A1),\r\n"
        "3,'-1,'+2\r\n"
    )


def test_what_is_written_reads_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    rows = [["1", "Ní Bhriain", "a,b"], ["2", 'x"y', "multi\r\nline"]]
    with path.open("w", encoding="utf-8", newline="") as stream:
        write_csv(stream, ["mis_id", "surname", "note"], rows, escape=lambda c: c)
    table = read_csv(path, {})
    assert [list(r.values()) for _, r in table.rows] == rows
    assert [line for line, _ in table.rows] == [2, 3]


_cells = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12
)


@given(st.lists(st.lists(_cells, min_size=3, max_size=3), max_size=6))
def test_any_text_survives_a_write_and_a_read(rows: list[list[str]]) -> None:
    rows = [["x" + row[0], *row[1:]] for row in rows]  # never an all-empty row
    out = io.StringIO(newline="")
    write_csv(out, ["a", "b", "c"], rows, escape=lambda c: c)
    table = parse_csv(out.getvalue())
    assert [[r["a"], r["b"], r["c"]] for _, r in table.rows] == rows
    # Each row starts on the line after the previous row's last physical line.
    text_lines = out.getvalue().splitlines(keepends=True)
    assert len(text_lines) >= len(rows) + 1
