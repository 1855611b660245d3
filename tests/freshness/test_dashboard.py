"""The moderators' dashboard: counts per flag, filters, each listing's reasons and reminder history."""

from __future__ import annotations

import pytest

from directory.operations.reports import report_problem

from .. import factories
from .conftest import answer, freshness_run, inbox, listing, on, review_links


@pytest.fixture
def flagged(app, runner, session):
    pantry = listing(session, "Pantry", verified="2026-05-01")
    closed = listing(session, "Warm space", verified="2026-11-01")
    for day in ("2026-11-20", "2026-11-22"):
        report_problem(session, closed, {"kind": "closed", "note": ""}, on(day))
    listing(session, "Old club", verified="2025-01-10")
    session.commit()
    freshness_run(runner)
    return pantry, closed


def moderator(session, client):
    factories.sign_in(client, factories.user(session, "mod@signpost.example", roles=["moderator"]))
    session.commit()


def test_counts_per_flag_and_urgent_first(session, client, flagged):
    moderator(session, client)
    page = client.get("/moderate/freshness").get_data(as_text=True)
    assert "Needs review: 1" in page and "Reported closed: 1" in page and "Stale: 1" in page
    assert page.index("Warm space") < page.index("Pantry")  # urgent first
    assert "(urgent): Reported closed by 2 people" in page


def test_filter_by_flag_and_urgent(session, client, flagged):
    moderator(session, client)
    stale = client.get("/moderate/freshness?flag=stale").get_data(as_text=True)
    assert "Old club" in stale and "Pantry" not in stale and "Warm space" not in stale
    urgent = client.get("/moderate/freshness?urgent=1").get_data(as_text=True)
    assert "Warm space" in urgent and "Old club" not in urgent
    bad = client.get("/moderate/freshness?flag=nonsense")
    assert bad.status_code == 400 and "There is no flag called “nonsense”" in bad.get_data(as_text=True)


def test_a_listing_shows_its_reasons_and_history_of_reminders_and_answers(app, session, client, flagged):
    pantry, _ = flagged
    answer(client, review_links(inbox(app)[0])["update"])
    moderator(session, client)
    page = client.get(f"/moderate/freshness/{pantry.id}").get_data(as_text=True)
    assert "Due for a check: last confirmed 6 months ago" in page
    assert "First reminder" in page and "hello@pantry.example" in page
    assert "Will update it" in page
    assert client.get("/moderate/freshness/not-an-id").status_code == 404


def test_only_moderators_see_the_dashboard(session, client, flagged):
    pantry, _ = flagged
    assert client.get("/moderate/freshness").status_code == 302  # sign in first
    factories.sign_in(client, factories.user(session, "editor@pantry.example", organisations=[pantry.organisation]))
    session.commit()
    assert client.get("/moderate/freshness").status_code == 403
    assert client.get(f"/moderate/freshness/{pantry.id}").status_code == 403
