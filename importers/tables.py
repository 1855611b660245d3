"""Read a spreadsheet (CSV in any common encoding and delimiter, or .xlsx) as a header and rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from directory import spreadsheet
from directory.spreadsheet import read_cell, safe_cell

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
DELIMITERS = ",;\t|"
ERROR_COLUMN = "Error"


class TableError(ValueError):
    """A file that cannot be read as a table; the message says what to do instead."""


@dataclass
class Table:
    """A file's column names, and its rows as (spreadsheet row number, cells) with blank rows left out."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(path: str | Path) -> Table:
    """Read a .csv or .xlsx file (decided by its name, then checked by its content)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError(f"{path.name} is not a spreadsheet Signpost can read: save it as .csv or .xlsx.")
    data = path.read_bytes()
    if suffix == ".xlsx":
        return _table(_xlsx_rows(data, path.name))
    if data[:2] == b"PK":
        raise TableError(f"{path.name} looks like an Excel or zip file, not CSV: name it .xlsx or save it as CSV.")
    return _table(_csv_rows(decode(data)))


def decode(data: bytes) -> str:
    """Text from UTF-8 (with or without a byte-order mark), UTF-16 with a mark, or else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in the machine's code page: £ and curly quotes are Windows-1252.
        return data.decode("cp1252", errors="replace")


def _csv_rows(text: str) -> list[list[str]]:
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        delimiter = max(DELIMITERS, key=first.count)
    # Quoted cells may hold commas, semicolons and line breaks; the csv module reads them whole.
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True))


def _xlsx_rows(data: bytes, name: str) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(
            f"{name} could not be opened as an Excel .xlsx file ({exc}). Save it again from "
            "your spreadsheet program as .xlsx or .csv."
        ) from None
    try:
        return [[_cell(value) for value in row] for row in book.active.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(timespec="minutes")
    if isinstance(value, (date, time)):
        return value.isoformat()[:5] if isinstance(value, time) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(rows: list[list[str]]) -> Table:
    numbered = [(number, [read_cell(cell.strip()) for cell in row]) for number, row in enumerate(rows, 1)]
    numbered = [(number, row) for number, row in numbered if any(row)]
    if not numbered:
        raise TableError("The file is empty: the first row should name the columns.")
    _, header = numbered[0]
    width = max(len(row) for _, row in numbered)
    headers, seen = [], {}
    for position in range(width):
        name = header[position] if position < len(header) and header[position] else f"Column {position + 1}"
        seen[name] = seen.get(name, 0) + 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    body = [(number, row + [""] * (width - len(row))) for number, row in numbered[1:]]
    return Table(headers, body)


def rejects_rows(headers: list[str], rejects: list[dict]) -> list[list[str]]:
    """The rejects file's rows: the original columns and an Error column naming each problem.

    Rows imported with warnings are there too ("Warning, Days: …"): fixed and imported again,
    they update the listing.
    """
    rows, problems = {}, {}
    for reject in rejects:
        if reject.get("level") == "note":
            continue  # about the whole file, not a row
        rows.setdefault(reject["row"], reject["values"])
        level = "Warning, " if reject.get("level") == "warning" else ""
        problems.setdefault(reject["row"], []).append(f"{level}{reject['column']}: {reject['problem']}")
    columns = [h for h in headers if h != ERROR_COLUMN]
    return [[safe_cell(name) for name in columns] + [ERROR_COLUMN]] + [
        [safe_cell(values.get(h, "")) for h in columns] + [safe_cell(" ".join(problems[row]))]
        for row, values in rows.items()
    ]


def write_rejects(path: str | Path, headers: list[str], rejects: list[dict]) -> int:
    """Write rejected rows to a .csv or .xlsx file that can be fixed and imported again; returns rows written."""
    rows = rejects_rows(headers, rejects)  # every cell already safe for a spreadsheet, .xlsx included
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Rejected rows")
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            spreadsheet.writer(handle).writerows(rows)
    return len(rows) - 1
