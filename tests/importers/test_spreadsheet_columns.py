"""What a spreadsheet can say beyond a venue and its hours: groups served, areas covered, seasons, how
people take part (a phone line has no venue) and confidential venues (a refuge gives only its district)."""

from __future__ import annotations

from sqlmodel import select

from directory.models import Service

from .conftest import import_file, spreadsheet

HEADER = (
    "Organisation,Service,Postcode,Address,Groups served,Area covered,Season,How to take part,"
    "Confidential address,Referral,Category"
)
ROWS = [
    # A helpline with no venue that covers a city, and a refuge known only by its district.
    "Tay Lines,Carers helpline,,,Unpaid carers,Covers Dundee City,,Phone only,,Self-referral,Carers support groups",
    "Safe Haven,Women's refuge,DD3 6HH,1 Hidden Lane,Women only,,,In person,Yes,Link worker referral only,"
    "Domestic abuse support",
    "Hub,Summer garden,DD1 4HN,Unit 2 Brook St,,,April-September,In person,No,Drop in,Gardening",
    'Hub,Nation line,,,Veterans,Scotland,,"Phone or online",,Self-referral,Money advice',
]


def _imported(app, session, tmp_path):
    report = import_file(app, spreadsheet(tmp_path, *ROWS, header=HEADER))
    assert report.counts["created"] == len(ROWS) and report.counts["rejected"] == 0, report.rejects
    assert report.warnings == []
    return {s.name: s for s in session.exec(select(Service))}


def test_groups_areas_seasons_and_how_people_take_part_are_read_from_their_columns(app, session, tmp_path):
    services = _imported(app, session, tmp_path)
    helpline = services["Carers helpline"]
    assert helpline.attendance == ["phone"] and helpline.location_links == []
    assert [(a.area_type, a.code, a.name) for a in helpline.areas] == [("local_authority", "S12000042", "Dundee City")]
    assert helpline.groups_served == ["carers"]
    refuge = services["Women's refuge"]
    assert refuge.groups_served == ["women"] and refuge.open_to_all is False
    garden = services["Summer garden"]
    assert [(s.start_month, s.end_month, s.description) for s in garden.seasons] == [(4, 9, "April-September")]
    nation = services["Nation line"]
    assert nation.attendance == ["phone", "online"]
    assert [(a.area_type, a.code) for a in nation.areas] == [("national", "S92000003")]
    assert nation.groups_served == ["veterans"]


def test_a_confidential_venue_keeps_only_its_district_everywhere(app, session, tmp_path):
    services = _imported(app, session, tmp_path)
    refuge = services["Women's refuge"]
    venue = refuge.location_links[0].location
    assert (venue.confidential, venue.postcode, venue.address_1) == (True, "DD3", None)
    assert venue.latitude is not None  # placed at its district, so a search nearby finds it
    client = app.test_client()
    page = client.get(f"/services/{refuge.id}").get_data(as_text=True)
    assert "Address confidential: in the DD3 postcode district" in page and "Hidden Lane" not in page
    assert "venues-map" not in page and '"lat"' not in page
    found = client.get("/search?q=refuge&postcode=DD3+6HH").get_data(as_text=True)
    assert "Women&#39;s refuge" in found or "Women's refuge" in found
    oruk = client.get(f"/oruk/services/{refuge.id}").get_json()
    [place] = [sal["location"] for sal in oruk["service_at_locations"]]
    assert "latitude" not in place and place["addresses"][0]["postal_code"] == "DD3"
    assert place["addresses"][0]["address_1"] == ""
    api = client.get(f"/api/services/{refuge.id}").get_json()
    [listed] = api["locations"]
    assert (listed["latitude"], listed["postcode"], listed["confidential"]) == (None, "DD3", True)


def test_a_district_postcode_without_a_confidential_mark_is_still_a_warning(app, session, tmp_path):
    report = import_file(app, spreadsheet(tmp_path, "Hub,Lunch,DD3,,,,,,,Drop in,Community meals", header=HEADER))
    assert report.counts["created"] == 1
    assert any(
        w["column"] == "Postcode" and "mark the address confidential" in w["problem"] for w in report.warnings
    ), report.warnings


def test_a_confidential_cell_that_is_not_a_plain_no_keeps_the_address_hidden(app, session, tmp_path):
    """Fails closed: "Refuge" or "Not public" in the column hides the street, with a warning to check it."""
    rows = [
        f"Safe Haven,Refuge {n},DD3 6HH,1 Hidden Lane,,,,In person,{cell},Self-referral,Domestic abuse support"
        for n, cell in enumerate(["Refuge", "Not public", "Withheld"])
    ]
    report = import_file(app, spreadsheet(tmp_path, *rows, header=HEADER))
    assert report.counts["created"] == 3
    venues = [s.location_links[0].location for s in session.exec(select(Service))]
    assert [(v.confidential, v.address_1, v.postcode) for v in venues] == [(True, None, "DD3")] * 3
    assert sum("kept confidential" in w["problem"] for w in report.warnings) == 3, report.warnings
