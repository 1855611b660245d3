"""Helpers for the import tests: write a spreadsheet, import it into the test app."""

from __future__ import annotations

from pathlib import Path

import pytest

from directory.db import get_db
from importers.core import run_import
from importers.spreadsheet import open_spreadsheet
from search import get_search

HEADER = "Org name,Service,Postcode,Tel,Email address,Age from,Days,Times,Cost,Referral,Category"
PANTRY = 'Parkhead Pantry,Community pantry,G31 5EH,0141 496 0000,pantry@example.org,18,"Mon, Wed",10am-12pm,£2,Self-referral,Food pantry'
WALK = "Shettleston Walkers,Health walk,G32 7PN,0141 496 0001,walk@example.org,,Tue,10:00-11:30,Free,Drop in,Walking groups"


def write(tmp_path: Path, text: str, name: str = "listings.csv", encoding: str = "utf-8") -> Path:
    """A file holding text in an encoding (lines joined as a spreadsheet program would)."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def spreadsheet(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "listings.csv") -> Path:
    return write(tmp_path, "\r\n".join([header, *rows]) + "\r\n", name)


def import_file(app, path: Path, source: str = "council", mapping=None, **kwargs):
    """Import a spreadsheet into the app as `signpost import csv` does; returns the report."""
    sheet = open_spreadsheet(path, source, mapping)
    with app.app_context():
        return run_import(
            get_db(app),
            sheet.records(),
            source=source,
            file_name=path.name,
            columns=sheet.headers,
            unmapped=sheet.unmapped,
            index=get_search(app),
            **kwargs,
        )


@pytest.fixture
def listings(tmp_path):
    """A two-row spreadsheet (a pantry and a walk in Glasgow's east end)."""
    return spreadsheet(tmp_path, PANTRY, WALK)
