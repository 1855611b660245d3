"""What a result says: the venue of the session shown, real time, closures, who it is for, what to check."""

from __future__ import annotations

from datetime import datetime

import pytest

from directory.clock import LONDON
from search import Near
from search.explain import explain, for_whom, referral_warnings

from .. import factories
from ..conftest import stop_clock

GLASGOW_EAST = (55.8530, -4.2050)  # the searched point
KM = 1 / 111.19  # degrees of latitude in a kilometre


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=LONDON)


def near(radius=5.0) -> Near:
    return Near(GLASGOW_EAST[0], GLASGOW_EAST[1], radius)


@pytest.fixture
def two_venues(session):
    """Tuesdays at a library 2.1 km away, Wednesdays at a community centre 0.4 km away."""
    org = factories.organisation(session, name="East End Health")
    library = factories.venue_at(
        session, org, GLASGOW_EAST[0] + 2.1 * KM, GLASGOW_EAST[1], name="Tollcross Library", town="Glasgow"
    )
    centre = factories.venue_at(
        session, org, GLASGOW_EAST[0] + 0.4 * KM, GLASGOW_EAST[1], name="Dennistoun Community Centre", town="Glasgow"
    )
    service = factories.service(
        session,
        org,
        locations=[library, centre],
        name="Walk and talk",
        schedules=[
            {"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00", "location_id": str(library.id)},
            {"weekday": "WE", "opens_at": "14:00", "closes_at": "15:30", "location_id": str(centre.id)},
        ],
    )
    session.commit()
    return service


def test_the_card_shows_the_nearest_venue_with_its_own_session(two_venues):
    e = explain(two_venues, at("2026-12-08T09:00"), near())  # a Tuesday morning
    assert e.where == "Dennistoun Community Centre, Glasgow · 0.4 km away"
    assert e.when == "Next session Wednesday 9 December, 2pm"
    assert e.pattern == "Every Wednesday, 2pm to 3:30pm"
    assert e.sessions_by_venue == "Tue at Tollcross Library, 2.1 km; Wed at Dennistoun Community Centre, 0.4 km"


def test_a_day_asked_for_shows_the_venue_of_that_days_session(two_venues):
    e = explain(two_venues, at("2026-12-07T09:00"), near(), day=at("2026-12-08T00:00").date())
    assert e.where == "Tollcross Library, Glasgow · 2.1 km away"
    assert e.when == "Next session Tuesday 8 December, 10am"


def test_a_venue_outside_the_radius_is_not_the_one_shown(two_venues):
    e = explain(two_venues, at("2026-12-08T09:00"), Near(GLASGOW_EAST[0] + 2.1 * KM, GLASGOW_EAST[1], 1.0))
    assert e.where.startswith("Tollcross Library, Glasgow · ") and e.distance_km < 0.1
    assert e.when == "Next session today, 10am"


def test_with_no_place_the_soonest_session_and_its_venue_are_shown(two_venues):
    e = explain(two_venues, at("2026-12-08T13:00"))  # Tuesday's session is over
    assert (e.where, e.when) == ("Dennistoun Community Centre, Glasgow", "Next session Wednesday 9 December, 2pm")


def test_on_now_says_until_when(two_venues):
    assert explain(two_venues, at("2026-12-09T14:30")).when == "On now, until 3:30pm"


def test_the_service_page_groups_sessions_under_their_venue(app, client, two_venues):
    stop_clock(app, "2026-12-08T09:00")
    page = client.get(f"/services/{two_venues.id}").get_data(as_text=True)
    library, centre = page.index("At Tollcross Library"), page.index("At Dennistoun Community Centre")
    assert library < page.index("Every Tuesday, 10am to 12pm") < centre < page.index("Every Wednesday, 2pm to 3:30pm")


def test_a_temporarily_closed_service_says_until_when_and_the_session_after(session):
    org = factories.organisation(session)
    venue = factories.location(session, org)
    service = factories.service(
        session,
        org,
        locations=[venue],
        status="temporarily_closed",
        expected_reopening="2027-01-02",
        schedules=[{"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00"}],
    )
    session.commit()
    e = explain(service, at("2026-12-29T09:00"))  # a Tuesday with a session, were it open
    assert e.when == "Closed until 2 January 2027; next session after that: Tuesday 5 January, 10am"


def test_a_closed_service_past_its_reopening_date_offers_no_session(session):
    org = factories.organisation(session)
    service = factories.service(
        session,
        org,
        status="temporarily_closed",
        expected_reopening="2027-01-02",
        schedules=[{"weekday": "TU", "opens_at": "10:00"}],
    )
    session.commit()
    assert explain(service, at("2027-01-20T09:00")).when == "Temporarily closed: ask when it reopens"


@pytest.mark.parametrize(
    "routes, expected",
    [
        (
            [
                {"route_type": "self_referral", "status": "closed", "status_confirmed_on": "2026-11-02"},
                {"route_type": "gp", "status": "closed", "status_confirmed_on": "2026-10-01"},
            ],
            ["Not accepting referrals (confirmed 2 November 2026)"],
        ),
        (
            [{"route_type": "self_referral", "status": "waiting_list", "typical_wait": "6 weeks"}],
            ["Waiting list: typical wait 6 weeks"],
        ),
        (
            [{"route_type": "gp", "status": "accepting"}, {"route_type": "professional", "status": "accepting"}],
            ["No self-referral: only by gp referral or referral by a professional"],
        ),
        ([{"route_type": "drop_in", "status": "accepting"}, {"route_type": "gp", "status": "closed"}], []),
        ([], []),
    ],
)
def test_referral_warnings(session, routes, expected):
    service = factories.service(session, referral_routes=routes)
    assert referral_warnings(service) == expected


def test_a_closed_service_is_a_warning_on_the_card(session):
    service = factories.service(session, referral_routes=[{"route_type": "self_referral", "status": "closed"}])
    assert "Not accepting referrals" in explain(service, at("2026-12-08T09:00")).warnings


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"groups_served": ["women"], "open_to_all": False}, ["Women only"]),
        ({"groups_served": ["carers", "lgbtq"], "open_to_all": False}, ["For carers", "For LGBTQ+ people"]),
        ({"groups_served": ["women"], "open_to_all": True}, []),  # specifically for women, but anyone may come
        ({"min_age": 18}, ["Ages 18+"]),
        ({"min_age": 50}, ["Over 50s"]),
        ({"max_age": 24}, ["Under 25s"]),
        ({"min_age": 8, "max_age": 18}, ["Ages 8 to 18"]),
        ({}, []),
    ],
)
def test_who_it_is_for(session, fields, expected):
    assert for_whom(factories.service(session, **fields)) == expected


def test_the_shortlist_text_names_the_venue_of_the_session_it_gives(app, client, two_venues):
    import re

    stop_clock(app, "2026-12-08T09:00")
    page = client.get(f"/services/{two_venues.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/shortlist/add", data={"csrf_token": token, "service_id": str(two_venues.id)})
    shortlist = client.get("/shortlist").get_data(as_text=True)
    text = re.search(r'<textarea id="plain-text"[^>]*>(.*?)</textarea>', shortlist, re.S).group(1)
    lines = text.splitlines()
    assert "Tollcross Library" in lines[3] and lines[4:6] == ["Every Tuesday, 10am to 12pm", "Next session today, 10am"]
    assert "Tue at Tollcross Library; Wed at Dennistoun Community Centre" in text


@pytest.mark.parametrize(
    "fields, expected",
    [
        (
            {
                "attendance": ["phone"],
                "areas": [{"area_type": "local_authority", "code": "S12000049", "name": "Glasgow City"}],
            },
            "By phone · covers Glasgow City",
        ),
        ({"attendance": ["phone", "online"]}, "By phone or online · anywhere in the UK"),
        (
            {"areas": [{"area_type": "local_authority", "code": "S12000049", "name": "Glasgow City"}]},
            "Covers Glasgow City",
        ),
        ({}, ""),
    ],
)
def test_a_service_without_a_venue_says_how_and_where_it_reaches(session, fields, expected):
    assert explain(factories.service(session, **fields), at("2026-12-08T09:00")).where == expected


def test_how_people_take_part_comes_from_the_listing_or_its_venues(session):
    from directory.presenters import attendance

    org = factories.organisation(session)
    hall = factories.location(session, org)
    online = factories.location(
        session, org, name="Zoom", location_type="virtual", url="https://example.org/join", postcode=None
    )
    assert attendance(factories.service(session, org, locations=[hall, online])) == ["in_person", "online"]
    assert attendance(factories.service(session, org, locations=[hall], attendance=["home_visit", "phone"])) == [
        "phone",
        "home_visit",
    ]
