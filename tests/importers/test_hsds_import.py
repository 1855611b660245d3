"""`signpost import hsds`: HSDS 3.0 JSON and CSV, HSDS 1.1 CSV; liberal reading, precise reporting."""

import json
import os
import shutil
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from directory.db import get_db
from directory.freshness import DETAILS_TO_CHECK
from directory.models import Location, Organisation, Service
from directory.presenters import describe_cost
from importers.hsds import import_hsds
from importers.hsds_read import ReadError, read_hsds

DATA = Path(__file__).parent / "data"
SHARED = Path(os.environ.get("SIGNPOST_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared")) / "data"


def run(app, path, **kwargs):
    with app.app_context():
        return import_hsds(get_db(app), path, source=kwargs.pop("source", "test"), **kwargs)


def services(session) -> dict[str, Service]:
    session.expire_all()
    return {s.source_id: s for s in session.exec(select(Service))}


def notes_about(result, record: str) -> list[str]:
    return [f"{n.field}: {n.message}" for n in result.notes if record in n.record]


def test_json_page_maps_services_organisations_venues_and_sessions(app, session):
    result = run(app, DATA / "hsds3_page.json")
    assert result.report.counts["created"] == 2
    pantry = services(session)["svc-pantry"]
    assert pantry.website == "https://www.shettleston-pantry.example.org"  # no scheme in the file
    assert pantry.phone == "0141 496 0000"  # quotes stripped
    assert (pantry.min_age, pantry.open_to_all) == (16, False)
    assert pantry.eligibility_criteria == "Anyone living in G31 or G32"
    assert (pantry.is_free, pantry.cost_min, pantry.cost_description) == (False, Decimal("3.50"), "£3.50 a visit")
    assert pantry.languages == ["pl", "ur"]
    assert [t.code for t in pantry.terms] == ["food/food-pantry"]
    assert [(a.code, a.area_type) for a in pantry.areas] == [("S12000049", "local_authority")]
    assert pantry.last_verified_at.date().isoformat() == "2025-09-01"
    organisation = session.get(Organisation, pantry.organisation_id)
    assert (organisation.name, organisation.website, organisation.charity_number) == (
        "East End Food Partnership",
        "https://eastendfood.example.org",
        "SC012345",
    )
    [link] = pantry.location_links
    venue = session.get(Location, link.location_id)
    assert (venue.postcode, venue.town, venue.travel_notes) == ("G32 9LS", "Glasgow", "Buses 2 and 60 stop outside")
    assert "Ramp at the side door" in venue.accessibility and venue.latitude is not None
    sessions = sorted(
        (s.frequency, s.weekday, s.week_of_month, s.opens_at, s.closes_at, s.location_id) for s in pantry.schedules
    )
    assert sessions == [
        ("monthly", "SA", 1, time(10), time(13), venue.id),
        ("weekly", "TH", None, time(9, 30), time(12), venue.id),
        ("weekly", "TU", None, time(9, 30), time(12), venue.id),
    ]


def test_what_has_no_home_is_kept_as_attributes(app, session):
    run(app, DATA / "hsds3_page.json")
    kept = services(session)["svc-pantry"].attributes["hsds"]
    assert kept["alternate_name"] == "The Pantry"
    assert kept["interpretation_services"].startswith("Polish and Urdu")
    assert kept["languages"] == [{"id": "lang-3", "name": "Klingon"}]
    assert kept["taxonomy_terms"][0]["code"] == "BD-1800.2000"


def test_problems_name_the_file_record_and_field(app, session):
    result = run(app, DATA / "hsds3_page.json")
    [reject] = result.report.rejects
    assert (reject["row"], reject["column"]) == ("hsds3_page.json contents/2 (svc-noname)", "name")
    lunch = notes_about(result, "svc-lunch")
    assert any(n.startswith("schedules (sch-3): '25:00' is not a time of day") for n in lunch)
    assert "schedules (sch-4): no day given (byday); kept as an attribute" in lunch
    assert any(n.startswith("latitude: 100.0, 200.0 is not a place on Earth") for n in lunch)
    assert any(n.startswith("address.postal_code: '10001' is not a UK postcode") for n in lunch)
    assert notes_about(result, "svc-pantry") == [
        "languages: Klingon: not a language Signpost knows; kept as an attribute",
        "attributes: Food Pantries: not one of Signpost's categories; kept as an attribute",
    ]


def test_a_venue_abroad_without_coordinates_is_kept_with_its_address_off_the_map(app, session, client):
    result = run(app, DATA / "hsds3_page.json")
    lunch = services(session)["svc-lunch"]
    assert lunch.status == "temporarily_closed" and lunch.is_free
    assert [t.code for t in lunch.terms] == ["food/lunch-clubs"]  # a term listed on the service, by name
    [venue] = [link.location for link in lunch.location_links]
    assert (venue.not_on_map, venue.postcode, venue.latitude, venue.address_1, venue.town) == (
        True,
        None,
        None,
        "1 Main Street",
        "Example City",
    )
    assert venue.address_2.endswith("NY 10001, US")
    assert "locations_not_imported" not in lunch.attributes["hsds"]
    assert [s["id"] for s in lunch.attributes["hsds"]["schedules"]] == ["sch-3", "sch-4"]
    assert any(
        "is not a UK postcode: the venue is kept with its address but is not on the map" in n.message
        for n in result.notes
    )
    page = client.get(f"/services/{lunch.id}").get_data(as_text=True)
    assert "Example City" in page and "Not on the map" in page
    listed = client.get(f"/api/services/{lunch.id}").get_json()
    [out] = [v for v in listed["locations"] if v["name"] == venue.name]
    assert (out["not_on_map"], out["latitude"], out["postcode"]) == (True, None, None)


def test_a_venue_abroad_with_coordinates_is_kept_at_them(app, session, tmp_path):
    page = json.loads((DATA / "hsds3_page.json").read_text())
    venue = next(
        loc
        for s in page["contents"]
        for sal in s.get("service_at_locations") or []
        for loc in [sal.get("location")]
        if isinstance(loc, dict) and loc.get("latitude") == 100
    )
    venue["latitude"], venue["longitude"] = 40.7506, -73.9972  # the postal code 10001 is in New York
    (tmp_path / "page.json").write_text(json.dumps(page))
    result = run(app, tmp_path / "page.json")
    [kept] = [link.location for link in services(session)["svc-lunch"].location_links]
    assert (kept.postcode, round(kept.latitude, 2)) == (None, 40.75) and "10001" in kept.address_2
    assert any(
        n.field == "address.postal_code" and "placed by its latitude and longitude" in n.message for n in result.notes
    )


def test_a_confidential_venue_that_cannot_be_kept_leaves_no_street_behind(app, session, tmp_path):
    page = json.loads((DATA / "hsds3_page.json").read_text())
    venue = next(
        sal["location"]
        for s in page["contents"]
        for sal in s.get("service_at_locations") or []
        if isinstance(sal.get("location"), dict) and sal["location"].get("latitude") == 100
    )
    venue["addresses"][0]["postal_code"] = ""  # a refuge needs at least its district: this one is left out
    venue["attributes"] = [{"taxonomy_term": {"code": "signpost:confidential"}, "value": "true"}]
    (tmp_path / "page.json").write_text(json.dumps(page))
    run(app, tmp_path / "page.json")
    [kept] = services(session)["svc-lunch"].attributes["hsds"]["locations_not_imported"]
    assert kept["confidential"] is True and "1 Main Street" not in json.dumps(kept)
    assert "latitude" not in kept and "address_1" not in kept


def test_importing_the_same_file_again_changes_nothing(app, session):
    run(app, DATA / "hsds3_page.json")
    before = {s.source_id: (s.version, s.updated_at) for s in services(session).values()}
    again = run(app, DATA / "hsds3_page.json")
    assert again.report.counts["unchanged"] == 2 and again.report.counts["created"] == 0
    assert {s.source_id: (s.version, s.updated_at) for s in services(session).values()} == before
    assert len(session.exec(select(Location)).all()) == 2  # the pantry's venue and the lunch club's, abroad


def test_a_changed_record_updates_its_listing(app, session, tmp_path):
    run(app, DATA / "hsds3_page.json")
    page = json.loads((DATA / "hsds3_page.json").read_text())
    page["contents"][0]["description"] = "Now open to everyone in the east end."
    (tmp_path / "page.json").write_text(json.dumps(page))
    result = run(app, tmp_path / "page.json")
    assert result.report.counts["updated"] == 1 and result.report.counts["unchanged"] == 1
    assert services(session)["svc-pantry"].description == "Now open to everyone in the east end."


def test_dry_run_reports_and_writes_nothing(app, session):
    result = run(app, DATA / "hsds3_page.json", dry_run=True)
    assert result.report.counts["created"] == 2 and result.report.counts["rejected"] == 1
    assert services(session) == {}


def test_csv_datapackage_reads_blank_rows_bom_and_odd_times(app, session):
    result = run(app, DATA / "hsds3_csv")
    walk = services(session)["svc-walk"]
    assert walk.is_free and walk.phone == "01422 496 000" and walk.languages == ["en"]
    assert sorted((s.weekday, s.opens_at, s.location_id is not None) for s in walk.schedules) == [
        ("SU", time(14), False),
        ("WE", time(10), True),
    ]
    organisation = session.get(Organisation, walk.organisation_id)
    assert organisation.name == "Calder Valley Walkers"  # the BOM did not spoil the first column
    assert result.report.counts["created"] == 3 and result.report.counts["rejected"] == 0


def test_csv_problems_name_the_row_and_the_hsds_field(app, session):
    result = run(app, DATA / "hsds3_csv")
    problems = {r["row"]: (r["column"], r["problem"]) for r in result.report.rejects}
    assert problems["services.csv row 4 (svc-bad-age)"] == (
        "email",
        "'not-an-email' is not an email address. Imported with “not-an-email” kept as a detail to check.",
    )
    assert problems["services.csv row 5 (svc-orphan)"][0] == "organization_id"
    assert notes_about(result, "svc-bad-age") == ["minimum_age: 150 is not an age between 0 and 120; left out"]


def test_a_service_whose_organisation_is_missing_is_kept_under_a_stand_in_and_flagged(app, session):
    result = run(app, DATA / "hsds3_csv", source="council")
    orphan = services(session)["svc-orphan"]
    assert session.get(Organisation, orphan.organisation_id).name == "Organisation org-missing (not given in council)"
    assert orphan.attributes[DETAILS_TO_CHECK]["cells"] == {"organization_id": "org-missing"}
    [problem] = [r for r in result.report.rejects if "svc-orphan" in r["row"]]
    assert (
        problem["level"] == "warning"
        and "“org-missing” names no organisation (with a name) in the data" in problem["problem"]
    )
    assert run(app, DATA / "hsds3_csv", source="council").report.counts["unchanged"] == 3  # one stand-in, kept


def test_an_organisation_without_a_name_gives_its_services_a_stand_in(app, session, tmp_path):
    package = shutil.copytree(DATA / "hsds3_csv", tmp_path / "package")
    rows = (
        (package / "organizations.csv")
        .read_text(encoding="utf-8-sig")
        .replace("org-walk,Calder Valley Walkers,", "org-walk,,")
    )
    (package / "organizations.csv").write_text(rows)
    result = run(app, package, source="council")
    walk = services(session)["svc-walk"]
    assert session.get(Organisation, walk.organisation_id).name == "Organisation org-walk (not given in council)"
    assert result.report.counts["rejected"] == 0


@pytest.mark.parametrize(
    "fees, free",
    [
        ("Free", True),
        ("No charge", True),
        ("Free parking; £3 a class", False),
        ("Free parking", False),
        ("Not free: ask us", False),
        ("Donations welcome", False),
    ],
)
def test_free_is_read_only_when_the_service_itself_is_free(app, session, tmp_path, fees, free):
    package = shutil.copytree(DATA / "hsds3_csv", tmp_path / "package")
    rows = (
        (package / "services.csv")
        .read_text(encoding="utf-8-sig")
        .replace("Just turn up,free,", f"Just turn up,{fees},")
    )
    (package / "services.csv").write_text(rows)
    run(app, package)
    assert services(session)["svc-walk"].is_free is free


def test_a_malformed_web_address_is_left_out_and_the_service_kept(app, session, tmp_path):
    page = json.loads((DATA / "hsds3_page.json").read_text())
    page["contents"][0]["url"] = "javascript:alert(1)"
    (tmp_path / "page.json").write_text(json.dumps(page))
    result = run(app, tmp_path / "page.json")
    pantry = services(session)["svc-pantry"]
    assert pantry.website is None and pantry.attributes[DETAILS_TO_CHECK]["cells"] == {"url": "javascript:alert(1)"}
    assert any(r["column"] == "url" and r["level"] == "warning" for r in result.report.rejects)


def test_a_service_that_says_nothing_about_cost_is_not_called_free(app, session, tmp_path):
    package = shutil.copytree(DATA / "hsds3_csv", tmp_path / "package")
    rows = (package / "services.csv").read_text(encoding="utf-8-sig").replace("Just turn up,free,", "Just turn up,,")
    (package / "services.csv").write_text(rows)
    run(app, package)
    walk = services(session)["svc-walk"]
    assert not walk.is_free and describe_cost(walk) == "Ask about cost"


def test_written_out_line_breaks_and_day_markers_become_readable_text(app, session, tmp_path):
    page = json.loads((DATA / "hsds3_page.json").read_text())
    page["contents"][0]["description"] = "Fresh food weekly.\\nBring a bag. ###MON### 10am-12pm ###THU### 2pm-4pm"
    (tmp_path / "page.json").write_text(json.dumps(page))
    run(app, tmp_path / "page.json")
    assert services(session)["svc-pantry"].description == (
        "Fresh food weekly.\nBring a bag.\nMonday: 10am-12pm\nThursday: 2pm-4pm"
    )


def test_a_venue_sharing_an_id_with_a_service_is_reported_from_its_own_file(app, session, tmp_path):
    package = shutil.copytree(DATA / "hsds3_csv", tmp_path / "package")
    for name in ("locations.csv", "addresses.csv", "service_at_location.csv"):
        (package / name).write_text((package / name).read_text(encoding="utf-8-sig").replace("loc-station", "svc-walk"))
    locations = (
        (package / "locations.csv")
        .read_text()
        .replace("Meet by the ticket office,,,,", "Meet by the ticket office,,north,,")
    )
    (package / "locations.csv").write_text(locations)
    service_rows = (
        (package / "services.csv")
        .read_text(encoding="utf-8-sig")
        .replace('volunteers.",,,active', 'volunteers.",,,sometimes')
    )
    (package / "services.csv").write_text(service_rows)
    result = run(app, package)
    assert {n.field: (n.file, n.record) for n in result.notes if n.field in ("latitude", "status")} == {
        "latitude": ("locations.csv", "row 2 (svc-walk)"),
        "status": ("services.csv", "row 2 (svc-walk)"),
    }


def test_eligibility_for_no_service_is_noted_not_lost(app, session, tmp_path):
    package = shutil.copytree(DATA / "hsds11", tmp_path / "package")
    with (package / "eligibility.csv").open("a") as handle:
        handle.write("e-2,,over 60s\ne-3,s-99,young carers\n")
    result = run(app, package)
    assert sorted((n.record, n.message) for n in result.notes if n.field == "service_id") == [
        ("row 3", "names no service; “over 60s” is left out"),
        ("row 4", "names service s-99, which is not in services.csv; “young carers” is left out"),
    ]


def test_cli_writes_every_problem_to_the_rejects_file(app, runner, session, tmp_path):
    out = tmp_path / "problems.csv"
    result = runner.invoke(args=["import", "hsds", str(DATA / "hsds3_csv"), "--rejects", str(out)])
    assert result.exit_code == 0, result.output
    assert f"records with problems to {out}" in result.output
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "file,record,name,Error"
    assert "svc-orphan" in text and "names no organisation" in text and "150 is not an age" in text


def test_hsds_1_1_datapackage_maps_weekdays_eligibility_and_categories(app, session):
    run(app, DATA / "hsds11")
    coffee = services(session)["s-1"]
    assert sorted(s.weekday for s in coffee.schedules) == ["MO", "TH"]
    assert coffee.eligibility_criteria == "unpaid carers"
    assert [t.code for t in coffee.terms] == ["carers/carers-support"]  # matched by the term's name
    organisation = session.get(Organisation, coffee.organisation_id)
    assert organisation.website == "https://todcarers.example.org"
    [link] = coffee.location_links
    assert session.get(Location, link.location_id).postcode == "OL14 7BX"


def test_a_directory_of_json_files_is_read_whole(app, session, tmp_path):
    page = json.loads((DATA / "hsds3_page.json").read_text())
    for number, service in enumerate(page["contents"][:2]):
        (tmp_path / f"service-{number}.json").write_text(json.dumps(service))
    (tmp_path / "broken.json").write_text("{not json")
    result = run(app, tmp_path)
    assert result.report.counts["created"] == 2
    [reject] = result.report.rejects
    assert reject["row"] == "broken.json line 1" and "not valid JSON" in reject["problem"]


def test_a_path_that_is_not_open_referral_data_says_what_to_give(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ReadError, match="no .json files and no datapackage"):
        read_hsds(tmp_path)


@pytest.mark.skipif(not SHARED.exists(), reason=f"the shared samples are not at {SHARED} (set SIGNPOST_SHARED_DIR)")
@pytest.mark.parametrize(
    "sample, created",
    [
        ("hsds-3.0-examples/service_full.json", 1),
        ("hsds-3.0-examples/csv", 1),
        ("hsds-1.1-sample/all_resources", 13),
        ("hsds-1.1-sample/simple", 13),
    ],
)
def test_the_open_referral_samples_import(app, session, tmp_path, sample, created):
    path = SHARED / sample
    if path.is_dir():  # the sample's datapackage.json may be a dangling link: read the CSVs by name
        path = Path(shutil.copytree(path, tmp_path / "sample"))
    result = run(app, path)
    assert result.report.counts["created"] == created and result.report.counts["rejected"] == 0
    # The samples are American: venues without a UK postcode are reported, not invented.
    # Their placeholder category ("name") is not one of Signpost's: kept as an attribute, and said so.
    assert {n.field for n in result.notes} <= {"address.postal_code", "latitude", "attributes", ""}
    assert run(app, path).report.counts["unchanged"] == created


def test_cli_imports_and_reports(app, runner, session):
    result = runner.invoke(args=["import", "hsds", str(DATA / "hsds3_page.json"), "--source", "eastend"])
    assert result.exit_code == 0, result.output
    assert "2 were created" in result.output
    assert "contents/2 (svc-noname)" in result.output
    assert "'25:00' is not a time of day" in result.output
    assert {s.source for s in services(session).values()} == {"eastend"}


def test_cli_dry_run_changes_nothing(app, runner, session):
    result = runner.invoke(args=["import", "hsds", str(DATA / "hsds3_csv"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output and services(session) == {}


def test_cli_explains_a_path_it_cannot_read(app, runner, tmp_path):
    result = runner.invoke(args=["import", "hsds", str(tmp_path)])
    assert result.exit_code != 0 and "no .json files" in result.output


def test_a_category_given_by_id_is_found_in_a_taxonomy_term_file(app, session, tmp_path):
    page = json.loads((DATA / "hsds3_page.json").read_text())
    service = page["contents"][0]
    service["attributes"] = [{"id": "at-9", "taxonomy_term_id": "term-walks"}]
    (tmp_path / "service.json").write_text(json.dumps(service))
    (tmp_path / "terms.json").write_text(
        json.dumps(
            {"contents": [{"id": "term-walks", "code": "WALK", "name": "Walking groups", "taxonomy": "Local themes"}]}
        )
    )
    run(app, tmp_path)
    assert [t.code for t in services(session)["svc-pantry"].terms] == ["physical-activity/walking-groups"]
