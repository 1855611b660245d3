"""When services run: sessions, months, seasons across the new year."""

from datetime import date
from types import SimpleNamespace

import pytest

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
