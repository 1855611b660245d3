"""The freshness rules, each at its boundaries: the day before, the day of, the day after."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from directory.freshness import (
    Evidence,
    Flag,
    Listing,
    Policy,
    add_months,
    assess,
    due_flags,
    funding_flag,
    link_check_due,
    may_email,
    reminder_stage,
)
from directory.timetable import Window, previous_season_start

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def days_ago(days: int) -> datetime:
    return at(TODAY - timedelta(days=days))


def funding(status, until=None):
    return SimpleNamespace(status=status, funded_until=until)


def route(status="accepting", confirmed=None):
    return SimpleNamespace(status=status, status_confirmed_on=confirmed)


def codes(listing: Listing, today: date = TODAY, policy: Policy = Policy()) -> list[str]:
    return [f.code for f in assess(listing, today, policy)]


def flag(listing: Listing, code: str, today: date = TODAY) -> Flag | None:
    return next((f for f in assess(listing, today) if f.code == code), None)


# -- needs review and stale ------------------------------------------------------------------


@pytest.mark.parametrize(
    "age, expected",
    [
        (182, []),
        (183, ["needs_review"]),
        (184, ["needs_review"]),
        (364, ["needs_review"]),
        (365, ["stale"]),
        (366, ["stale"]),
    ],
)
def test_review_after_six_months_and_stale_after_a_year(age, expected):
    assert codes(Listing(last_verified=days_ago(age))) == expected


def test_never_confirmed_is_stale():
    assert assess(Listing(), TODAY) == [Flag("stale", "Never confirmed by anyone")]


def test_review_and_stale_periods_are_configurable():
    policy = Policy(review_days=30, stale_days=90)
    assert codes(Listing(last_verified=days_ago(29)), policy=policy) == []
    assert codes(Listing(last_verified=days_ago(30)), policy=policy) == ["needs_review"]
    assert codes(Listing(last_verified=days_ago(90)), policy=policy) == ["stale"]


def test_stale_flag_says_why_and_since_when():
    found = flag(Listing(last_verified=days_ago(500)), "stale")
    assert found.reason == "Not confirmed for 16 months"
    assert found.since == TODAY - timedelta(days=500) + timedelta(days=365)


# -- funding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "items, code",
    [
        ([funding("funded", date(2027, 1, 22))], "funding_ending"),  # 59 days
        ([funding("funded", date(2027, 1, 23))], "funding_ending"),  # 60 days
        ([funding("funded", date(2027, 1, 24))], None),  # 61 days
        ([funding("funded", TODAY)], "funding_ending"),  # ends today: still funded today
        ([funding("funded", date(2026, 11, 23))], "funding_ended"),  # ended yesterday
        ([funding("ended")], "funding_ended"),
        ([funding("funded")], None),
        ([funding("unfunded")], None),
        ([funding("ended", date(2026, 3, 31)), funding("funded", None)], None),
    ],
)
def test_funding_at_its_boundaries(items, code):
    found = funding_flag(items, TODAY)
    assert (found.code if found else None) == code


def test_funding_ended_says_when_and_what_to_check():
    found = funding_flag([funding("funded", date(2026, 3, 31))], TODAY)
    assert found.reason == "Funding ended on 31 March 2026; check it is still running"
    assert found.since == date(2026, 4, 1)


# -- seasons ---------------------------------------------------------------------------------

SUMMER = Window(4, 1, 9, 30)
WINTER = Window(11, 1, 2, 28)  # wraps the new year


@pytest.mark.parametrize(
    "day, out",
    [
        (date(2026, 3, 31), True),
        (date(2026, 4, 1), False),
        (date(2026, 4, 2), False),
        (date(2026, 9, 29), False),
        (date(2026, 9, 30), False),
        (date(2026, 10, 1), True),
    ],
)
def test_out_of_season_at_the_season_edges(day, out):
    listing = Listing(last_verified=at(day), seasons=(SUMMER,))
    assert ("out_of_season" in codes(listing, day)) is out


def test_out_of_season_says_when_it_is_back():
    listing = Listing(last_verified=at(date(2026, 6, 1)), seasons=(SUMMER,))
    assert flag(listing, "out_of_season").reason == "Out of season, back on 1 April"


@pytest.mark.parametrize(
    "day, out",
    [
        (date(2026, 10, 31), True),
        (date(2026, 11, 1), False),
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), False),
        (date(2027, 2, 28), False),
        (date(2027, 3, 1), True),
    ],
)
def test_a_winter_season_runs_across_the_new_year(day, out):
    listing = Listing(last_verified=at(day), seasons=(WINTER,))
    assert ("out_of_season" in codes(listing, day)) is out


def test_back_in_season_across_the_new_year():
    listing = Listing(last_verified=at(date(2026, 3, 5)), seasons=(WINTER,))
    assert flag(listing, "out_of_season", date(2026, 3, 5)).reason == "Out of season, back on 1 November"


def test_previous_season_start_looks_back_across_the_new_year():
    assert previous_season_start([WINTER], date(2027, 1, 10)) == date(2026, 11, 1)
    assert previous_season_start([SUMMER], date(2027, 1, 10)) == date(2026, 4, 1)
    assert previous_season_start([SUMMER], date(2026, 4, 1)) == date(2026, 4, 1)


def test_a_seasonal_service_is_not_stale_for_being_quiet_out_of_season():
    # Confirmed in May, asked about in March: out of season, so not due until it runs again.
    listing = Listing(last_verified=at(date(2025, 5, 1)), seasons=(SUMMER,))
    assert codes(listing, date(2026, 3, 31)) == ["out_of_season"]
    assert codes(listing, date(2026, 4, 1)) == ["needs_review"]  # back in season: ask now
    assert codes(listing, date(2026, 5, 1)) == ["stale"]


def test_a_seasonal_service_not_confirmed_last_season_is_still_stale_out_of_season():
    listing = Listing(last_verified=at(date(2025, 3, 31)), seasons=(SUMMER,))
    assert codes(listing, date(2026, 3, 31)) == ["stale", "out_of_season"]


def test_quiet_across_the_new_year_for_a_winter_season():
    listing = Listing(last_verified=at(date(2025, 11, 20)), seasons=(WINTER,))
    assert codes(listing, date(2026, 10, 31)) == ["out_of_season"]  # 345 days, out of season
    assert codes(listing, date(2026, 11, 1)) == ["needs_review"]


# -- closed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, passed", [(date(2026, 11, 23), False), (date(2026, 11, 24), False), (date(2026, 11, 25), True)]
)
def test_temporarily_closed_asks_for_review_after_the_reopening_date(day, passed):
    listing = Listing(
        status="temporarily_closed", last_verified=at(date(2026, 10, 1)), expected_reopening=date(2026, 11, 24)
    )
    found = codes(listing, day)
    assert "temporarily_closed" in found
    assert ("reopening_passed" in found) is passed


def test_temporarily_closed_says_when_it_reopens():
    listing = Listing(status="temporarily_closed", last_verified=days_ago(5), expected_reopening=date(2027, 1, 5))
    assert flag(listing, "temporarily_closed").reason == "Temporarily closed, expected to reopen on 5 January 2027"


def test_defunct_is_flagged_and_nothing_else():
    assert codes(Listing(status="defunct")) == ["defunct"]


@pytest.mark.parametrize(
    "days, urgent",
    [
        ((), False),
        ((date(2026, 11, 20),), False),
        ((date(2026, 11, 20), date(2026, 11, 20)), False),  # the same day: one voice, repeated
        ((date(2026, 11, 20), date(2026, 11, 22)), True),
    ],
)
def test_two_independent_closure_reports_make_an_urgent_review(days, urgent):
    found = flag(Listing(last_verified=days_ago(5), evidence=Evidence(closure_reports=days)), "reported_closed")
    assert (found is not None and found.urgent) is urgent


def test_the_organisation_saying_it_has_closed_is_urgent_at_once():
    found = flag(
        Listing(last_verified=days_ago(5), evidence=Evidence(closed_by_owner=date(2026, 11, 20))), "reported_closed"
    )
    assert found.urgent and "The organisation said it has closed on 20 November 2026" in found.reason


# -- dead links and bounces ------------------------------------------------------------------


@pytest.mark.parametrize("failures, dead", [(2, False), (3, True), (4, True)])
def test_only_repeated_website_failures_flag_a_dead_link(failures, dead):
    evidence = Evidence(link_failures=failures, link_failing_since=date(2026, 11, 20), link_error="HTTP 404")
    found = flag(Listing(last_verified=days_ago(5), evidence=evidence), "dead_link")
    assert (found is not None) is dead
    if dead:
        assert found.reason == f"The website has failed {failures} checks in a row since 20 November 2026 (HTTP 404)"


def test_contact_bouncing_names_the_address():
    evidence = Evidence(bouncing=(("hello@example.org", date(2026, 11, 2)),))
    found = flag(Listing(last_verified=days_ago(5), evidence=evidence), "contact_bouncing")
    assert found.reason == "Email to hello@example.org bounces (since 2 November 2026)"


# -- referral status -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "confirmed, unknown",
    [
        (date(2026, 8, 25), False),  # the day before three months
        (date(2026, 8, 24), True),  # exactly three months
        (date(2026, 8, 23), True),
    ],
)
def test_accepting_referrals_not_confirmed_for_three_months_becomes_unknown(confirmed, unknown):
    listing = Listing(last_verified=days_ago(5), routes=(route(confirmed=confirmed),))
    assert ("referral_unknown" in codes(listing)) is unknown


def test_referral_status_falls_back_to_the_listing_confirmation_and_ignores_closed_routes():
    assert "referral_unknown" in codes(Listing(last_verified=days_ago(100), routes=(route(),)))
    assert "referral_unknown" not in codes(Listing(last_verified=days_ago(100), routes=(route("closed"),)))
    found = flag(Listing(last_verified=days_ago(5), routes=(route(confirmed=date(2026, 6, 1)),)), "referral_unknown")
    assert found.reason == "Referral status unknown: “accepting referrals” not confirmed since 1 June 2026"


def test_add_months_keeps_to_the_end_of_short_months():
    assert add_months(date(2026, 8, 31), 3) == date(2026, 11, 30)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_flags_come_most_serious_first():
    listing = Listing(
        status="temporarily_closed",
        last_verified=days_ago(400),
        funding=(funding("ended", date(2026, 3, 31)),),
        evidence=Evidence(closure_reports=(date(2026, 11, 1), date(2026, 11, 2))),
    )
    assert codes(listing) == ["reported_closed", "temporarily_closed", "funding_ended", "stale"]


# -- reminders -------------------------------------------------------------------------------

REVIEW = Flag("needs_review", "Due for a check", date(2026, 11, 1))


def test_a_reminder_is_due_only_for_what_arose_after_the_last_answer():
    assert due_flags([REVIEW], None) == [REVIEW]
    assert due_flags([REVIEW], date(2026, 10, 31)) == [REVIEW]
    assert due_flags([REVIEW], date(2026, 11, 1)) == []
    assert due_flags([Flag("funding_ending", "x", date(2026, 11, 1))], None) == []  # a fact, not a question


def test_escalation_first_second_then_moderators():
    first = NOW - timedelta(days=14)
    assert reminder_stage([REVIEW], None, [], NOW) == 1
    assert reminder_stage([REVIEW], None, [first + timedelta(seconds=1)], NOW) is None  # 13 days 23 hours
    assert reminder_stage([REVIEW], None, [first], NOW) == 2
    assert reminder_stage([REVIEW], None, [first - timedelta(days=14), first], NOW) == 3
    assert reminder_stage([REVIEW], None, [first - timedelta(days=28), first - timedelta(days=14), first], NOW) is None


def test_no_reminder_once_answered_or_when_nothing_is_due():
    assert reminder_stage([REVIEW], date(2026, 11, 2), [], NOW) is None
    assert reminder_stage([], None, [], NOW) is None


@pytest.mark.parametrize("days, allowed", [(6, False), (7, True), (8, True)])
def test_at_most_one_email_a_week_to_an_address(days, allowed):
    assert may_email(NOW - timedelta(days=days), NOW) is allowed
    assert may_email(None, NOW)


def test_a_website_is_checked_at_most_once_a_day():
    assert link_check_due(None, NOW)
    assert not link_check_due(NOW - timedelta(hours=19), NOW)
    assert link_check_due(NOW - timedelta(hours=20), NOW)
