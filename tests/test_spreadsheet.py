"""CSV cells that a spreadsheet would run as formulas are written as text, and read back as they were."""

from __future__ import annotations

import csv
import io

import pytest

from directory import spreadsheet

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+44 20 7946 0000",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rReturned",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_that_starts_a_formula_is_written_behind_an_apostrophe_and_read_back_as_it_was(value):
    text = io.StringIO()
    spreadsheet.writer(text).writerow([value, "plain"])
    cells = next(csv.reader(io.StringIO(text.getvalue())))
    assert cells == ["'" + value, "plain"]
    assert spreadsheet.read_cell(cells[0]) == value


@pytest.mark.parametrize("value", ["-0.1276", "-1SA", "+1", "Food bank", "", "'quoted already"])
def test_plain_numbers_codes_and_text_are_left_alone(value):
    assert spreadsheet.safe_cell(value) == value
    assert spreadsheet.read_cell(value) == value


def test_numbers_are_not_text_and_stay_numbers():
    assert spreadsheet.safe_cell(-3.5) == -3.5


def test_the_dict_writer_guards_every_value():
    text = io.StringIO()
    writer = spreadsheet.dict_writer(text, ["name", "phone"])
    writer.writeheader()
    writer.writerows([{"name": "=1+1", "phone": "0141"}])
    assert text.getvalue().splitlines() == ["name,phone", "'=1+1,0141"]
