"""CSV for people who open it in a spreadsheet: no cell is ever run as a formula.

A cell starting with =, +, -, @, a tab or a carriage return is a formula (or becomes one) to
Excel, LibreOffice and Google Sheets: `=HYPERLINK("http://evil.example","x")` in a listing's
name must not turn into a link in a moderator's rejects file. Such cells are written behind an
apostrophe, as OWASP advises (a spreadsheet shows the text), and every CSV reader Signpost has
takes the apostrophe off again, so a file written here imports as it was.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# A sign then only letters, digits, dots, commas and colons ("-0.1276", "-1SA", the last Saturday in
# HSDS) calls nothing and reaches no other cell or program: it stays as it is, a number stays a number.
_PLAIN_SIGNED = re.compile(r"[-+][\w.,:]*")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet will show it, never run it: text that starts a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_SIGNED.fullmatch(value):
        return "'" + value
    return value


def read_cell(text: str) -> str:
    """A cell as written by safe_cell, back as it was."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row: Iterable) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class _SafeDictWriter:
    def __init__(self, writer: csv.DictWriter):
        self._writer = writer

    def writeheader(self) -> Any:
        return self._writer.writeheader()

    def writerow(self, row: dict) -> Any:
        return self._writer.writerow({key: safe_cell(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle, **kwargs) -> _SafeWriter:
    """csv.writer whose every cell goes through safe_cell."""
    return _SafeWriter(csv.writer(handle, **kwargs))


def dict_writer(handle, fieldnames, **kwargs) -> _SafeDictWriter:
    """csv.DictWriter whose every value goes through safe_cell."""
    return _SafeDictWriter(csv.DictWriter(handle, fieldnames, **kwargs))
