"""Cell wordings as UK directories and council spreadsheets write them, read by the real readers.

tests/importers/wordings.csv holds one wording a line: the kind of column, the cell as written,
and the expected reading (JSON) or "warning: <the start of the message>" when the cell is kept as
a detail to check instead.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from importers import values

TABLE = Path(__file__).with_name("wordings.csv")
TAXONOMY = Path(__file__).parents[2] / "data" / "taxonomy.json"


def _terms(terms: list[dict]) -> list[tuple[str, str]]:
    return [pair for term in terms for pair in [(term["code"], term["name"]), *_terms(term.get("children", []))]]


CATEGORIES = values.CategoryReader.from_files(_terms(json.loads(TAXONOMY.read_text(encoding="utf-8"))["terms"]))


def read(kind: str, text: str):
    """The reading of one cell by the reader for its kind of column."""
    if kind == "days":
        return values.read_days(text)
    if kind == "times":
        return list(values.read_times(text))
    if kind == "cost":
        return values.read_cost(text)
    if kind == "ages":
        return values.read_ages(text)
    if kind == "eligibility":
        return values.read_groups(text)
    if kind == "referral":
        return values.read_referral(text)
    if kind == "languages":
        return values.read_languages(text)
    if kind == "areas":
        return values.read_areas(text)
    if kind == "attendance":
        return values.read_attendance(text)
    if kind == "seasons":
        return values.read_seasons(text)
    if kind == "categories":
        code, exact = CATEGORIES.read(text)
        return {"code": code, "exact": exact}
    raise AssertionError(f"unknown kind {kind}")


def wordings() -> list[tuple[str, str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return [(row["kind"], row["wording"], row["expected"]) for row in csv.DictReader(handle)]


def test_the_table_covers_every_kind_of_column_with_at_least_300_wordings():
    rows = wordings()
    assert len(rows) >= 300
    assert {kind for kind, _, _ in rows} == {
        "days",
        "times",
        "cost",
        "ages",
        "eligibility",
        "referral",
        "languages",
        "categories",
        "areas",
        "attendance",
        "seasons",
    }


@pytest.mark.parametrize("kind, text, expected", wordings(), ids=lambda value: str(value)[:40])
def test_each_wording_is_read_as_expected(kind, text, expected):
    if expected.startswith("warning: "):
        with pytest.raises(ValueError, match=expected.removeprefix("warning: ").replace("(", r"\(")):
            read(kind, text)
    else:
        assert json.loads(json.dumps(read(kind, text))) == json.loads(expected)
