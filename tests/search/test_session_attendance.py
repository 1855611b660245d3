"""How people take part in each session: in person at a venue, by phone, online; what cards and pages say."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from directory.clock import LONDON
from directory.presenters import all_attendance, describe_session, session_attendance
from search import Near
from search.explain import explain

from .. import factories
from ..conftest import stop_clock

GLASGOW_EAST = (55.8530, -4.2050)
KM = 1 / 111.19
GLASGOW = {"area_type": "local_authority", "code": "S12000049", "name": "Glasgow City"}


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=LONDON)


@pytest.fixture
def two_ways(session):
    """In person on Tuesdays at a library 2.1 km away; online on Thursday evenings."""
    org = factories.organisation(session, name="East End Health")
    library = factories.venue_at(
        session, org, GLASGOW_EAST[0] + 2.1 * KM, GLASGOW_EAST[1], name="Tollcross Library", town="Glasgow"
    )
    service = factories.service(
        session,
        org,
        locations=[library],
        name="Talking group",
        schedules=[
            {"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00", "location_id": str(library.id)},
            {"weekday": "TH", "opens_at": "19:00", "closes_at": "20:00", "attendance": "online"},
        ],
    )
    session.commit()
    return service


def _rule(service, weekday):
    return next(rule for rule in service.schedules if rule.weekday == weekday)


def test_a_session_at_a_venue_is_in_person_and_one_said_online_is_online(two_ways):
    assert session_attendance(_rule(two_ways, "TU"), two_ways) == "in_person"
    assert session_attendance(_rule(two_ways, "TH"), two_ways) == "online"
    assert all_attendance(two_ways) == ["in_person", "online"]


def test_a_session_with_no_venue_takes_the_services_one_remote_way(session):
    line = factories.service(
        session,
        attendance=["phone", "home_visit"],
        areas=[GLASGOW],
        schedules=[{"weekday": "MO", "opens_at": "09:00", "closes_at": "17:00"}],
    )
    assert session_attendance(line.schedules[0], line) == "phone"
    assert describe_session(line.schedules[0], line) == "Every Monday, 9am to 5pm, by phone"


def test_a_session_with_no_venue_and_two_remote_ways_says_nothing(session):
    line = factories.service(
        session,
        attendance=["phone", "online"],
        schedules=[{"weekday": "MO", "opens_at": "09:00", "closes_at": "17:00"}],
    )
    assert session_attendance(line.schedules[0], line) is None
    assert describe_session(line.schedules[0], line) == "Every Monday, 9am to 5pm"


def test_the_card_shows_the_venue_for_the_in_person_session(two_ways):
    e = explain(two_ways, at("2026-12-08T09:00"), Near(GLASGOW_EAST[0], GLASGOW_EAST[1], 5.0))  # a Tuesday morning
    assert e.where == "Tollcross Library, Glasgow · 2.1 km away"
    assert e.pattern == "Every Tuesday, 10am to 12pm"
    assert e.sessions_by_venue == "Tue at Tollcross Library, 2.1 km; Thu online"


def test_the_card_says_online_instead_of_a_venue_for_the_online_session(two_ways):
    e = explain(two_ways, at("2026-12-08T13:00"))  # Tuesday's session is over; Thursday's is next
    assert (e.where, e.when) == ("Online", "Next session Thursday 10 December, 7pm")
    assert e.pattern == "Every Thursday, 7pm to 8pm, online"
    assert e.venue is None and e.mode == "online"


def test_with_how_chosen_the_card_shows_a_session_held_that_way(two_ways):
    e = explain(two_ways, at("2026-12-08T09:00"), Near(GLASGOW_EAST[0], GLASGOW_EAST[1], 5.0), modes=("online",))
    assert e.where == "Online"
    assert e.pattern == "Every Thursday, 7pm to 8pm, online"


def test_a_phone_line_says_by_phone_and_the_area_it_covers(session):
    line = factories.service(
        session,
        attendance=["phone"],
        areas=[GLASGOW],
        schedules=[
            {"weekday": day, "opens_at": "09:00", "closes_at": "17:00", "description": "Phone line hours"}
            for day in ("MO", "TU")
        ],
    )
    e = explain(line, at("2026-12-08T08:00"))
    assert e.where == "By phone · covers Glasgow City"
    assert e.pattern == "Every Tuesday, 9am to 5pm, by phone"


def test_the_service_page_puts_online_sessions_in_their_own_group(app, client, two_ways):
    stop_clock(app, "2026-12-08T09:00")
    page = client.get(f"/services/{two_ways.id}").get_data(as_text=True)
    library = page.index("At Tollcross Library")
    online = page.index('<h3 class="session-venue">Online</h3>')
    assert library < page.index("Every Tuesday, 10am to 12pm") < online < page.index("Every Thursday, 7pm to 8pm")
    assert "How people take part:</strong> In person, Online." in page


def test_the_shortlist_text_says_online_for_the_online_session(app, client, two_ways):
    stop_clock(app, "2026-12-08T13:00")
    page = client.get(f"/services/{two_ways.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/shortlist/add", data={"csrf_token": token, "service_id": str(two_ways.id)})
    shortlist = client.get("/shortlist").get_data(as_text=True)
    text = re.search(r'<textarea id="plain-text"[^>]*>(.*?)</textarea>', shortlist, re.S).group(1)
    assert "Every Thursday, 7pm to 8pm, online\nNext session Thursday 10 December, 7pm" in text
    assert "Sessions: Tue at Tollcross Library; Thu online" in text


def test_the_api_gives_each_sessions_way_as_said_and_as_shown(client, two_ways):
    body = client.get(f"/api/services/{two_ways.id}").get_json()
    ways = {s["weekday"]: (s["attendance"], s["attendance_shown"]) for s in body["schedules"]}
    assert ways == {"TU": (None, "in_person"), "TH": ("online", "online")}


def test_a_session_in_person_with_no_venue_anywhere_is_refused_by_name(session):
    from directory.operations import InputError

    with pytest.raises(InputError) as refused:
        factories.service(session, schedules=[{"weekday": "TU", "attendance": "in_person"}])
    assert refused.value.messages == {
        "schedules": {
            0: {
                "attendance": [
                    "A session in person needs a venue: add a venue to the service, or choose how people take part in it."
                ]
            }
        }
    }
