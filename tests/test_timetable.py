"""When services run: sessions, months, seasons across the new year."""

from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import pytest

from directory.clock import LONDON
from directory.timetable import Window, in_season, next_season_start, next_session, runs_on, upcoming
from search import SearchQuery
from search.timing import fits_pattern


def rule(**fields):
    return SimpleNamespace(
        **(
            {"frequency": "weekly", "weekday": "TU", "week_of_month": None, "valid_from": None, "valid_to": None}
            | fields
        )
    )


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
        (SUMMER, date(2026, 3, 31), False),
        (SUMMER, date(2026, 4, 1), True),
        (SUMMER, date(2026, 9, 30), True),
        (SUMMER, date(2026, 10, 1), False),
        (WINTER, date(2026, 12, 31), True),
        (WINTER, date(2027, 1, 1), True),
        (WINTER, date(2027, 2, 28), True),
        (WINTER, date(2027, 3, 1), False),
        (WINTER, date(2026, 10, 31), False),
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


# -- the next session in real time (UK wall clock) ------------------------------------------------


def timed(weekday="TU", opens="10:00", closes="12:00", **fields):
    return rule(
        weekday=weekday,
        opens_at=time.fromisoformat(opens) if opens else None,
        closes_at=time.fromisoformat(closes) if closes else None,
        **fields,
    )


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    "moment, expected",
    [
        ("2026-12-08T09:59", (date(2026, 12, 8), False)),  # Tuesday, before it starts
        ("2026-12-08T10:00", (date(2026, 12, 8), True)),  # starting now
        ("2026-12-08T11:59", (date(2026, 12, 8), True)),
        ("2026-12-08T12:00", (date(2026, 12, 15), False)),  # ending now: over, next week's
        ("2026-12-08T17:20", (date(2026, 12, 15), False)),
        ("2026-12-07T23:59", (date(2026, 12, 8), False)),  # midnight between
        ("2026-12-08T00:00", (date(2026, 12, 8), False)),
    ],
)
def test_upcoming_skips_a_session_that_has_ended(moment, expected):
    found = upcoming([timed()], [], at(moment))
    assert (found.day, found.on_now) == expected


def test_a_session_with_only_a_start_is_over_once_it_has_started():
    rules = [timed(opens="10:00", closes=None)]
    assert upcoming(rules, [], at("2026-12-08T09:30")).day == date(2026, 12, 8)
    assert upcoming(rules, [], at("2026-12-08T10:00")).day == date(2026, 12, 15)


def test_a_session_with_no_times_lasts_the_day():
    assert upcoming([timed(opens=None, closes=None)], [], at("2026-12-08T23:00")).day == date(2026, 12, 8)


def test_an_overnight_session_is_on_until_midnight():
    found = upcoming([timed(opens="18:00", closes="02:00")], [], at("2026-12-08T23:30"))
    assert (found.day, found.on_now) == (date(2026, 12, 8), True)


def test_the_earlier_of_two_sessions_that_day_comes_first_and_a_finished_one_is_passed():
    rules = [timed(opens="18:00", closes="20:00"), timed(opens="10:00", closes="12:00")]
    assert upcoming(rules, [], at("2026-12-08T09:00")).rule.opens_at == time(10)
    assert upcoming(rules, [], at("2026-12-08T13:00")).rule.opens_at == time(18)


@pytest.mark.parametrize(
    "moment, expected",
    [
        # Clocks go forward at 1am on 28 March 2027 and back at 2am on 31 October 2027 (both Sundays):
        # UK wall-clock time is what counts, whatever the offset from UTC.
        ("2027-03-28T10:30", True),
        ("2027-03-28T12:30", False),
        ("2027-10-31T10:30", True),
        ("2027-10-31T12:30", False),
    ],
)
def test_clock_changes_do_not_move_sessions(moment, expected):
    found = upcoming([timed(weekday="SU", opens="11:00", closes="12:00")], [], at(moment))
    assert (found.day == datetime.fromisoformat(moment).date()) is expected


def test_the_utc_instant_is_read_in_uk_time():
    # 10:30 UTC on 28 June is 11:30 in London: the 11:00-12:00 session is on.
    moment = datetime(2027, 6, 28, 10, 30, tzinfo=UTC).astimezone(LONDON)
    assert upcoming([timed(weekday="MO", opens="11:00", closes="12:00")], [], moment).on_now


def test_a_last_weekday_session_in_a_month_with_five_of_them():
    # December 2026 has five Tuesdays (1, 8, 15, 22, 29): "last" is the 29th, "fourth" the 22nd.
    last = upcoming([timed(frequency="monthly", week_of_month=-1)], [], at("2026-12-23T09:00"))
    fourth = upcoming([timed(frequency="monthly", week_of_month=4)], [], at("2026-12-23T09:00"))
    assert last.day == date(2026, 12, 29)
    assert fourth.day == date(2027, 1, 26)


def test_not_before_starts_the_search_on_the_reopening_day():
    assert upcoming([timed()], [], at("2026-12-08T09:00"), not_before=date(2027, 1, 2)).day == date(2027, 1, 5)


def test_out_of_season_days_are_skipped():
    found = upcoming([timed()], [Window(4, 1, 9, 30)], at("2027-03-20T09:00"))
    assert found.day == date(2027, 4, 6)


@pytest.mark.parametrize(
    "opens, closes, parts, expected",
    [
        ("09:00", "12:00", ("morning",), True),
        ("09:00", "12:00", ("afternoon",), False),  # ends as the afternoon starts
        ("11:00", "13:00", ("afternoon",), True),
        ("16:30", "18:00", ("evening",), True),
        ("18:00", "02:00", ("evening",), True),  # overnight
        ("10:00", None, ("afternoon",), False),  # only a start: the part it starts in
        ("10:00", None, ("morning",), True),
        (None, None, ("morning", "afternoon", "evening"), False),  # no times: fits no part of the day
    ],
)
def test_parts_of_the_day(opens, closes, parts, expected):
    assert (
        fits_pattern(timed(opens=opens, closes=closes), SearchQuery(today=date(2026, 12, 1), parts_of_day=parts))
        is expected
    )
