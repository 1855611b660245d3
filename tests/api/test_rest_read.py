"""Reading through the JSON API: search gives what the search page gives, listings, postcodes, categories, CORS."""

from __future__ import annotations

import uuid

import pytest

from directory.db import get_db
from directory.models import Service
from directory.operations.moderation import archive_listing
from directory.permissions import SYSTEM
from tests.conftest import keep_for_module

from .rest_world import api_ids, bearer, directory_app, page_ids, token_for


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app, ids = directory_app(tmp_path_factory)
    yield keep_for_module(__name__, app), ids
    get_db(app).engine.dispose()


@pytest.fixture
def client(world):
    return world[0].test_client()


@pytest.fixture
def ids(world):
    return world[1]


# Search: the same answers as the search page ------------------------------------------------------

SEARCHES = [
    "q=walking",
    "q=coffee&order=name",
    "q=food&postcode=HX1",
    "postcode=HX1+1QE&radius=1",
    "postcode=G31&radius=100&order=nearest",
    "category=food",
    "category=food/food-pantry&category=carers",
    "age=60&postcode=HX1",
    "age=12&include_closed=1&q=boxing",
    "group=carers",
    "self_referral=1&postcode=HX1",
    "free=1&q=food",
    "wheelchair=1&postcode=HX1",
    "accepting=1&postcode=HX1",
    "in_season=1&postcode=HX3",
    "language=ur",
    "when=week&postcode=HX1",
    "when=day&day=2030-01-07&postcode=HX1",
    "order=verified&postcode=HX1",
    "q=walkign",
    "q=free+food",
    "q=food&plain=free",
]


def test_search_reports_the_filters_it_read_from_the_words(client):
    found = client.get("/api/search?q=walking+on+Tuesdays+over+60s").get_json()["filters_from_words"]
    assert {"words": "on Tuesdays", "filters": {"days": ["TU"]}} in [
        {k: f[k] for k in ("words", "filters")} for f in found
    ]
    assert {"words": "over 60s", "filters": {"age": 60}} in [{k: f[k] for k in ("words", "filters")} for f in found]
    kept = client.get("/api/search?q=walking+over+60s&plain=over+60s").get_json()["filters_from_words"]
    assert kept == []


@pytest.mark.parametrize("query", SEARCHES)
def test_search_finds_what_the_search_page_finds_in_the_same_order(client, query):
    page = client.get(f"/search?{query}")
    api = client.get(f"/api/search?{query}")
    assert page.status_code == api.status_code == 200
    assert api_ids(api.get_json()) == page_ids(page.get_data(as_text=True))


def test_the_organisation_filter_matches_the_search_page(client, ids):
    query = f"organisation={ids['glasgow_org']}"
    body = client.get(f"/api/search?{query}").get_json()
    assert api_ids(body) == page_ids(client.get(f"/search?{query}").get_data(as_text=True)) == [ids["glasgow"]]


def test_filters_really_filter(client, ids):
    def found(query):
        return set(api_ids(client.get(f"/api/search?{query}&per_page=100").get_json()))

    assert found("q=walking") == {ids["walks"]}
    assert found("group=carers") == {ids["carers"]}
    assert found("language=ur") == {ids["pantry"]}
    assert ids["boxing"] not in found("q=boxing") and ids["boxing"] in found("q=boxing&include_closed=1")
    assert ids["walks"] not in found("age=30&postcode=HX1") and ids["walks"] in found("age=60&postcode=HX1")
    assert ids["pantry"] not in found("free=1&postcode=HX1")
    assert found("postcode=G31&radius=2") == {ids["glasgow"]}
    assert ids["garden"] in found("postcode=HX3") and ids["garden"] not in found(
        "postcode=HX3&in_season=1"
    )  # April to September
    corrected = client.get("/api/search?q=walkign").get_json()
    assert (
        corrected["showing_results_for"] == "walking"
        and corrected["search_instead_for"] == "walkign"
        and corrected["total"]
    )
    assert client.get("/api/search?q=walkign&literal=true").get_json()["total"] == 0


def test_a_search_answer_explains_each_result_and_links_to_it(client, ids):
    body = client.get("/api/search?q=walking&postcode=HX1+1QE").get_json()
    assert body["total"] == 1 and body["pages"] == 1 and body["place"]["query"] == "HX1 1QE" and body["radius_km"] == 5
    result = body["results"][0]
    assert result["distance_km"] < 1 and result["explanation"]["referral"].startswith("Self-referral by phone")
    assert result["service"]["url"] == f"http://localhost/services/{ids['walks']}"
    assert result["service"]["api_url"] == f"http://localhost/api/services/{ids['walks']}"
    assert result["service"]["organisation"]["name"] == "Halifax Community Trust"


def test_results_come_a_page_at_a_time_with_links_that_keep_the_filters(client):
    first = client.get("/api/search?q=%22coffee+morning%22&order=name&per_page=10").get_json()
    assert (first["total"], first["pages"], first["page"], len(first["results"])) == (23, 3, 1, 10)
    assert first["previous"] is None and "q=%22coffee+morning%22" in first["next"] and "page=2" in first["next"]
    last = client.get(first["next"].replace("page=2", "page=3")).get_json()
    assert len(last["results"]) == 3 and last["next"] is None and "page=2" in last["previous"]
    names = [
        r["service"]["name"]
        for r in first["results"] + client.get(first["next"]).get_json()["results"] + last["results"]
    ]
    assert names == sorted(names) and len(set(names)) == 23


def test_a_bigger_page_takes_no_more_database_statements(world, client):
    from sqlalchemy import event

    statements = []
    engine = get_db(world[0]).engine
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        counts = []
        for size in (5, 25):
            statements.clear()
            assert len(client.get(f"/api/search?postcode=HX1&per_page={size}").get_json()["results"]) == size
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("per_page=101", "per_page", "Ask for 1 to 100 results a page"),
        ("per_page=0", "per_page", "Ask for 1 to 100 results a page"),
        ("page=501", "page", "Pages run from 1 to 500"),
        ("age=abc", "age", "Not a valid integer"),
        ("radius=500&postcode=HX1", "radius", "Choose a distance from 0.1 to 100 km"),
        ("postcode=NOWHERE", "postcode", "not a UK postcode"),
        ("postcode=ZZ99+9ZZ", "postcode", "ZZ99"),
        ("when=day", "day", "Choose the day"),
        ("group=aliens", "group.0", "is not one of"),
        ("order=random", "order", "is not one of"),
        ("organisation=not-an-id", "organisation", "Not a valid UUID"),
    ],
)
def test_bad_search_input_is_a_422_naming_the_field(client, query, field, message):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 422 and response.is_json
    assert message in " ".join(response.get_json()["errors"][field])


# Listings -----------------------------------------------------------------------------------------


def test_a_service_has_every_fact_its_page_shows(client, ids):
    body = client.get(f"/api/services/{ids['walks']}").get_json()
    assert body["name"] == "Walking group" and body["min_age"] == 50 and body["groups_served"] == ["older_people"]
    assert body["categories"] == ["physical-activity"] and body["version"] == 1
    assert body["schedules"] == [
        {
            "frequency": "weekly",
            "weekday": "MO",
            "week_of_month": None,
            "opens_at": "10:00",
            "closes_at": "11:00",
            "valid_from": None,
            "valid_to": None,
            "description": "",
            "location_id": None,
            "attendance": None,
            "attendance_shown": "in_person",
        }
    ]
    assert body["locations"][0]["postcode"] == "HX1 1QE" and body["locations"][0]["wheelchair_accessible"] is True
    assert body["referral_routes"][0]["contact"] == "01632 960001"  # a self-referral number is for everyone


def test_contacts_for_professional_routes_are_for_link_workers_only(world, client, ids):
    hidden = client.get(f"/api/services/{ids['carers']}").get_json()["referral_routes"][0]
    assert hidden["route_type"] == "gp" and hidden["contact"] is None and hidden["status"] == "waiting_list"
    worker = token_for(world[0], ids["link_worker"])
    shown = client.get(f"/api/services/{ids['carers']}", headers=bearer(worker)).get_json()["referral_routes"][0]
    assert shown["contact"] == "01632 960999"


def test_an_organisation_lists_its_current_services_and_venues(client, ids):
    body = client.get(f"/api/organisations/{ids['glasgow_org']}").get_json()
    assert body["name"] == "Parkhead Pantry Trust"
    assert [s["id"] for s in body["services"]] == [ids["glasgow"]]
    assert [v["name"] for v in body["locations"]] == ["Parkhead Hub"]


def test_unknown_and_archived_listings_are_json_404_and_410(world, client, ids):
    missing = client.get(f"/api/services/{uuid.uuid4()}")
    assert missing.status_code == 404 and "There is no service" in missing.get_json()["message"]
    assert client.get("/api/services/not-a-uuid").status_code == 404
    assert client.get(f"/api/organisations/{uuid.uuid4()}").status_code == 404
    app = world[0]
    with app.app_context():
        db = get_db(app).sessionmaker()
        archive_listing(db, SYSTEM, db.get(Service, uuid.UUID(ids["coffee22"])), "Stopped meeting")
        db.commit()
        db.close()
    gone = client.get(f"/api/services/{ids['coffee22']}")
    assert gone.status_code == 410 and "has been removed" in gone.get_json()["message"]


# Postcodes and categories ---------------------------------------------------------------------------


def test_a_postcode_resolves_with_its_areas(client):
    body = client.get("/api/postcodes/hx1%201qe").get_json()
    assert body["query"] == "HX1 1QE" and body["kind"] == "unit" and body["precision"] == "unit"
    assert (body["latitude"], body["longitude"], body["note"]) == (53.72124, -1.85636, None)
    assert {"code": "E08000033", "name": "Calderdale"} in body["areas"]


def test_a_postcode_without_a_position_says_which_centre_stands_in(client):
    body = client.get("/api/postcodes/SK29DA").get_json()
    assert (body["kind"], body["precision"], body["label"]) == ("unit", "sector", "SK2 9 (sector centre)")
    assert body["note"].startswith("Code-Point Open gives no exact position for SK2 9DA")


@pytest.mark.parametrize(
    "postcode, status, text", [("NOWHERE", 422, "not a UK postcode"), ("ZZ99 9ZZ", 404, "not one we know")]
)
def test_bad_and_unknown_postcodes_are_explained(client, postcode, status, text):
    response = client.get(f"/api/postcodes/{postcode}")
    body = response.get_json()
    assert response.status_code == status and text in (
        body.get("message", "") + " ".join(body.get("errors", {}).get("postcode", []))
    )


def test_categories_are_the_tree_the_search_filters_by(client):
    tree = client.get("/api/categories").get_json()
    food = next(item for item in tree if item["code"] == "food")
    assert "food/food-pantry" in [child["code"] for child in food["children"]]


# Any website may read ------------------------------------------------------------------------------


def test_reads_allow_any_origin_and_preflight(client):
    response = client.get("/api/search?q=walking", headers={"Origin": "https://partner.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/search",
        headers={
            "Origin": "https://partner.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert client.get("/api/openapi.json").headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_api_addresses_and_methods_answer_in_json_and_other_pages_stay_html(client, ids):
    assert client.get("/api/nothing-here").is_json
    wrong = client.delete(f"/api/services/{ids['walks']}")
    assert wrong.status_code == 405 and wrong.is_json and "PATCH" in wrong.headers["Allow"]
    page = client.get("/nothing-here")
    assert page.status_code == 404 and page.mimetype == "text/html"
