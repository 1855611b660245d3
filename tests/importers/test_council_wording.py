"""A council-style spreadsheet with ordinary wording imports every row, warning about what it cannot read."""

from __future__ import annotations

from datetime import time

from sqlmodel import select

from directory.freshness import assess, listing_facts
from directory.models import Service
from importers.spreadsheet import open_spreadsheet

from .conftest import import_file, spreadsheet

HEADER = "Organisation,Service,Postcode,Website,Days,Times,Cost,How to access,Category"
ROWS = [
    "Hub,Phone club,G31 5EH,,Mon,10am-12pm,Free,Self-referral by phone,Social groups and drop-ins",
    "Hub,Walk and talk,G31 5EH,,Tue,10-11.30,Free,Link worker referral only,Walking groups",
    "Hub,Choir,G31 5EH,,Wed,7-9pm,£3 (concessions £1.50),Email to join,Music and singing",
    "Hub,Advice surgery,G31 5EH,,By appointment,,Free,Book by phone,Legal and advocacy",
    "Hub,Fruit and veg,G31 5EH,,Thu,1-3pm,50p,Voucher from GP,Food pantry",
    "Hub,Garden,G31 5EH,,Sat,10am-4pm,Free,Drop in (April-September only),Knitting",
    "Hub,Night shelter,G31 5EH,,Fri,6pm-2am,Free,Drop in,Homelessness support",
    "Hub,Tea dance,G31 5EH,javascript:alert(1),Sun,2-4pm,Donations welcome,Drop in,Dance",
]


def test_every_row_of_a_council_spreadsheet_is_imported_with_warnings_for_what_it_cannot_read(app, session, tmp_path):
    report = import_file(app, spreadsheet(tmp_path, *ROWS, header=HEADER))
    assert report.counts["created"] == 8 and report.counts["rejected"] == 0
    warnings = {(w["row"], w["column"]): w["problem"] for w in report.warnings}
    assert set(warnings) == {("row 5", "Days"), ("row 7", "Category"), ("row 9", "Website")}
    assert "'By appointment' names no day" in warnings["row 5", "Days"]
    assert "Unknown category 'Knitting'" in warnings["row 7", "Category"]
    assert "'javascript:' addresses are not web pages" in warnings["row 9", "Website"]
    assert "Category: ‘Legal and advocacy’ read as Legal help and advocacy (1 row)" in report.notes

    services = {s.name: s for s in session.exec(select(Service))}
    phone = services["Phone club"].referral_routes[0]
    assert (phone.route_type, phone.method) == ("self_referral", "phone")
    assert services["Walk and talk"].referral_routes[0].route_type == "link_worker"
    assert services["Fruit and veg"].referral_routes[0].instructions == "Voucher from GP"
    assert str(services["Fruit and veg"].cost_min) == "0.50"
    choir = services["Choir"]
    assert (str(choir.cost_min), str(choir.cost_max)) == ("1.50", "3.00")
    assert choir.schedules[0].opens_at == time(19) and choir.schedules[0].closes_at == time(21)
    garden = services["Garden"]
    assert [(s.start_month, s.end_month) for s in garden.seasons] == [(4, 9)]
    shelter = services["Night shelter"].schedules[0]
    assert (shelter.opens_at, shelter.closes_at) == (time(18), time(2))
    assert services["Tea dance"].website is None and services["Tea dance"].is_free
    assert [t.code for t in services["Advice surgery"].terms] == ["legal"]


def test_a_listing_with_details_to_check_is_flagged_until_someone_confirms_it(app, session, tmp_path):
    import_file(app, spreadsheet(tmp_path, *ROWS[3:4], header=HEADER))
    service = session.exec(select(Service)).one()
    assert service.attributes["details_to_check"]["cells"] == {"Days": "By appointment"}
    flags = {f.code: f.reason for f in assess(listing_facts(service), service.updated_at.date())}
    assert flags["details_to_check"] == "Imported with details to check – Days: “By appointment”"
    service.last_verified_at = service.updated_at
    assert "details_to_check" not in {f.code for f in assess(listing_facts(service), service.updated_at.date())}


def test_importing_the_same_file_again_leaves_listings_with_details_unchanged(app, tmp_path):
    path = spreadsheet(tmp_path, *ROWS, header=HEADER)
    import_file(app, path)
    assert import_file(app, path).counts["unchanged"] == 8


def test_a_column_that_fails_on_most_rows_is_reported_once_with_the_mapping_that_fixes_it(app, tmp_path):
    rows = [f"Hub,Group {n},G31 5EH,Self-referral" for n in range(5)]
    path = spreadsheet(tmp_path, *rows, header="Organisation,Service,Postcode,Days")
    report = import_file(app, path, advice=open_spreadsheet(path, "council").advice)
    advice = [note for note in report.notes if note.startswith("Column")]
    assert report.counts["created"] == 5 and len(advice) == 1
    assert "Column “Days” could not be read on 5 of 5 rows" in advice[0]
    assert '--mapping map.json, where map.json holds: {"Days": "referral"}' in advice[0]


def test_control_characters_are_left_out_with_a_warning_never_the_row(app, session, tmp_path):
    report = import_file(app, spreadsheet(tmp_path, "Hub,Lunch,G31 5EH,,Mon,,Free,Drop\x1bin,", header=HEADER))
    assert report.counts["created"] == 1
    assert report.warnings[0]["column"] == "How to access" and "control characters" in report.warnings[0]["problem"]
    assert session.exec(select(Service)).one().referral_routes == []
