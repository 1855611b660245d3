"""The search page: a plain GET form with every filter; bad input is a 400 naming the field."""

from __future__ import annotations

import re

import pytest

from . import factories
from .conftest import stop_clock


@pytest.fixture
def directory(app, session):
    org = factories.organisation(session, name="Halifax Community Trust")
    venue = factories.location(session, org, name="Square Chapel", postcode="HX1 1QE")
    factories.service(
        session,
        org,
        locations=[venue],
        name="Walking group",
        description="Gentle walks.",
        categories=["physical-activity"],
        min_age=50,
        referral_routes=[{"route_type": "self_referral", "method": "phone", "contact": "01632 960001"}],
    )
    factories.service(
        session,
        org,
        locations=[venue],
        name="Food pantry",
        description="Low-cost food.",
        categories=["food/food-pantry"],
        is_free=False,
        cost_description="£3 a visit",
        cost_min=3,
    )
    for i in range(25):
        factories.service(
            session, org, locations=[venue], name=f"Coffee morning {i:02d}", description="Coffee and chat."
        )
    session.commit()


def test_the_empty_search_page_shows_the_form(client):
    page = client.get("/search").get_data(as_text=True)
    for field in (
        'name="q"',
        'name="postcode"',
        'name="radius"',
        'name="category"',
        'name="age"',
        'name="group"',
        'name="self_referral"',
        'name="free"',
        'name="language"',
        'name="when"',
        'name="day"',
        'name="in_season"',
        'name="accepting"',
        'name="wheelchair"',
        'name="order"',
    ):
        assert field in page, field
    assert "<script" not in page


def test_searching_shows_count_explanations_and_facets(client, directory):
    page = client.get("/search?q=walking&postcode=hx1+1qe").get_data(as_text=True)
    assert "1 service for “walking” within 5 km of HX1 1QE" in page
    assert "Self-referral by phone" in page and "km away" in page
    assert "measured from the centre" not in page  # every GB unit postcode ships with Signpost


def test_venues_in_one_sector_are_at_their_own_distances(client, session, directory):
    org = factories.organisation(session, name="Calderdale Libraries")
    library = factories.location(session, org, name="Central Library", postcode="HX1 1AA")
    factories.service(session, org, locations=[library], name="Walking book club", description="Gentle walks.")
    session.commit()
    page = client.get("/search?q=walking&postcode=HX1+1QE&order=nearest").get_data(as_text=True)
    assert "2 services" in page
    assert page.index("Square Chapel") < page.index("Central Library")
    assert "under 0.1 km" in page and "0.4 km" in page  # the same sector, 350 m apart


def test_a_unit_without_a_position_is_searched_from_its_sector_and_the_page_says_so(client, directory):
    page = client.get("/search?q=walking&postcode=SK2+9DA").get_data(as_text=True)
    assert (
        "Code-Point Open gives no exact position for SK2 9DA, so distances are measured from the centre of SK2 9."
        in page
    )


def test_a_northern_ireland_postcode_is_said_not_to_be_covered(client, directory):
    page = client.get("/search?q=walking&postcode=BT1+1AA").get_data(as_text=True)
    assert "BT1 1AA is in Northern Ireland, which our postcode data (OS Code-Point Open) does not cover" in page


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
    assert "Search within" not in page  # no wider radius would find a walking group for a 20-year-old


def test_a_typo_is_corrected_with_a_link_to_the_words_typed(client, directory):
    page = client.get("/search?q=walkign").get_data(as_text=True)
    assert "Showing results for <strong>walking</strong>" in page and "Search instead for" in page
    assert "literal=1" in page


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
        ("days=Tuesday", "is not one of"),
        ("part=night", "is not one of"),
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


def test_closed_services_appear_only_when_asked_with_their_label(app, client, session, directory):
    stop_clock(app, "2026-12-04T12:00")  # a Friday
    org = factories.organisation(session, name="Other")
    venue = factories.location(session, org, postcode="HX1 1QE")
    factories.service(
        session,
        org,
        locations=[venue],
        name="Boxing club",
        status="temporarily_closed",
        expected_reopening="2027-02-01",
        status_reason="Roof repairs",
    )
    session.commit()
    assert "Boxing club" not in client.get("/search?q=boxing").get_data(as_text=True)
    page = client.get("/search?q=boxing&include_closed=1").get_data(as_text=True)
    assert "Boxing club" in page and "Closed until 1 February 2027" in page


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


def test_a_past_day_is_refused_with_today_named(app, client):
    stop_clock(app, "2026-12-04T12:00")
    page = client.get("/search?q=food&day=2026-12-03")
    assert page.status_code == 400
    assert "That day has passed: choose today (4 December 2026) or a later day." in page.get_data(as_text=True)
    assert client.get("/search?q=food&day=2026-12-04").status_code == 200


@pytest.fixture
def tuesdays_and_thursdays(session):
    org = factories.organisation(session, name="Two-day trust")
    venue = factories.location(session, org, name="Square Chapel", postcode="HX1 1QE")
    factories.service(
        session,
        org,
        locations=[venue],
        name="Knit and natter",
        description="Knitting.",
        schedules=[
            {"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00"},
            {"weekday": "TH", "opens_at": "18:00", "closes_at": "20:00"},
        ],
    )
    factories.service(
        session,
        org,
        locations=[venue],
        name="Monday knitting",
        description="Knitting.",
        schedules=[{"weekday": "MO", "opens_at": "10:00", "closes_at": "12:00"}],
    )
    session.commit()


def test_days_and_times_of_day_filter_and_the_card_shows_the_session_that_fits(app, client, tuesdays_and_thursdays):
    stop_clock(app, "2026-12-04T12:00")  # a Friday
    page = client.get("/search?q=knitting&days=TH&days=SA&part=evening").get_data(as_text=True)
    assert "Knit and natter" in page and "Monday knitting" not in page
    assert "Next session Thursday 10 December, 6pm" in page
    assert "Days: Thursday, Saturday" in page and "Time: Evening" in page
    assert "Next session Tuesday 8 December, 10am" in client.get("/search?q=natter").get_data(as_text=True)


def test_a_date_works_without_choosing_the_radio_button(app, client, tuesdays_and_thursdays):
    stop_clock(app, "2026-12-04T12:00")
    page = client.get("/search?q=knitting&day=2026-12-07").get_data(as_text=True)  # a Monday
    assert "Monday knitting" in page and "Knit and natter" not in page
    assert "On Monday 7 December" in page and "Next session Monday 7 December, 10am" in page


def test_nothing_nearby_says_how_far_the_nearest_listing_is_and_offers_a_radius_that_reaches_it(client, session):
    org = factories.organisation(session, name="Calderdale trust")
    venue = factories.location(session, org, name="Square Chapel", town="Halifax", postcode="HX1 1QE")
    factories.service(session, org, locations=[venue], name="Pantry", description="Food pantry.")
    session.commit()
    page = client.get("/search?q=pantry&postcode=BD1&radius=5").get_data(as_text=True)  # Bradford, about 12 km away
    assert "Nothing matched." in page
    assert re.search(r"The nearest listing for this search is 1\d(\.\d)? km away, in Halifax", page)
    assert "Search within 25 km instead" in page and "Search within 10 km" not in page


def test_nothing_within_the_largest_radius_names_where_the_directory_has_listings(client, session):
    org = factories.organisation(session, name="Calderdale trust")
    venue = factories.location(session, org, name="Square Chapel", town="Halifax", postcode="HX1 1QE")
    factories.service(session, org, locations=[venue], name="Pantry", description="Food pantry.")
    session.commit()
    page = client.get("/search?q=pantry&postcode=TR1").get_data(as_text=True)  # Truro
    assert "Nothing matches this search within 100 km of TR1: Signpost lists services in Halifax." in page
    assert "Search within" not in page
    home = client.get("/").get_data(as_text=True)
    assert "Where Signpost has listings" in home and "Halifax (1 listing)" in home


def test_the_person_filter_hides_groups_only_for_others_and_shows_a_chip(client, session):
    org = factories.organisation(session, name="Halifax trust")
    venue = factories.location(session, org, name="Square Chapel", postcode="HX1 1QE")
    factories.service(
        session,
        org,
        locations=[venue],
        name="Women's circle",
        description="Friendship.",
        groups_served=["women"],
        open_to_all=False,
    )
    factories.service(
        session,
        org,
        locations=[venue],
        name="Men's shed",
        description="Friendship.",
        groups_served=["men"],
        open_to_all=False,
    )
    session.commit()
    page = client.get("/search?q=friendship&person=men").get_data(as_text=True)
    assert "Men&#39;s shed" in page and "Women&#39;s circle" not in page and "Suits: Men" in page
    everyone = client.get("/search?q=friendship").get_data(as_text=True)
    assert "Women only" in everyone and "Men only" in everyone  # the cards say who each is for


def test_words_read_as_filters_show_as_chips_each_a_link_that_keeps_the_word(client, directory):
    page = client.get("/search?q=free+food&postcode=HX1").get_data(as_text=True)
    assert "Showing: Free" in page and "(read from your words)" in page
    assert ">Food pantry</a>" not in page  # £3 a visit
    remove = re.search(r'<a href="([^"]+)">Remove: free</a>', page).group(1).replace("&amp;", "&")
    assert "plain=free" in remove and "q=free+food" in remove
    again = client.get(remove).get_data(as_text=True)
    assert "Showing:" not in again and "Remove: free" not in again
    assert "<script" not in page.split('class="understood"')[1].split("</div>")[0]


def test_a_filter_chosen_in_the_form_wins_over_the_words(client, directory):
    page = client.get("/search?q=walking+for+a+16+year+old&age=60&postcode=HX1").get_data(as_text=True)
    assert "was not applied as a filter: the filter chosen in the form is used" in page
    assert ">Walking group</a>" in page  # age 60, not 16
