"""Facts in plain language."""

from datetime import date, time
from decimal import Decimal
from types import SimpleNamespace

import pytest

from directory import presenters


def cost(**fields):
    defaults = {"is_free": True, "cost_description": None, "cost_min": None, "cost_max": None}
    return presenters.describe_cost(SimpleNamespace(**(defaults | fields)))


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({}, "Free"),
        ({"is_free": False, "cost_min": Decimal("3")}, "£3"),
        (
            {
                "is_free": False,
                "cost_min": Decimal("2.50"),
                "cost_max": Decimal("5"),
                "cost_description": "per session",
            },
            "£2.50 to £5: per session",
        ),
        ({"cost_description": "Free; £2 suggested donation"}, "Free; £2 suggested donation"),
        ({"cost_description": "donations welcome"}, "Free: donations welcome"),
        ({"is_free": False}, "Ask about cost"),
    ],
)
def test_cost(fields, expected):
    assert cost(**fields) == expected


def schedule(**fields):
    return SimpleNamespace(
        **(
            {"frequency": "weekly", "weekday": "TU", "week_of_month": None, "opens_at": None, "closes_at": None}
            | fields
        )
    )


def test_schedules_in_words():
    assert (
        presenters.describe_schedule(schedule(opens_at=time(10), closes_at=time(12))) == "Every Tuesday, 10am to 12pm"
    )
    assert (
        presenters.describe_schedule(schedule(frequency="monthly", week_of_month=-1, opens_at=time(13, 30)))
        == "Last Tuesday of the month, from 1:30pm"
    )


@pytest.mark.parametrize(
    "days, expected",
    [
        (0, "today"),
        (1, "yesterday"),
        (10, "10 days ago"),
        (21, "3 weeks ago"),
        (100, "3 months ago"),
        (800, "2 years ago"),
    ],
)
def test_ago(days, expected):
    today = date(2026, 11, 24)
    assert presenters.ago(date.fromordinal(today.toordinal() - days), today) == expected


@pytest.mark.parametrize(
    "low, high, expected",
    [(None, None, "All ages"), (18, None, "18 and over"), (0, 11, "Up to 11"), (16, 25, "Ages 16 to 25")],
)
def test_ages(low, high, expected):
    assert presenters.describe_ages(SimpleNamespace(min_age=low, max_age=high)) == expected


def test_distances():
    assert [presenters.km(d) for d in (0.04, 0.43, 12.3)] == ["under 0.1 km", "0.4 km", "12 km"]


@pytest.mark.parametrize(
    "route_type, method, expected",
    [
        ("self_referral", "phone", "Self-referral by phone"),
        ("drop_in", "in_person", "Drop in"),
        ("gp", None, "GP referral"),
    ],
)
def test_routes(route_type, method, expected):
    assert presenters.describe_route(SimpleNamespace(route_type=route_type, method=method)) == expected
