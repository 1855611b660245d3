"""The search page: a plain GET form with every filter; bad input is a 400 naming the field."""

from __future__ import annotations

import re

import pytest

from . import factories


@pytest.fixture
def directory(app, session):
    org = factories.organisation(session, name="Halifax Community Trust")
    venue = factories.location(session, org, name="Square Chapel", postcode="HX1 1QE")
    factories.service(session, org, locations=[venue], name="Walking group", description="Gentle walks.",
                      categories=["physical-activity"], min_age=50,
                      referral_routes=[{"route_type": "self_referral", "method": "phone", "contact": "01632 960001"}])
    factories.service(session, org, locations=[venue], name="Food pantry", description="Low-cost food.",
                      categories=["food/food-pantry"], is_free=False, cost_description="£3 a visit", cost_min=3)
    for i in range(25):
        factories.service(session, org, locations=[venue], name=f"Coffee morning {i:02d}", description="Coffee and chat.")
    session.commit()


def test_the_empty_search_page_shows_the_form(client):
    page = client.get("/search").get_data(as_text=True)
    for field in ('name="q"', 'name="postcode"', 'name="radius"', 'name="category"', 'name="age"', 'name="group"',
                  'name="self_referral"', 'name="free"', 'name="language"', 'name="when"', 'name="day"',
                  'name="in_season"', 'name="accepting"', 'name="wheelchair"', 'name="order"'):
        assert field in page, field
    assert "<script" not in page


def test_searching_shows_count_explanations_and_facets(client, directory):
    page = client.get("/search?q=walking&postcode=hx1+1qe").get_data(as_text=True)
    assert "1 service for “walking” within 5 km of HX1 1QE" in page
    assert "Self-referral by phone" in page and "km away" in page
    assert "measured from the centre of HX1 1" in page  # unit postcodes not loaded in tests


def test_filters_narrow_the_results(client, directory):
    page = client.get("/search?postcode=HX1&age=30&free=1").get_data(as_text=True)
    assert ">Walking group</a>" not in page and ">Food pantry</a>" not in page
    assert "25 services" in page
    assert "Age 30" in page and "remove" in page


def test_results_are_paged_with_links_that_keep_the_filters(client, directory):
    page = client.get("/search?q=coffee&postcode=HX1&order=name").get_data(as_text=True)
    assert "Page 1 of 2" in page
    next_link = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "q=coffee" in next_link and "page=2" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert "Coffee morning 24" in second and "Page 2 of 2" in second


def test_no_results_suggests_widening_or_dropping_filters(client, directory):
    page = client.get("/search?q=walking&postcode=HX1&radius=1&age=20").get_data(as_text=True)
    assert "Nothing matched" in page
    assert "Drop the filter “Age 20”" in page
    assert "Search within 2 km instead" in page


def test_a_typo_offers_did_you_mean(client, directory):
    page = client.get("/search?q=walkign").get_data(as_text=True)
    assert "Did you mean" in page and "walking" in page


@pytest.mark.parametrize(
    "query, message",
    [
        ("age=abc", "Not a valid integer"),
        ("age=150", "Age must be between 0 and 120"),
        ("radius=500&postcode=HX1", "Choose a distance from 0.1 to 100 km"),
        ("page=0&q=food", "Pages run from 1 to 500"),
        ("postcode=NOWHERE", "not a UK postcode"),
        ("postcode=ZZ99+9ZZ", "ZZ99"),
        ("when=day", "Choose the day"),
        ("day=31-02-2026&when=day", "Not a valid date"),
        ("group=aliens", "is not one of"),
        ("order=random", "is not one of"),
        ("language=English", "Choose a language"),
    ],
)
def test_bad_search_input_is_a_400_naming_the_problem(client, query, message):
    response = client.get(f"/search?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem with the search" in page and message in page
    assert "{0:" not in page  # list-field errors are plain words, not marshmallow's nesting


def test_hostile_keywords_are_shown_escaped(client, directory):
    page = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_closed_services_appear_only_when_asked_with_their_label(client, session, directory):
    org = factories.organisation(session, name="Other")
    venue = factories.location(session, org, postcode="HX1 1QE")
    factories.service(session, org, locations=[venue], name="Boxing club", status="temporarily_closed",
                      expected_reopening="2027-02-01", status_reason="Roof repairs")
    session.commit()
    assert "Boxing club" not in client.get("/search?q=boxing").get_data(as_text=True)
    page = client.get("/search?q=boxing&include_closed=1").get_data(as_text=True)
    assert "Boxing club" in page and "Temporarily closed, expected to reopen on 1 February 2027" in page



def test_a_full_page_of_results_takes_no_more_database_statements_than_a_short_one(app, client, directory):
    from sqlalchemy import event

    from directory.db import get_db

    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(get_db(app).engine, "before_cursor_execute", listener)
    try:
        counts = []
        for page, shown in ((1, 20), (2, 5)):  # 25 coffee mornings, each with its venue on the map
            statements.clear()
            html = client.get(f"/search?q=coffee&postcode=hx1+1qe&page={page}").get_data(as_text=True)
            assert html.count('<li class="result">') == shown and "results-map-data" in html
            counts.append(len(statements))
    finally:
        event.remove(get_db(app).engine, "before_cursor_execute", listener)
    assert counts[0] == counts[1]
