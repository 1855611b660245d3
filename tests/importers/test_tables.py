"""Reading spreadsheets: encodings, delimiters, quoted multi-line cells, .xlsx, and files that are not tables."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from importers.tables import TableError, read_table, rejects_rows, write_rejects

from .conftest import write

ROWS = "Organisation,Service,Cost\r\nCafé Ça Va,Lunch club,£2\r\n"


@pytest.mark.parametrize(
    "encoding, prefix", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")]
)
def test_utf8_with_or_without_bom_windows_1252_and_utf16_all_read_the_same(tmp_path, encoding, prefix):
    path = tmp_path / "list.csv"
    path.write_bytes(prefix + ROWS.encode(encoding))
    table = read_table(path)
    assert table.headers == ["Organisation", "Service", "Cost"]
    assert table.rows == [(2, ["Café Ça Va", "Lunch club", "£2"])]


def test_semicolons_are_recognised_as_the_delimiter(tmp_path):
    table = read_table(write(tmp_path, "Organisation;Service;Cost\nHub;Lunch, with pudding;£2,50\n"))
    assert table.rows[0][1] == ["Hub", "Lunch, with pudding", "£2,50"]


def test_tabs_are_recognised_too(tmp_path):
    assert read_table(write(tmp_path, "Organisation\tService\nHub\tLunch\n", "list.tsv")).rows[0][1] == ["Hub", "Lunch"]


def test_a_quoted_cell_keeps_its_line_breaks_and_the_rows_keep_their_spreadsheet_numbers(tmp_path):
    text = 'Organisation,Description\nHub,"First line\nsecond line, with a comma"\n\nCafe,"He said ""hello"""\n'
    table = read_table(write(tmp_path, text))
    assert table.rows == [(2, ["Hub", "First line\nsecond line, with a comma"]), (4, ["Cafe", 'He said "hello"'])]


def test_xlsx_cells_are_read_as_text(tmp_path):
    from datetime import datetime, time

    book = Workbook()
    sheet = book.active
    sheet.append(["Organisation", "Age from", "Starts", "Opens"])
    sheet.append(["Hub", 18, datetime(2026, 3, 1), time(9, 30)])
    sheet.append([None, None, None, None])
    sheet.append(["Cafe", 65.0, None, None])
    book.save(tmp_path / "list.xlsx")
    table = read_table(tmp_path / "list.xlsx")
    assert table.headers == ["Organisation", "Age from", "Starts", "Opens"]
    assert table.rows == [(2, ["Hub", "18", "2026-03-01", "09:30"]), (4, ["Cafe", "65", "", ""])]


def test_blank_and_repeated_headers_get_names(tmp_path):
    table = read_table(write(tmp_path, "Name,,Name\na,b,c,d\n"))
    assert table.headers == ["Name", "Column 2", "Name (2)", "Column 4"]


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("list.pdf", b"%PDF-1.4", "save it as .csv or .xlsx"),
        ("list.xlsx", b"Organisation,Service\n", "could not be opened as an Excel .xlsx file"),
        ("list.csv", b"PK\x03\x04rest-of-a-zip", "looks like an Excel or zip file"),
        ("list.csv", b"\r\n  \r\n", "The file is empty"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_with_what_to_do(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TableError, match=words):
        read_table(path)


def test_the_rejects_file_has_the_original_columns_and_one_error_cell_per_row(tmp_path):
    rejects = [
        {
            "row": "row 3",
            "column": "Email",
            "problem": "'x' is not an email address.",
            "values": {"Name": "A", "Email": "x", "Error": "old"},
        },
        {
            "row": "row 3",
            "column": "Age from",
            "problem": "Age must be between 0 and 120.",
            "values": {"Name": "A", "Email": "x"},
        },
    ]
    rows = rejects_rows(["Name", "Email", "Error"], rejects)
    assert rows == [
        ["Name", "Email", "Error"],
        ["A", "x", "Email: 'x' is not an email address. Age from: Age must be between 0 and 120."],
    ]
    assert write_rejects(tmp_path / "rejects.csv", ["Name", "Email"], rejects) == 1
    assert read_table(tmp_path / "rejects.csv").rows == [(2, rows[1])]
    assert write_rejects(tmp_path / "rejects.xlsx", ["Name", "Email"], rejects) == 1
    assert read_table(tmp_path / "rejects.xlsx").rows == [(2, rows[1])]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_formula_in_a_rejected_row_is_written_as_text_and_read_back_as_it_was(tmp_path, suffix):
    hostile = '=HYPERLINK("http://evil.example","Click")'
    rejects = [
        {
            "row": "row 2",
            "column": "Email",
            "problem": "Not an email address.",
            "values": {"Name": hostile, "Email": "-1+1"},
        }
    ]
    path = tmp_path / f"rejects{suffix}"
    write_rejects(path, ["Name", "Email"], rejects)
    if suffix == ".csv":
        assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig") and "'-1+1" in path.read_text(encoding="utf-8-sig")
    else:
        from openpyxl import load_workbook

        cell = load_workbook(path).active["A2"]
        assert cell.data_type == "s" and cell.value.startswith("'=")
    assert read_table(path).rows[0][1][:2] == [hostile, "-1+1"]


def test_a_blank_optional_text_is_not_given_rather_than_an_error():
    from marshmallow import Schema

    from directory.schemas.fields import OptionalString

    class Form(Schema):
        note = OptionalString(10)

    assert Form().load({"note": ""}) == {"note": None}
    assert Form().load({"note": "   "}) == {"note": None}
