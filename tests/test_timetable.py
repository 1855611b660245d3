"""When services run: sessions, months, seasons across the new year."""

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from directory.freshness import funding_warning, listing_warnings
from directory.timetable import Window, in_season, next_season_start, next_session, runs_on


def rule(**fields):
    return SimpleNamespace(**({"frequency": "weekly", "weekday": "TU", "week_of_month": None, "valid_from": None, "valid_to": None} | fields))


@pytest.mark.parametrize(
    "fields, day, expected",
    [
        ({}, date(2026, 11, 24), True),
        ({}, date(2026, 11, 25), False),
        ({"frequency": "monthly", "week_of_month": 1}, date(2026, 12, 1), True),
        ({"frequency": "monthly", "week_of_month": 1}, date(2026, 12, 8), False),
        ({"frequency": "monthly", "week_of_month": -1}, date(2026, 11, 24), True),
        ({"frequency": "monthly", "week_of_month": -1}, date(2026, 11, 17), False),
        ({"valid_to": date(2026, 11, 23)}, date(2026, 11, 24), False),
        ({"valid_from": date(2026, 11, 24)}, date(2026, 11, 24), True),
    ],
)
def test_runs_on(fields, day, expected):
    assert runs_on(rule(**fields), day) is expected


SUMMER = Window(4, 1, 9, 30)
WINTER = Window(11, 1, 2, 28)  # wraps the new year


@pytest.mark.parametrize(
    "window, day, expected",
    [
        (SUMMER, date(2026, 3, 31), False), (SUMMER, date(2026, 4, 1), True), (SUMMER, date(2026, 9, 30), True),
        (SUMMER, date(2026, 10, 1), False), (WINTER, date(2026, 12, 31), True), (WINTER, date(2027, 1, 1), True),
        (WINTER, date(2027, 2, 28), True), (WINTER, date(2027, 3, 1), False), (WINTER, date(2026, 10, 31), False),
    ],
)
def test_seasons_at_their_boundaries(window, day, expected):
    assert in_season([window], day) is expected


def test_no_seasons_means_all_year():
    assert in_season([], date(2026, 1, 1))


def test_next_season_start_rolls_into_next_year():
    assert next_season_start([SUMMER], date(2026, 11, 24)) == date(2027, 4, 1)
    assert next_season_start([SUMMER], date(2026, 4, 1)) == date(2026, 4, 1)


def test_next_session_skips_days_out_of_season():
    found = next_session([rule(weekday="WE")], [Window(12, 1, 12, 31)], date(2026, 11, 24))
    assert found[0] == date(2026, 12, 2)
    assert next_session([rule()], [SUMMER], date(2026, 11, 24), horizon_days=30) is None


def funding(status, until=None):
    return SimpleNamespace(status=status, funded_until=until)


TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    "items, code",
    [
        ([funding("funded", date(2027, 1, 23))], "funding_ending"),  # 60 days
        ([funding("funded", date(2027, 1, 24))], None),  # 61 days
        ([funding("funded", TODAY)], "funding_ending"),
        ([funding("funded", date(2026, 11, 23))], "funding_ended"),
        ([funding("ended")], "funding_ended"),
        ([funding("funded")], None),
        ([funding("unfunded")], None),
        ([funding("ended", date(2026, 3, 31)), funding("funded", None)], None),
    ],
)
def test_funding_warnings_at_their_boundaries(items, code):
    warning = funding_warning(items, TODAY)
    assert (warning.code if warning else None) == code


def codes(days_since_verified):
    moment = datetime(2026, 11, 24, 12, tzinfo=timezone.utc) - timedelta(days=days_since_verified)
    return [w.code for w in listing_warnings(status="active", last_verified=moment, funding=[], today=TODAY)]


def test_stale_after_a_year_and_review_after_six_months():
    assert codes(182) == [] and codes(183) == ["needs_review"]
    assert codes(364) == ["needs_review"] and codes(365) == ["stale"]
    assert [w.code for w in listing_warnings(status="active", last_verified=None, funding=[], today=TODAY)] == ["stale"]
