"""`signpost freshness run`: dry run against the real thing, idempotence, and what search and pages show."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from directory.models import ProblemReport, Service
from directory.models.freshness import ReviewReminder, ServiceFlag
from directory.operations.reports import report_problem

from .. import factories
from .conftest import TODAY, freshness_run, inbox, listing, on


def stored(session) -> dict[str, list[str]]:
    session.expire_all()
    found = {}
    for row in session.exec(select(ServiceFlag)):
        found.setdefault(session.get(Service, row.service_id).name, []).append(row.code)
    return {name: sorted(codes) for name, codes in found.items()}


def count(result, label: str) -> int:
    """A figure from the run's summary table."""
    return int(re.search(rf"{label}\s*│\s*(\d+)", result.output).group(1))


def some_listings(session):
    listing(session, "Pantry", verified="2026-05-01")  # needs review
    # Confirmed during its last season (7 months ago), quiet now: out of season, not due for review.
    listing(
        session,
        "Garden club",
        verified="2026-04-15",
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        funding=[{"source": "Lottery", "status": "funded", "funded_until": "2026-03-31"}],
    )
    listing(session, "Lunch club", verified="2026-11-01")  # fresh
    session.commit()


def test_dry_run_lists_what_it_would_do_and_changes_nothing(app, runner, session):
    some_listings(session)
    result = freshness_run(runner, TODAY, "--dry-run")
    assert "would raise  Pantry: Needs review – Due for a check: last confirmed 6 months ago" in result.output
    assert (
        "would raise  Garden club: Funding ended – Funding ended on 31 March 2026; check it is still running"
        in result.output
    )
    assert "would send   first reminder about Pantry to hello@pantry.example" in result.output
    assert "Dry run: nothing was changed and nothing was sent." in result.output
    assert stored(session) == {}
    assert session.exec(select(ReviewReminder)).all() == [] and inbox(app) == []


def test_the_real_run_stores_flags_and_sends_then_a_second_run_does_nothing(app, runner, session):
    some_listings(session)
    first = freshness_run(runner)
    assert stored(session) == {"Pantry": ["needs_review"], "Garden club": ["funding_ended", "out_of_season"]}
    assert "Flags raised" in first.output and "Freshness run" in first.output
    sent = len(inbox(app))
    assert sent == 1  # the pantry; the garden club was confirmed after its funding ended
    again = freshness_run(runner)
    assert count(again, "Flags raised") == count(again, "Flags cleared") == count(again, "Emails sent") == 0
    assert len(inbox(app)) == sent
    assert len(session.exec(select(ReviewReminder)).all()) == 1


def test_a_seasonal_listing_quiet_out_of_season_is_not_stale(app, runner, session):
    some_listings(session)
    freshness_run(runner)
    assert "stale" not in stored(session)["Garden club"]


def test_flags_clear_when_the_reason_goes(app, runner, session):
    some_listings(session)
    freshness_run(runner)
    pantry = session.exec(select(Service).where(Service.name == "Pantry")).one()
    pantry.last_verified_at = on(TODAY)
    session.commit()
    freshness_run(runner)
    assert "Pantry" not in stored(session)


def test_two_reports_on_different_days_make_an_urgent_review(app, runner, session):
    service = listing(session, verified="2026-11-01")
    report_problem(session, service, {"kind": "closed", "note": ""}, on("2026-11-20"))
    session.commit()
    freshness_run(runner)
    assert stored(session) == {}
    report_problem(session, service, {"kind": "closed", "note": "Locked up"}, on("2026-11-22"))
    session.commit()
    freshness_run(runner)
    flag = session.exec(select(ServiceFlag)).one()
    assert flag.code == "reported_closed" and flag.urgent
    for report in session.exec(select(ProblemReport)):
        report.status = "resolved"  # a moderator looked into it
    session.commit()
    freshness_run(runner)
    assert stored(session) == {}
    assert session.get(Service, service.id).archived_at is None


def test_archived_listings_lose_their_flags(app, runner, session):
    service = listing(session, verified="2026-05-01")
    session.commit()
    freshness_run(runner)
    session.get(Service, service.id).archived_at = on(TODAY)
    session.commit()
    freshness_run(runner)
    assert stored(session) == {}


def test_search_results_and_the_service_page_show_the_flags(app, runner, session, client):
    service = listing(session, verified="2026-11-01", description="A food pantry.")
    for day in ("2026-11-20", "2026-11-22"):
        report_problem(session, service, {"kind": "closed", "note": ""}, on(day))
    session.commit()
    freshness_run(runner)
    results = client.get("/search?q=pantry").get_data(as_text=True)
    assert "Check first:</span> Reported closed by 2 people (latest 22 November 2026); review urgently" in results
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert '<li class="urgent"><strong>Reported closed by 2 people' in page


def result_names(client) -> list[str]:
    page = client.get("/search?q=pantry").get_data(as_text=True)
    return [name for _, name in sorted((page.index(n), n) for n in ("Alpha food pantry", "Beta food pantry"))]


def test_flagged_listings_rank_lower_in_search_but_are_not_hidden(app, runner, session, client):
    org = factories.organisation(session)
    for name in ("Alpha food pantry", "Beta food pantry"):
        listing(session, name, org=org, verified="2026-11-01", description="Food.")
    session.commit()
    first, second = result_names(client)
    top = session.exec(select(Service).where(Service.name == first)).one()
    for day in ("2026-11-20", "2026-11-22"):
        report_problem(session, top, {"kind": "closed", "note": ""}, on(day))
    session.commit()
    freshness_run(runner)
    assert result_names(client) == [second, first]


@pytest.mark.postgres
def test_the_demo_directory_on_postgresql_runs_twice_and_answers_a_link(postgres_url, tmp_path):
    from directory import migrate
    from directory.db import get_db

    from ..conftest import make_app
    from .conftest import answer, review_links

    app = make_app(
        tmp_path, DATABASE_URL=postgres_url, BASE_URL="http://signpost.test", MODERATOR_EMAILS="mod@signpost.example"
    )
    engine = get_db(app).engine
    migrate.upgrade(engine)
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["setup"]).exit_code == 0
        freshness_run(runner, TODAY)
        sent = len(inbox(app))
        assert sent > 5
        again = freshness_run(runner, TODAY)
        assert count(again, "Flags raised") == 0 and count(again, "Emails sent") == 0, again.output
        assert len(inbox(app)) == sent
        response = answer(app.test_client(), review_links(inbox(app)[0])["confirm"])
        assert response.status_code == 200
        with get_db(app).unit_of_work() as session:
            assert len(session.exec(select(ReviewReminder).where(ReviewReminder.answer == "still_correct")).all()) >= 1
    finally:
        migrate.downgrade(engine, "base")
        engine.dispose()


def test_review_and_stale_periods_come_from_the_configuration(tmp_path):
    from directory.config import Config, ConfigError
    from directory.db import get_db

    from ..conftest import migrated_app

    with pytest.raises(ConfigError, match="SIGNPOST_REVIEW_AFTER_DAYS=400 must be"):
        Config(REVIEW_AFTER_DAYS=400).finalise()
    app = migrated_app(tmp_path, REVIEW_AFTER_DAYS=30, STALE_AFTER_DAYS=60)
    with app.app_context(), get_db(app).unit_of_work() as session:
        listing(session, "Pantry", verified="2026-10-20")  # 35 days
        listing(session, "Lunch club", verified="2026-09-01")  # 84 days
    freshness_run(app.test_cli_runner())
    with app.app_context(), get_db(app).unit_of_work() as session:
        assert stored(session) == {"Pantry": ["needs_review"], "Lunch club": ["stale"]}
    get_db(app).engine.dispose()


def test_a_run_still_going_makes_the_next_one_stop(app, runner, session):
    import fcntl
    from pathlib import Path

    listing(session)
    session.commit()
    with open(Path(app.config["SIGNPOST"].INSTANCE_DIR) / "freshness.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = runner.invoke(args=["freshness", "run", "--date", TODAY, "--no-links"])
    assert result.exit_code == 1 and "Another `signpost freshness run` is still going" in result.output
    assert inbox(app) == [] and stored(session) == {}
    freshness_run(runner)
    assert len(inbox(app)) == 1
