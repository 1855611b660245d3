"""Search behaviour every backend must show: keywords, places, filters, orders, facets, safety."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from directory.geography import area_codes, distance_km, resolve_postcode
from directory.operations import validate
from directory.operations.listings import update_service
from directory.permissions import SYSTEM
from directory.schemas.listing import ServiceInput
from search import Near, SearchQuery

from .. import factories
from ..conftest import stop_clock
from .helpers import (
    CALDERDALE,
    ENGLAND,
    HALIFAX,
    TODAY,
    ask,
    names,
    near,
    place_service,
    recently,
)

# -- keywords ---------------------------------------------------------------------------------


def test_keywords_match_with_english_stemming(db, org):
    place_service(db, org, "Health walks", description="Gentle walking around the park.")
    place_service(db, org, "Knit and natter", description="Knitting circle.")
    db.commit()
    assert names(ask(db, keywords="walk")) == ["Health walks"]
    both = ask(db, keywords="walking boots")  # no listing has both: the most words that find something
    assert names(both) == ["Health walks"] and both.not_found == ["boots"]
    assert names(ask(db, keywords="knitted")) == ["Knit and natter"]


def test_keywords_search_organisation_categories_and_eligibility(db, org):
    place_service(
        db, org, "Tuesday club", categories=["carers"], eligibility_criteria="For people caring for a relative."
    )
    db.commit()
    assert names(ask(db, keywords="calder valley")) == ["Tuesday club"]
    assert names(ask(db, keywords="relative")) == ["Tuesday club"]
    assert names(ask(db, keywords="carers", plain_words=("carers",))) == [
        "Tuesday club"
    ]  # "carers" alone names a group


def test_phrases_in_quotes_match_words_in_order(db, org):
    place_service(db, org, "Food and art", description="Art classes with food afterwards.")
    place_service(db, org, "Community pantry", description="A community food bank for the area.")
    place_service(db, org, "Money matters", description="Food vouchers, and a trip to the bank with you.")
    place_service(db, org, "Bank holiday lunch", description="Hot food on every bank holiday.")
    db.commit()
    assert names(ask(db, keywords='"food bank"')) == ["Community pantry"]  # both words, but apart or reversed
    assert names(ask(db, keywords='"bank holiday"')) == ["Bank holiday lunch"]  # the name's words
    assert names(ask(db, keywords='"a trip to the bank"')) == ["Money matters"]  # stop words between


def test_synonyms_find_services_described_in_other_words(db, org):
    place_service(db, org, "Pantry", description="Low-cost groceries from our food pantry.")
    place_service(db, org, "English for beginners", description="ESOL classes for adults.")
    place_service(db, org, "Grief cafe", description="Support after bereavement.")
    db.commit()
    assert names(ask(db, keywords="food bank")) == ["Pantry"]
    assert names(ask(db, keywords="english classes")) == ["English for beginners"]
    assert names(ask(db, keywords="grief")) == ["Grief cafe"]


def test_a_typo_is_corrected_and_searched_for(db, org):
    place_service(db, org, "Allotment group", description="Gardening together on the allotment.")
    db.commit()
    page = ask(db, keywords="gardneing")
    assert names(page) == ["Allotment group"] and page.corrected == {"gardneing": "gardening"}
    assert page.searched_for == "gardening"
    assert ask(db, keywords="gardneing", literal=True).total == 0  # "search instead for" the word typed


HOSTILE = [
    # (typed, whether "Food pantry" is found): syntax is never interpreted; words are just words,
    # and text with no searchable word at all (only punctuation or stop words) lists everything.
    # When all the words together find nothing, the most of them that find something are searched
    # for, so "name:food" finds the pantry by "food" alone.
    ('"unbalanced food', True),
    ('"food', True),
    ("food AND OR NOT", True),
    ("NOT food", True),
    ("*", True),
    ("food*", True),
    ("?", True),
    ("name:food", True),
    ("text:(food OR y)", True),
    ("x" * 10_000, False),
    ("food " * 3000, True),
    ("🍞 food 🙂", True),
    ("\x00food\x1f", True),
    ("'; DROP TABLE service; --", False),
    ("<script>alert(1)</script>", False),
    ("((((", True),
    ("food~2", True),
    ("^boost", False),
    ("[a TO z]", True),
    ("\u202efood", True),
    ("", True),
]


@pytest.mark.parametrize("text, finds_it", HOSTILE)
def test_any_string_a_person_types_is_safe(db, org, text, finds_it):
    place_service(db, org, "Food pantry", description="Food for everyone.")
    db.commit()
    page = ask(db, keywords=text)
    assert ("Food pantry" in names(page)) is finds_it


# -- places ---------------------------------------------------------------------------------


def test_results_are_exactly_those_within_the_radius(db, org):
    rng = random.Random(7)
    for i in range(150):
        place_service(db, org, f"S{i:03d}", km_north=rng.uniform(-9, 9), km_east=rng.uniform(-9, 9))
    db.commit()
    for radius in (0.5, 2.0, 5.0, 8.0):
        page = ask(db, near=near(radius=radius), limit=200, order="nearest")
        expected = set()
        for result in ask(db, limit=200, order="name").results:
            service, location = result.service, result.service.location_links[0].location
            if distance_km(*HALIFAX, location.latitude, location.longitude) <= radius:
                expected.add(service.name)
        assert set(names(page)) == expected
        assert page.total == len(expected)
        distances = [r.distance_km for r in page.results]
        assert distances == sorted(distances) and all(d <= radius for d in distances)


def test_services_covering_the_area_are_included_and_marked(db, org):
    place_service(db, org, "Nearby group", km_north=1)
    factories.service(
        db,
        org,
        name="Calderdale welfare line",
        areas=[{"area_type": "local_authority", "code": CALDERDALE, "name": "Calderdale"}],
    )
    factories.service(
        db, org, name="National helpline", areas=[{"area_type": "national", "code": "GB", "name": "Great Britain"}]
    )
    factories.service(
        db, org, name="Leeds line", areas=[{"area_type": "local_authority", "code": "E08000035", "name": "Leeds"}]
    )
    db.commit()
    page = ask(db, near=near(areas={CALDERDALE, ENGLAND, "GB"}), order="nearest")
    assert names(page)[0] == "Nearby group"
    assert set(names(page)) == {"Nearby group", "Calderdale welfare line", "National helpline"}
    covered = {r.service.name for r in page.results if r.covers_area}
    assert covered == {"Calderdale welfare line", "National helpline"}
    assert "Covers your area (Calderdale)" in [r.explanation.where for r in page.results]


def test_keywords_over_a_wide_area_keep_exactly_the_radius_and_the_covered_areas(db, org):
    for km in (5, 15, 29, 31, 60):
        place_service(db, org, f"Walk {km} km", km_north=km, description="Walking.")
    place_service(
        db,
        org,
        "Walk far, covering Calderdale",
        km_north=80,
        description="Walking.",
        areas=[{"area_type": "local_authority", "code": CALDERDALE, "name": "Calderdale"}],
    )
    place_service(db, org, "Choir 1 km", km_north=1, description="Singing.")
    db.commit()
    page = ask(db, keywords="walking", near=near(radius=30, areas={CALDERDALE}), order="nearest")
    assert names(page) == ["Walk 5 km", "Walk 15 km", "Walk 29 km", "Walk far, covering Calderdale"]
    assert [round(r.distance_km or -1) for r in page.results] == [5, 15, 29, -1]
    assert [r.covers_area for r in page.results] == [False, False, False, True]


def test_a_point_service_also_covering_the_area_shows_its_distance(db, org):
    place_service(
        db, org, "Both", km_north=30, areas=[{"area_type": "local_authority", "code": CALDERDALE, "name": "Calderdale"}]
    )
    db.commit()
    far = ask(db, near=near(areas={CALDERDALE}))
    assert far.results[0].covers_area and far.results[0].distance_km is None
    close = ask(db, near=near(radius=50, areas={CALDERDALE}))
    assert close.results[0].distance_km == pytest.approx(30, abs=0.2)


# -- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"categories": ("food",)}, {"Food pantry"}),  # a parent finds its sub-categories
        ({"categories": ("food/food-pantry", "carers")}, {"Food pantry", "Young carers"}),
        ({"age": 70}, {"Food pantry", "Walking group", "Garden club", "Monthly cafe"}),
        ({"age": 12}, {"Food pantry", "Young carers", "Garden club", "Monthly cafe"}),
        ({"groups": ("carers",)}, {"Young carers"}),
        ({"self_referral": True}, {"Walking group", "Garden club"}),
        ({"free": True}, {"Walking group", "Young carers", "Garden club", "Monthly cafe"}),
        ({"language": "ur"}, {"Food pantry"}),
        ({"accepting": True}, {"Walking group", "Garden club", "Monthly cafe"}),
        ({"runs_on": date(2026, 11, 26)}, {"Walking group"}),  # a Thursday
        ({"runs_on": date(2026, 12, 1)}, {"Monthly cafe"}),  # first Tuesday of December
        ({"runs_on": date(2026, 11, 28)}, set()),  # a Saturday, but the garden club is out of season
        ({"this_week": True}, {"Walking group"}),
        ({"weekdays": ("TH",)}, {"Walking group"}),
        ({"weekdays": ("TU", "TH")}, {"Walking group", "Monthly cafe"}),  # a monthly session counts for its weekday
        ({"weekdays": ("MO",)}, set()),
        ({"parts_of_day": ("morning",)}, {"Walking group"}),  # sessions with no times fit no part of the day
        ({"parts_of_day": ("afternoon", "evening")}, set()),
        ({"weekdays": ("TH",), "parts_of_day": ("afternoon",)}, set()),
        ({"in_season_on": TODAY}, {"Food pantry", "Walking group", "Young carers", "Monthly cafe"}),
        (
            {"in_season_on": date(2027, 5, 1)},
            {"Food pantry", "Walking group", "Young carers", "Garden club", "Monthly cafe"},
        ),
        ({"age": 70, "self_referral": True, "free": True}, {"Walking group", "Garden club"}),
        (
            {"include_closed": True, "categories": ()},
            {"Food pantry", "Walking group", "Young carers", "Garden club", "Monthly cafe", "Closed for repairs"},
        ),
    ],
)
def test_filters_combine_with_and(db, varied, filters, expected):
    assert set(names(ask(db, near=near(), limit=50, **filters))) == expected


def test_for_this_person_leaves_out_services_only_for_other_groups(db, org):
    place_service(db, org, "Women's group", groups_served=["women"], open_to_all=False, description="Chat.")
    place_service(db, org, "Carers' cafe", groups_served=["carers", "women"], open_to_all=False, description="Chat.")
    place_service(db, org, "Welcome cafe for women", groups_served=["women"], open_to_all=True, description="Chat.")
    place_service(db, org, "Drop-in", description="Chat.")
    db.commit()
    every = {"Women's group", "Carers' cafe", "Welcome cafe for women", "Drop-in"}
    assert set(names(ask(db, keywords="chat"))) == every
    assert set(names(ask(db, keywords="chat", for_person=("men",)))) == {"Welcome cafe for women", "Drop-in"}
    assert set(names(ask(db, keywords="chat", for_person=("men", "carers")))) == {
        "Carers' cafe",
        "Welcome cafe for women",
        "Drop-in",
    }
    assert set(names(ask(db, keywords="chat", for_person=("women",)))) == every
    assert set(names(ask(db, keywords="chat", groups=("women",)))) == {
        "Women's group",
        "Carers' cafe",
        "Welcome cafe for women",
    }


def test_phone_and_online_services_are_offered_near_any_postcode_and_filtered_by_how(db, org):
    place_service(db, org, "Pantry", description="Help.")
    factories.service(db, org, name="Helpline", description="Help.", attendance=["phone"], last_verified_at=recently())
    factories.service(
        db,
        org,
        name="Glasgow advice line",
        description="Help.",
        attendance=["phone", "online"],
        areas=[{"area_type": "local_authority", "code": "S12000049", "name": "Glasgow City"}],
    )
    factories.service(db, org, name="Home library", description="Help.", attendance=["home_visit"])
    db.commit()
    page = ask(db, keywords="help", near=near(areas={CALDERDALE, "GB"}))  # a place lies in its council and in GB
    assert set(names(page)) == {"Pantry", "Helpline"}  # not Glasgow's line near Halifax; home visits need an area
    helpline = next(r for r in page.results if r.service.name == "Helpline")
    assert helpline.covers_area and helpline.explanation.where == "By phone · anywhere in the UK"
    assert set(names(ask(db, keywords="help", modes=("phone",)))) == {"Helpline", "Glasgow advice line"}
    assert set(names(ask(db, keywords="help", modes=("in_person",)))) == {"Pantry"}  # as its venue says
    assert set(names(ask(db, keywords="help", modes=("home_visit", "online")))) == {
        "Home library",
        "Glasgow advice line",
    }


def test_how_finds_a_service_whose_session_is_held_that_way_and_the_card_shows_that_session(db, org):
    place_service(
        db,
        org,
        "Knit and natter",
        description="Chat.",
        schedules=[{"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00"}],
    )
    place_service(
        db,
        org,
        "Chat club",
        description="Chat.",
        schedules=[
            {"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00"},
            {"weekday": "TH", "opens_at": "19:00", "closes_at": "20:00", "attendance": "online"},
        ],
    )
    db.commit()
    online = ask(db, keywords="chat", modes=("online",), near=near())
    assert names(online) == ["Chat club"]
    assert online.results[0].explanation.pattern == "Every Thursday, 7pm to 8pm, online"
    assert set(names(ask(db, keywords="chat", modes=("in_person",), near=near()))) == {"Knit and natter", "Chat club"}
    in_person = ask(db, keywords="chat", near=near()).results
    assert {r.explanation.pattern for r in in_person} == {"Every Tuesday, 10am to 12pm"}


def test_defunct_and_inactive_are_never_shown(db, varied):
    shown = set(names(ask(db, limit=50, include_closed=True)))
    assert "Gone for good" not in shown and "Paused" not in shown


def test_wheelchair_filter_uses_the_venues(db, org):
    step_free = factories.venue_at(db, org, *HALIFAX, wheelchair_accessible=True)
    stairs = factories.venue_at(db, org, *HALIFAX, wheelchair_accessible=False)
    factories.service(db, org, name="Ground floor", locations=[step_free])
    factories.service(db, org, name="Upstairs", locations=[stairs])
    db.commit()
    assert names(ask(db, near=near(), wheelchair=True)) == ["Ground floor"]


def test_organisation_filter(db, org):
    other = factories.organisation(db, name="Other group")
    place_service(db, org, "Ours")
    place_service(db, other, "Theirs")
    db.commit()
    assert names(ask(db, organisation_id=str(other.id))) == ["Theirs"]


def test_facets_count_the_whole_result_set(db, varied):
    page = ask(db, near=near(), limit=1)
    assert page.total == 5 and len(page.results) == 1
    assert page.facets["cat:food"] == 1 and page.facets["cat:carers"] == 1
    assert page.facets["free"] == 4
    assert page.facets["self_referral"] == 2


def test_facets_count_many_distinct_values(db, org):
    # More distinct facet values than a backend might plan for: each language is counted apart.
    codes = [a + b for a in "abcdef" for b in "uvwxyz"]  # 36 languages, with the categories and flags
    for number, code in enumerate(codes):
        place_service(db, org, f"Conversation club {number}", languages=[code, "en"])
    db.commit()
    page = ask(db, keywords="conversation club", limit=1)
    assert page.total == len(codes)
    assert {k: v for k, v in page.facets.items() if k.startswith("lang:")} == {f"lang:{c}": 1 for c in codes} | {
        "lang:en": len(codes)
    }


# -- order ----------------------------------------------------------------------------------


def test_orders(db, org):
    place_service(db, org, "Bravo", km_north=3, last_verified_at=recently(100))
    place_service(db, org, "Alpha", km_north=4, last_verified_at=recently(5))
    place_service(db, org, "Charlie", km_north=1, last_verified_at=recently(50))
    db.commit()
    assert names(ask(db, near=near(), order="nearest")) == ["Charlie", "Bravo", "Alpha"]
    assert names(ask(db, near=near(), order="name")) == ["Alpha", "Bravo", "Charlie"]
    assert names(ask(db, near=near(), order="verified")) == ["Alpha", "Charlie", "Bravo"]
    assert names(ask(db, near=near(), order="best")) == ["Charlie", "Bravo", "Alpha"]


def test_best_match_blends_relevance_and_distance(db, org):
    place_service(db, org, "Walking group far", km_north=4.5, description="Walking.")
    place_service(db, org, "Walking group near", km_north=0.2, description="Walking.")
    db.commit()
    assert names(ask(db, keywords="walking", near=near())) == ["Walking group near", "Walking group far"]


def test_stale_listings_rank_lower_but_are_labelled_not_hidden(db, org):
    place_service(db, org, "Old walking group", km_north=0.5, description="Walking.", last_verified_at=recently(500))
    place_service(db, org, "New walking group", km_north=0.6, description="Walking.")
    db.commit()
    page = ask(db, keywords="walking", near=near())
    assert names(page) == ["New walking group", "Old walking group"]
    assert any("Not confirmed for 16 months" in w for w in page.results[1].explanation.warnings)


def test_a_stored_flag_such_as_a_dead_link_ranks_lower_but_is_not_hidden(db, org):
    from directory.models.freshness import ServiceFlag

    broken = place_service(db, org, "Riverside walking group", km_north=0.5, description="Walking.")
    place_service(db, org, "Parkside walking group", km_north=0.6, description="Walking.")
    db.commit()
    assert names(ask(db, keywords="walking", near=near())) == ["Riverside walking group", "Parkside walking group"]
    db.add(ServiceFlag(service_id=broken.id, code="dead_link", reason="The website has not answered since 1 May."))
    db.commit()
    assert names(ask(db, keywords="walking", near=near())) == ["Parkside walking group", "Riverside walking group"]


def test_paging(db, org):
    for i in range(25):
        place_service(db, org, f"Group {i:02d}")
    db.commit()
    first = ask(db, order="name", limit=10)
    third = ask(db, order="name", limit=10, offset=20)
    assert first.total == third.total == 25
    assert names(first)[0] == "Group 00" and names(third) == [f"Group {i}" for i in range(20, 25)]
    assert third.page_number == 3 and third.page_count == 3


# -- explanations ---------------------------------------------------------------------------


def test_each_result_explains_itself(db, org):
    place_service(
        db,
        org,
        "Garden club",
        km_north=1.2,
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        referral_routes=[{"route_type": "self_referral", "method": "phone"}],
        funding=[{"source": "Lottery", "status": "ended", "funded_until": "2026-03-31"}],
    )
    place_service(
        db, org, "Lunch club", schedules=[{"weekday": "TH", "opens_at": "12:00"}], verification_method="owner"
    )
    db.commit()
    garden, lunch = sorted(ask(db, near=near()).results, key=lambda r: r.service.name)
    assert garden.explanation.where == "Garden club venue · 1.2 km away"
    assert garden.explanation.when == "Out of season, back on 1 April"
    assert garden.explanation.referral == "Self-referral by phone"
    assert "Funding ended on 31 March 2026; check it is still running" in garden.explanation.warnings
    assert lunch.explanation.when == "Next session Thursday 26 November, 12pm"
    assert lunch.explanation.verified == "Checked 10 days ago by the organisation"


def test_the_cells_around_a_place_cover_a_venue_just_inside_the_circle_where_cells_meet():
    """The cells are chosen on a box of KM_PER_DEGREE_LAT (111.32 km a degree), but distances are on a
    sphere of 111.19 km a degree: a venue 4.999 km due north must not fall in the row of cells above."""
    from directory.geography import distance_km
    from search import geo

    radius = 5.0
    cells = geo.covering_cells(53.7, -1.86, radius)
    precision = len(cells[0])
    height, _ = geo.cell_size(precision)
    # Put the top of the old box just below a boundary between two rows of cells.
    boundary = (int((53.7 + radius / geo.KM_PER_DEGREE_LAT) / height) + 1) * height
    latitude = boundary - radius / geo.KM_PER_DEGREE_LAT - 1e-7
    venue = (latitude + 4.999 / 111.195, -1.86)
    assert distance_km(latitude, -1.86, *venue) < radius and venue[0] > boundary
    assert geo.encode(*venue, precision) in geo.covering_cells(latitude, -1.86, radius)


# -- modified since -------------------------------------------------------------------------

MOMENT = datetime(2026, 11, 10, 12, tzinfo=UTC)


def changed_at(search_app, db, moment: datetime, change):
    """Make a change with the app's clock stopped at `moment`, and commit it (so it is indexed)."""
    stop_clock(search_app, moment.isoformat())
    found = change()
    db.commit()
    return found


def test_modified_since_keeps_exactly_the_services_changed_at_or_after_the_moment(search_app, db, org):
    early, late = MOMENT - timedelta(days=9), MOMENT + timedelta(days=10)
    changed_at(search_app, db, early, lambda: place_service(db, org, "Walking group"))
    venue = factories.venue_at(db, org, *HALIFAX, name="Hall")
    edited = changed_at(search_app, db, early, lambda: factories.service(db, org, locations=[venue], name="Choir"))
    changed_at(search_app, db, MOMENT - timedelta(microseconds=1), lambda: place_service(db, org, "Lunch club"))
    changed_at(search_app, db, MOMENT, lambda: place_service(db, org, "Art group"))
    changed_at(search_app, db, late, lambda: place_service(db, org, "Food bank"))
    changed_at(
        search_app,
        db,
        late,
        lambda: update_service(
            db,
            SYSTEM,
            edited,
            validate(
                ServiceInput(),
                {
                    "name": "Community choir",
                    "summary": "Singing for all",
                    "description": "A choir.",
                    "location_ids": [str(venue.id)],
                },
            ),
        ),
    )
    assert len(ask(db, limit=50).results) == 5
    assert sorted(names(ask(db, modified_since=MOMENT))) == ["Art group", "Community choir", "Food bank"]
    assert names(ask(db, modified_since=late + timedelta(microseconds=1))) == []


def test_modified_since_compares_moments_whatever_the_time_zone(search_app, db, org):
    changed_at(search_app, db, MOMENT, lambda: place_service(db, org, "Art group"))
    an_hour_ahead = timezone(timedelta(hours=1))
    assert names(ask(db, modified_since=MOMENT.astimezone(an_hour_ahead))) == ["Art group"]
    assert names(ask(db, modified_since=(MOMENT + timedelta(seconds=1)).astimezone(an_hour_ahead))) == []


def test_modified_since_combines_with_keywords_and_a_postcode(search_app, db, org):
    early, late = MOMENT - timedelta(days=30), MOMENT + timedelta(days=1)
    changed_at(
        search_app, db, early, lambda: place_service(db, org, "Old food bank", description="Emergency food parcels.")
    )
    changed_at(
        search_app,
        db,
        early,
        lambda: place_service(db, org, "Old choir", summary="Singing for all", description="Singing."),
    )
    changed_at(
        search_app, db, late, lambda: place_service(db, org, "New food bank", description="Emergency food parcels.")
    )
    changed_at(
        search_app,
        db,
        late,
        lambda: place_service(db, org, "New choir", summary="Singing for all", description="Singing."),
    )
    changed_at(
        search_app,
        db,
        late,
        lambda: place_service(db, org, "Far food bank", km_north=40, description="Emergency food parcels."),
    )
    place = resolve_postcode("HX1 1AA")
    near_postcode = Near(place.latitude, place.longitude, 5.0, frozenset(area_codes(place)))
    assert sorted(names(ask(db, keywords="food", near=near_postcode))) == ["New food bank", "Old food bank"]
    found = ask(db, keywords="food", near=near_postcode, modified_since=MOMENT)
    assert names(found) == ["New food bank"] and found.total == 1
    assert sorted(names(ask(db, keywords="food", modified_since=MOMENT))) == ["Far food bank", "New food bank"]


def test_modified_since_must_say_its_time_zone():
    with pytest.raises(ValueError, match="timezone-aware"):
        SearchQuery(today=TODAY, modified_since=datetime(2026, 11, 10, 12))
