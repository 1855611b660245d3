"""`signpost import csv`: counts, dry run, rejects file to fix and import again, mapping, clear errors."""

from __future__ import annotations

import json

from sqlmodel import select

from directory.models import ImportRun, Service

from .conftest import HEADER, PANTRY, WALK, spreadsheet, write


def run(runner, *args):
    return runner.invoke(args=["import", "csv", *map(str, args)])


def test_import_reports_counts_and_a_second_run_changes_nothing(runner, session, listings):
    first = run(runner, listings)
    assert first.exit_code == 0, first.output
    assert "2 were created, 0 updated, 0 unchanged, 0 proposed as merges, 0 rejected" in first.output
    assert "Org name → organisation.name" in first.output
    second = run(runner, listings)
    assert "0 were created, 0 updated, 2 unchanged" in second.output
    assert [r.source for r in session.exec(select(ImportRun))] == ["listings", "listings"]


def test_a_dry_run_says_so_and_changes_nothing(runner, session, listings):
    result = run(runner, listings, "--dry-run")
    assert result.exit_code == 0 and "Dry run, nothing changed: 2 would be created" in result.output
    assert session.exec(select(Service)).all() == []


def test_rows_with_warnings_go_to_a_file_that_updates_them_once_fixed(runner, session, tmp_path):
    path = spreadsheet(tmp_path, PANTRY, WALK.replace("walk@example.org", "walk@"))
    rejects = tmp_path / "rejects.csv"
    result = run(runner, path, "--rejects", rejects, "--source", "council")
    assert "2 were created" in result.output and "1 of those rows were imported with details to check" in result.output
    assert (
        "WARNING row 3, column “Email address”: 'walk@' is not an email address. Imported with “walk@”" in result.output
    )
    assert "Wrote 1 rejected rows and rows with warnings" in result.output
    text = rejects.read_text(encoding="utf-8-sig")
    assert "Warning, Email address: 'walk@' is not an email address." in text
    write(tmp_path, text.replace("walk@,", "walk@example.org,"), "fixed.csv")
    again = run(runner, tmp_path / "fixed.csv", "--source", "council")
    assert "0 were created, 1 updated, 0 unchanged, 0 proposed as merges, 0 rejected" in again.output
    walk = session.exec(select(Service).where(Service.name == "Health walk")).one()
    assert walk.email == "walk@example.org" and "details_to_check" not in walk.attributes


def test_rejected_rows_go_to_the_same_file(runner, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = run(runner, spreadsheet(tmp_path, PANTRY, ",,G31 5EH,,,,,,,,"), "--rejects", rejects)
    assert "row 3, column “Service”: Give the service's or the organisation's name" in result.output
    assert rejects.read_text(encoding="utf-8-sig").splitlines()[1].startswith(",,G31 5EH")


def test_a_mapping_file_maps_unusual_columns(runner, session, tmp_path):
    path = spreadsheet(tmp_path, "Hub,Lunch club,G31 5EH", header="Provider,Activity title,Where")
    mapping = write(tmp_path, json.dumps({"Activity title": "service.name", "Where": "location.postcode"}), "map.json")
    result = run(runner, path, "--mapping", mapping)
    assert result.exit_code == 0 and "1 were created" in result.output
    assert session.exec(select(Service.name)).one() == "Lunch club"


def test_unmapped_columns_are_reported(runner, tmp_path):
    result = run(runner, spreadsheet(tmp_path, PANTRY + ",x", header=HEADER + ",Colour"))
    assert "Columns kept as extra details (no matching field): Colour" in result.output


def test_a_file_that_cannot_be_read_is_an_error_with_what_to_do(runner, tmp_path):
    result = run(runner, write(tmp_path, "%PDF", "list.pdf"))
    assert result.exit_code == 1 and "save it as .csv or .xlsx" in result.output


def test_an_xlsx_workbook_imports_like_a_csv(runner, session, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Organisation", "Service", "Post Code", "Age from", "Days", "Times"])
    book.active.append(["Parkhead Pantry", "Community pantry", "G31 5EH", 18, "Mon", "10am-12pm"])
    book.save(tmp_path / "list.xlsx")
    result = run(runner, tmp_path / "list.xlsx")
    assert result.exit_code == 0 and "1 were created" in result.output, result.output
    service = session.exec(select(Service)).one()
    assert service.min_age == 18 and [s.weekday for s in service.schedules] == ["MO"]
