"""Open Referral UK 3.0: every endpoint against the official schemas, each filter, paging, errors, CORS."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, update
from sqlmodel import select

from directory.db import get_db
from directory.demo import load_demo
from directory.geography import distance_km, resolve_postcode
from directory.models import Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy, Taxonomy, TaxonomyTerm
from directory.models.common import HIDDEN_STATUSES
from search import SearchQuery, search_services
from search.sync import mark_changed
from tests import factories
from tests.api.oruk_spec import errors
from tests.conftest import keep_for_module, migrated_app

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)  # the demo's clock: it is loaded and read on this day

LISTS = {
    "/oruk/services": "service_list.json",
    "/oruk/services?full=true&per_page=20": "service_list.json",
    "/oruk/services?minimal=true&per_page=1000": "service_list.json",
    "/oruk/services?search=food%20bank": "service_list.json",
    "/oruk/service_at_locations": "service_at_location_list.json",
    "/oruk/service_at_locations?postcode=HX1&proximity=3000&full=true": "service_at_location_list.json",
    "/oruk/service_at_locations?postcode=G31%202ER": "service_at_location_list.json",
    "/oruk/organizations": "organization_list.json",
    "/oruk/organizations?full=true&search=pantry": "organization_list.json",
    "/oruk/taxonomies": "taxonomy_list.json",
    "/oruk/taxonomy_terms?per_page=100": "taxonomy_term_list.json",
    "/oruk/taxonomy_terms?top_only=true": "taxonomy_term_list.json",
}


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    app = migrated_app(tmp_path_factory.mktemp("oruk"), ORUK_RATE_LIMIT="100000 per minute", CLOCK=lambda: NOW)
    with app.app_context(), get_db(app).unit_of_work() as session:
        load_demo(session, NOW.date())
    keep_for_module(__name__, app)
    yield app
    get_db(app).engine.dispose()


@pytest.fixture
def api(demo_app):
    return demo_app.test_client()


@pytest.fixture
def db(demo_app):
    with demo_app.app_context():
        session = get_db(demo_app).sessionmaker()
        yield session
        session.close()


def get(api, path: str, status: int = 200) -> dict:
    response = api.get(path)
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:500])
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.mimetype == "application/json"
    return response.get_json()


def empties(node, where: str = "") -> list[str]:
    """Paths of null or empty values anywhere in a document (ORUK leaves empty optional fields out)."""
    if isinstance(node, dict):
        found = [f"{where}/{k}" for k, v in node.items() if v is None or v == "" or v == [] or v == {}]
        found += [p for k, v in node.items() if k != "contents" for p in empties(v, f"{where}/{k}")]
        return found + [p for i, v in enumerate(node.get("contents", [])) for p in empties(v, f"{where}/contents/{i}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in empties(v, f"{where}/{i}")]
    return []


def all_ids(api, path: str) -> list[str]:
    sep = "&" if "?" in path else "?"
    found, page = [], 1
    while True:
        body = get(api, f"{path}{sep}per_page=100&page={page}")
        found += [item["id"] for item in body["contents"]]
        if body["last_page"]:
            return found
        page += 1


# -- the official schemas ------------------------------------------------------------------------


def test_the_base_endpoint_says_which_standard_and_where_its_definition_is(api):
    body = get(api, "/oruk/")
    assert errors("api_details.json", body) == []
    assert body["version"] == "HSDS-UK-3.0"
    assert body["openapi_url"] == "http://localhost/oruk/openapi.json"
    document = get(api, "/oruk/openapi.json")
    assert document["servers"] == [{"url": "http://localhost/oruk"}]
    assert set(document["paths"]) >= {"/services", "/services/{id}", "/service_at_locations", "/organizations"}


@pytest.mark.parametrize("path", LISTS)
def test_every_list_matches_the_official_schema_and_has_no_empty_fields(api, path):
    body = get(api, path)
    assert body["contents"], f"{path} should find something in the demo directory"
    assert errors(LISTS[path], body) == []
    assert empties(body) == []


def test_every_detail_endpoint_matches_the_official_schema(api):
    first = {
        name: get(api, f"/oruk/{name}?per_page=1")["contents"][0]["id"]
        for name in ("services", "service_at_locations", "organizations", "taxonomies", "taxonomy_terms")
    }
    for name, schema in [
        ("services", "service.json"),
        ("service_at_locations", "service_at_location.json"),
        ("organizations", "organization.json"),
        ("taxonomies", "taxonomy.json"),
        ("taxonomy_terms", "taxonomy_term.json"),
    ]:
        body = get(api, f"/oruk/{name}/{first[name]}")
        assert errors(schema, body) == [], name
        assert empties(body) == [], name
    full = get(api, f"/oruk/organizations/{first['organizations']}?full_service=true")
    assert errors("organization.json", full) == [] and full["services"]
    assert all("attributes" in s for s in full["services"])


def test_a_rich_service_validates_in_full(api, db):
    """The demo service with the most relations exercises every nested shape."""
    service = max(
        (s for s in db.exec(select(Service)).all() if s.location_links),
        key=lambda s: len(s.schedules) + len(s.areas) + len(s.location_links) + len(s.seasons) + len(s.languages),
    )
    body = get(api, f"/oruk/services/{service.id}")
    assert errors("service.json", body) == []
    for part in ("schedules", "service_at_locations", "languages", "attributes", "organization"):
        assert body.get(part), part


# -- Signpost's facts in HSDS fields -------------------------------------------------------------


@pytest.fixture
def rich_service(app, session):
    org = factories.organisation(session, charity_number="SC012345")
    venue = factories.location(session, org, wheelchair_accessible=True, accessibility="Lift to every floor")
    service = factories.service(
        session,
        org,
        locations=[venue],
        eligibility_criteria="Adults living in Glasgow.",
        groups_served=["carers"],
        languages=["en", "pl"],
        referral_routes=[
            {
                "route_type": "self_referral",
                "method": "phone",
                "contact": "0141 496 0000",
                "instructions": "Ask for Sam.",
            },
            {"route_type": "gp", "status": "waiting_list"},
        ],
        schedules=[
            {
                "weekday": "TU",
                "opens_at": "10:00",
                "closes_at": "12:00",
                "valid_from": "2025-04-01",
                "valid_to": "2025-09-30",
                "location_id": str(venue.id),
            },
            {"frequency": "monthly", "weekday": "TH", "week_of_month": -1},
        ],
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        funding=[{"source": "Lottery", "status": "funding_ending", "funded_until": "2026-03-31"}],
        last_verified_at="2025-06-01T09:00:00Z",
        verification_method="owner",
        is_free=False,
        cost_min="2.50",
        cost_description="per session",
    )
    session.commit()
    return service


def test_an_online_session_is_held_at_no_venue_and_says_it_is_online(app, session):
    org = factories.organisation(session)
    venue = factories.location(session, org)
    service = factories.service(
        session,
        org,
        locations=[venue],
        schedules=[
            {"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00"},
            {"weekday": "TH", "opens_at": "19:00", "closes_at": "20:00", "attendance": "online"},
        ],
    )
    session.commit()
    body = get(app.test_client(), f"/oruk/services/{service.id}")
    assert errors("service.json", body) == []
    held = {x["byday"]: (x["notes"], x["attending_type"], x.get("service_at_location_id")) for x in body["schedules"]}
    assert held["TU"] == ("Every Tuesday, 10am to 12pm", "in person", body["service_at_locations"][0]["id"])
    assert held["TH"] == ("Every Thursday, 7pm to 8pm, online", "online", None)


def test_signposts_facts_use_hsds_fields_where_hsds_has_them(app, rich_service):
    body = get(app.test_client(), f"/oruk/services/{rich_service.id}")
    assert errors("service.json", body) == []
    assert body["application_process"] == (
        "Self-referral by phone (0141 496 0000). Ask for Sam.\nGP referral: waiting list."
    )
    assert body["eligibility_description"] == "Adults living in Glasgow. For: Carers. Open to everyone."
    assert body["assured_date"] == "2025-06-01"
    weekly, monthly = sorted(body["schedules"], key=lambda s: s["freq"], reverse=True)
    assert weekly | {"id": None} == weekly | {
        "id": None,
        "freq": "WEEKLY",
        "byday": "TU",
        "opens_at": "10:00",
        "closes_at": "12:00",
        "valid_from": "2025-04-01",
        "valid_to": "2025-09-30",
        "service_at_location_id": body["service_at_locations"][0]["id"],
    }
    assert monthly["freq"] == "MONTHLY" and monthly["byday"] == "-1TH"
    # The only venue holds both sessions (the monthly one gives none), as the service page says.
    [at_venue] = body["service_at_locations"]
    assert monthly["service_at_location_id"] == at_venue["id"]
    assert sorted(x["byday"] for x in at_venue["schedules"]) == ["-1TH", "TU"]
    assert [(lang["code"], lang["name"]) for lang in body["languages"]] == [("en", "English"), ("pl", "Polish")]
    assert body["cost_options"][0]["amount"] == 2.5
    assert body["organization"]["organization_identifiers"][0]["identifier_scheme"] == "GB-SC"


def test_an_imported_listing_carries_its_reference_and_contacts_from_the_source(app, session):
    org = factories.organisation(session)
    service = factories.service(session, org)
    # As the import core keeps them: the source's id, its contacts, and what had no field of its own.
    service.source, service.source_id = "council-sheet", "CS-0042"
    service.attributes = {
        "contacts": [{"name": "Sam Patel", "title": "Coordinator", "email": "sam@example.org"}],
        "Staff notes": "Sam's mobile is 07700 900123",  # a spreadsheet's own column
        "hsds": {
            "application_process": "Ring <b>first</b>",
            "contacts": [{"name": "Jo Lee", "phones": [{"number": "07700 900456"}]}],
        },
        "details_to_check": {"since": "2026-12-01", "cells": {"Website": "javascript:alert(1)"}},
    }
    session.commit()
    client = app.test_client()
    body = get(client, f"/oruk/services/{service.id}")
    assert errors("service.json", body) == []
    [reference] = [a for a in body["attributes"] if a["link_type"] == "source_reference"]
    assert (reference["value"], reference["label"]) == ("CS-0042", "council-sheet")
    assert [(c["name"], c.get("title")) for c in body["contacts"]] == [("Sam Patel", "Coordinator"), ("Jo Lee", None)]
    listed = client.get(f"/api/services/{service.id}").get_json()
    assert (listed["source"], listed["source_reference"]) == ("council-sheet", "CS-0042")
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Also in the data this listing came from" in page and "Imported from council-sheet" in page
    assert "<dt>How to apply</dt><dd>Ring &lt;b&gt;first&lt;/b&gt;</dd>" in page
    assert "<dt>Contacts</dt><dd>Sam Patel, Coordinator; Jo Lee</dd>" in page
    # Only what Open Referral defines is published: no spreadsheet column, no one's own email or phone.
    assert "Staff notes" not in page and "07700" not in page and "sam@example.org" not in page
    source = page[page.index('id="source"') : page.index("</section>", page.index('id="source"'))]
    assert "javascript:alert" not in source  # a value the import left out is in "check first", not here


def test_facts_without_an_hsds_field_are_attributes(app, rich_service):
    body = get(app.test_client(), f"/oruk/services/{rich_service.id}")
    facts = {(a["link_type"], a["value"]) for a in body["attributes"]}
    assert ("season", "--04-01/--09-30") in facts
    assert ("funding_status", "funding_ending") in facts
    assert ("referral_route", "gp:waiting_list") in facts
    assert ("verification", "owner") in facts
    assert ("signpost_page", f"http://localhost/services/{rich_service.id}") in facts
    location = body["service_at_locations"][0]["location"]
    assert location["attributes"][0]["value"] == "yes"
    assert location["accessibility"][0]["description"] == "Lift to every floor"
    assert location["addresses"][0]["state_province"] == "Glasgow City"


def test_ids_are_stable_between_requests(app, rich_service):
    client = app.test_client()
    assert get(client, f"/oruk/services/{rich_service.id}") == get(client, f"/oruk/services/{rich_service.id}")


# -- filters ------------------------------------------------------------------------------------


def visible(db) -> set[str]:
    rows = db.exec(
        select(Service.id)
        .join(Organisation)
        .where(
            Service.archived_at.is_(None), Organisation.archived_at.is_(None), Service.status.not_in(HIDDEN_STATUSES)
        )
    )
    return {str(i) for i in rows}


def test_without_filters_every_published_service_is_listed(api, db):
    listed = all_ids(api, "/oruk/services")
    assert len(listed) == len(set(listed))
    assert set(listed) == visible(db)


def test_search_finds_what_the_search_page_finds(api, demo_app, db):
    listed = all_ids(api, "/oruk/services?search=food%20bank")
    with demo_app.app_context():
        page = search_services(db, SearchQuery(today=NOW.date(), keywords="food bank", include_closed=True, limit=1000))
    assert listed == [str(r.service.id) for r in page.results]
    assert 0 < len(listed) < len(visible(db))


def test_taxonomy_term_filter_keeps_services_in_that_category_or_below(api, db):
    food = db.exec(select(TaxonomyTerm).where(TaxonomyTerm.code == "food")).one()
    below = {t.id for t in db.exec(select(TaxonomyTerm).where(TaxonomyTerm.code.startswith("food/")))} | {food.id}
    expected = {
        str(sid) for sid in db.exec(select(ServiceTaxonomy.service_id).where(ServiceTaxonomy.term_id.in_(below)))
    }
    listed = set(all_ids(api, f"/oruk/services?taxonomy_term_id={food.id}"))
    assert listed == expected & visible(db)
    assert 0 < len(listed) < len(visible(db))


def test_taxonomy_filter_keeps_services_filed_in_that_taxonomy(api, db):
    signpost = db.exec(select(Taxonomy)).one()
    filed = {str(sid) for sid in db.exec(select(ServiceTaxonomy.service_id))}
    assert set(all_ids(api, f"/oruk/services?taxonomy_id={signpost.id}")) == filed & visible(db)
    assert get(api, f"/oruk/services?taxonomy_id={uuid.uuid4()}")["total_items"] == 0


def test_organization_filter(api, db):
    org = db.exec(select(Organisation).order_by(Organisation.name)).first()
    body = get(api, f"/oruk/services?organization_id={org.id}&per_page=100")
    expected = {str(s.id) for s in org.services} & visible(db)
    assert {s["id"] for s in body["contents"]} == expected and expected
    assert {s["organization_id"] for s in body["contents"]} == {str(org.id)}


def test_modified_after_keeps_services_changed_since(api, db):
    later = NOW + timedelta(days=30)
    chosen = sorted(visible(db))[:3]
    db.exec(update(Service).where(Service.id.in_([uuid.UUID(i) for i in chosen])).values(updated_at=later))
    mark_changed(db, [uuid.UUID(i) for i in chosen])  # written without the ORM: the index learns of it at commit
    db.commit()
    since = (later - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert sorted(all_ids(api, f"/oruk/services?modified_after={since}")) == chosen
    assert sorted(all_ids(api, f"/oruk/services?modified_after={(later - timedelta(days=1)).date()}")) == chosen
    unencoded_plus = (later - timedelta(days=1)).isoformat()  # "+00:00" arrives as " 00:00"
    assert sorted(all_ids(api, f"/oruk/services?modified_after={unencoded_plus}")) == chosen


def test_modified_after_counts_a_change_to_a_venue_as_a_change_to_its_services(api, db):
    venue = db.get(Location, db.exec(select(ServiceAtLocation.location_id)).first())
    at_venue = {str(link.service_id) for link in venue.service_links} & visible(db)
    before, later = venue.updated_at, NOW + timedelta(days=60)
    venue.updated_at = later
    db.commit()
    try:
        since = (later - timedelta(days=1)).isoformat().replace("+00:00", "Z")
        assert set(all_ids(api, f"/oruk/services?modified_after={since}")) == at_venue and at_venue
    finally:
        venue.updated_at = before
        db.commit()


def test_modified_after_filters_services_at_venues_near_a_postcode(api):
    everything = get(api, "/oruk/service_at_locations?postcode=HX1")["total_items"]
    assert (
        everything
        and get(api, "/oruk/service_at_locations?postcode=HX1&modified_after=2020-01-01")["total_items"] == everything
    )
    assert (
        get(api, f"/oruk/service_at_locations?postcode=HX1&modified_after={(NOW + timedelta(days=400)).date()}")[
            "total_items"
        ]
        == 0
    )


def test_modified_after_with_a_misspelt_search_finds_what_the_correction_finds(api):
    corrected = all_ids(api, "/oruk/services?search=pantyr")
    assert corrected and all_ids(api, "/oruk/services?search=pantyr&modified_after=2020-01-01") == corrected


def test_filters_combine_with_and(api, db):
    food = db.exec(select(TaxonomyTerm).where(TaxonomyTerm.code == "food")).one()
    by_term = set(all_ids(api, f"/oruk/services?taxonomy_term_id={food.id}"))
    by_words = set(all_ids(api, "/oruk/services?search=community"))
    both = set(all_ids(api, f"/oruk/services?taxonomy_term_id={food.id}&search=community"))
    assert both == by_term & by_words
    assert both and both != by_term and both != by_words


def test_minimal_gives_ids_names_and_change_times(api):
    body = get(api, "/oruk/services?minimal=true&per_page=1000")
    assert body["size"] == body["total_items"] > 100  # the whole list in one page
    assert {frozenset(s) for s in body["contents"]} == {frozenset({"id", "name", "status", "last_modified"})}


def test_ndjson_streams_every_matching_service_one_a_line(api, db):
    response = api.get("/oruk/services?format=ndjson&full=true&search=community")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [r["id"] for r in records] == all_ids(api, "/oruk/services?search=community") and len(records) > 100
    assert all(errors("service.json", r) == [] for r in records)


def test_service_at_locations_near_a_postcode_are_within_the_proximity_nearest_first(api, db):
    body = get(api, "/oruk/service_at_locations?postcode=HX1%201&proximity=2000&per_page=100")
    place = resolve_postcode("HX1 1")
    distances = [
        distance_km(place.latitude, place.longitude, item["location"]["latitude"], item["location"]["longitude"])
        for item in body["contents"]
    ]
    assert distances and max(distances) <= 2.0 and distances == sorted(distances)
    wider = get(api, "/oruk/service_at_locations?postcode=HX1%201&proximity=5000&per_page=100")
    assert wider["total_items"] > body["total_items"]
    assert {i["id"] for i in body["contents"]} <= {i["id"] for i in wider["contents"]}


def test_service_at_locations_filter_by_organisation(api, db):
    org = db.exec(select(Organisation).order_by(Organisation.name)).first()
    body = get(api, f"/oruk/service_at_locations?organization_id={org.id}&per_page=100")
    assert body["contents"] and {i["service"]["organization_id"] for i in body["contents"]} == {str(org.id)}


# -- paging -------------------------------------------------------------------------------------


def test_paging_envelope_from_first_to_beyond_the_last_page(api):
    first = get(api, "/oruk/services?per_page=10")
    total = first["total_items"]
    assert (first["page_number"], first["size"], first["first_page"], first["last_page"], first["empty"]) == (
        1,
        10,
        True,
        False,
        False,
    )
    assert first["total_pages"] == -(-total // 10)
    last = get(api, f"/oruk/services?per_page=10&page={first['total_pages']}")
    assert last["last_page"] and not last["first_page"] and last["size"] == total - 10 * (first["total_pages"] - 1)
    beyond = get(api, f"/oruk/services?per_page=10&page={first['total_pages'] + 1}")
    assert beyond["empty"] and beyond["contents"] == [] and beyond["size"] == 0


def test_pages_do_not_overlap(api):
    one = get(api, "/oruk/services?per_page=7&page=1")["contents"]
    two = get(api, "/oruk/services?per_page=7&page=2")["contents"]
    assert not {s["id"] for s in one} & {s["id"] for s in two}


def test_the_largest_pages_are_served_whole(api):
    assert get(api, "/oruk/services?per_page=100")["size"] == 100
    assert get(api, "/oruk/services?minimal=true&per_page=1000")["size"] >= 100


@pytest.mark.parametrize(
    "query, words",
    [
        ("/oruk/services?per_page=1000000", "Ask for 1 to 100 results a page (up to 1,000 with minimal=true)."),
        ("/oruk/services?per_page=101", "Ask for 1 to 100 results a page (up to 1,000 with minimal=true)."),
        ("/oruk/services?minimal=true&per_page=1001", "Ask for 1 to 1,000 results a page."),
        ("/oruk/organizations?per_page=5000", "Ask for 1 to 100 results a page."),
        ("/oruk/taxonomy_terms?per_page=101", "Ask for 1 to 100 results a page."),
        ("/oruk/service_at_locations?per_page=101", "Ask for 1 to 100 results a page (up to 1,000 with minimal=true)."),
    ],
)
def test_per_page_above_its_maximum_is_a_400_naming_it(api, query, words):
    body = get(api, query, status=400)
    assert body["errors"] == {"per_page": [words]}
    assert "per_page" in body["message"]


def test_the_served_openapi_document_gives_the_page_size_limits(api):
    per_page = get(api, "/oruk/openapi.json")["components"]["parameters"]["per_page"]
    assert per_page["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}
    assert "1 to 100" in per_page["description"] and "1,000 with minimal=true" in per_page["description"]


def test_an_empty_result_is_a_valid_empty_page(api):
    body = get(api, "/oruk/services?search=xylophonerepairzzz")
    assert body | {"contents": None} == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": None,
    }
    assert errors("service_list.json", body) == []


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("/oruk/services?per_page=0", "per_page"),
        ("/oruk/services?page=0", "page"),
        ("/oruk/services?page=two", "page"),
        ("/oruk/services?taxonomy_term_id=food", "taxonomy_term_id"),
        ("/oruk/services?organization_id=1", "organization_id"),
        ("/oruk/services?modified_after=yesterday", "modified_after"),
        ("/oruk/services?minimal=perhaps", "minimal"),
        ("/oruk/services?format=xml", "format"),
        ("/oruk/organizations?format=ndjson", "format"),
        ("/oruk/service_at_locations?postcode=NOT+A+POSTCODE", "postcode"),
        ("/oruk/service_at_locations?postcode=HX1&proximity=far", "proximity"),
        ("/oruk/service_at_locations?postcode=HX1&proximity=-5", "proximity"),
        ("/oruk/service_at_locations?proximity=500", "proximity"),
        ("/oruk/taxonomy_terms?parent_id=x", "parent_id"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(api, query, parameter):
    body = get(api, query, status=400)
    assert list(body["errors"]) == [parameter]
    assert parameter in body["message"]


@pytest.mark.parametrize(
    "path",
    [
        f"/oruk/services/{uuid.UUID(int=1)}",
        "/oruk/services/not-an-id",
        f"/oruk/organizations/{uuid.UUID(int=1)}",
        f"/oruk/service_at_locations/{uuid.UUID(int=1)}",
        f"/oruk/taxonomies/{uuid.UUID(int=1)}",
        f"/oruk/taxonomy_terms/{uuid.UUID(int=1)}",
        "/oruk/nothing-here",
    ],
)
def test_an_unknown_id_or_path_is_a_json_404(api, path):
    assert get(api, path, status=404)["message"]


@pytest.mark.parametrize("path", ["/oruk/services", "/oruk/", f"/oruk/services/{uuid.UUID(int=1)}"])
def test_writing_is_a_json_405(api, path):
    response = api.post(path)
    assert response.status_code == 405 and response.get_json()["message"] == "This API is read-only: use GET."
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_defunct_services_are_not_listed_and_archived_ones_are_gone(api, db):
    service = db.get(Service, uuid.UUID(sorted(visible(db))[0]))
    service.status = "defunct"
    db.commit()
    assert str(service.id) not in all_ids(api, "/oruk/services")
    assert get(api, f"/oruk/services/{service.id}")["status"] == "defunct"
    service.archived_at = datetime.now(UTC)
    db.commit()
    get(api, f"/oruk/services/{service.id}", status=404)


# -- how it is served ----------------------------------------------------------------------------


def test_a_page_of_full_services_takes_the_same_queries_as_a_smaller_one(api, demo_app):
    statements = []
    engine = get_db(demo_app).engine

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        get(api, "/oruk/services?full=true&per_page=5")
        small, statements[:] = len(statements), []
        get(api, "/oruk/services?full=true&per_page=60")
        large, statements[:] = len(statements), []
        get(api, "/oruk/service_at_locations?full=true&per_page=5&postcode=G31")
        few_places, statements[:] = len(statements), []
        get(api, "/oruk/service_at_locations?full=true&per_page=60&postcode=G31")
        places = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert small == large <= 12, statements  # relations the search loaded are not loaded again
    assert few_places == places <= 16, statements


def test_the_prefix_is_configurable(tmp_path):
    app = migrated_app(tmp_path, ORUK_PREFIX="/open-referral/v3")
    client = app.test_client()
    assert (
        client.get("/open-referral/v3/").get_json()["openapi_url"] == "http://localhost/open-referral/v3/openapi.json"
    )
    assert client.get("/oruk/").status_code == 404
    get_db(app).engine.dispose()


def test_the_feed_on_postgresql(postgres_url, tmp_path):
    app = migrated_app(tmp_path, DATABASE_URL=postgres_url)
    with get_db(app).unit_of_work() as session:
        load_demo(session, date.today())
    client = app.test_client()
    body = get(client, "/oruk/services?full=true&per_page=100")
    assert errors("service_list.json", body) == [] and body["size"] == 100
    assert get(client, f"/oruk/services?modified_after={datetime.now(UTC).isoformat()}")["total_items"] == 0
    near = get(client, "/oruk/service_at_locations?postcode=G31%202ER&proximity=1500&full=true")
    assert near["contents"] and errors("service_at_location_list.json", near) == []
    assert get(client, "/oruk/organizations?search=pantry")["contents"]
    get_db(app).engine.dispose()


def test_a_service_at_a_venue_carries_the_sessions_held_there(app, session):
    org = factories.organisation(session)
    library = factories.location(session, org, name="Tollcross Library")
    centre = factories.location(session, org, name="Dennistoun Community Centre", postcode="G31 2ER")
    service = factories.service(
        session,
        org,
        locations=[library, centre],
        schedules=[
            {"weekday": "TU", "opens_at": "10:00", "location_id": str(library.id)},
            {"weekday": "WE", "opens_at": "14:00", "location_id": str(centre.id)},
        ],
    )
    session.commit()
    body = get(app.test_client(), f"/oruk/services/{service.id}")
    held = {sal["location"]["name"]: [x["byday"] for x in sal["schedules"]] for sal in body["service_at_locations"]}
    assert held == {"Tollcross Library": ["TU"], "Dennistoun Community Centre": ["WE"]}
    listed = get(app.test_client(), "/oruk/service_at_locations?full=true")["contents"]
    assert {item["location"]["name"]: [x["byday"] for x in item["schedules"]] for item in listed} == held
