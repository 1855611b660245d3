"""The newsletter set: every message read into drafts and scored against what it says (bench/mail_bench.py)."""

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bench.mail_bench import LISTINGS, load_directory, messages, run, table
from directory.demo import DEMO_FILE, load_demo
from directory.models import ChangeRequest, Location, Service
from directory.operations.moderation import decide_change
from directory.permissions import SYSTEM, Actor
from importers.mail import import_mail
from importers.mail_read import read_mail

NOW = datetime(2026, 12, 22, 9, 0, tzinfo=UTC)
MODERATOR = Actor("user", "Mo", roles=frozenset({"moderator"}), verified=True)


NAMED = {
    "Fish Island Community Hub",
    "Isle of Dogs Advice Shop",
    "Bow Community Larder",
    "Move More Easterhouse",
    "Haghill Neighbourhood Centre",
    "Dalmarnock Makers",
    "Bridgeton Makers",
    "Stepney Community Association",
}


@pytest.fixture
def directory(session):
    """The demo directory and the listings the newsletters refer to."""
    load_directory(session, date(2026, 12, 1))
    session.commit()
    return session


@pytest.fixture
def some(session, tmp_path):
    """A few of the demo's organisations (the ones the tests below read about), quicker to load than all."""
    demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    demo["organisations"] = [o for o in demo["organisations"] if o["name"] in NAMED]
    (tmp_path / "some.json").write_text(json.dumps(demo), encoding="utf-8")
    load_demo(session, date(2026, 12, 1), path=tmp_path / "some.json")
    load_demo(session, date(2026, 12, 1), path=LISTINGS)
    session.commit()
    return session


def test_the_set_has_at_least_thirty_messages_each_with_its_expectations():
    assert len(messages()) >= 30
    assert all(path.with_suffix(".json").exists() for path in messages())


def test_drafts_links_and_change_notices_stay_at_or_above_nine_in_ten(directory):
    tallies, misses = run(directory, NOW)
    low = {name: (t.precision, t.recall) for name, t in tallies.items() if min(t.precision, t.recall) < 0.9}
    assert not low, "\n".join(table(tallies) + misses)


def _draft(session, file: str, name: str) -> ChangeRequest:
    [mail] = read_mail(str(next(p for p in messages() if p.name == file)))
    import_mail(session, SYSTEM, [mail], now=NOW)
    session.flush()
    return next(
        d
        for d in session.exec(select(ChangeRequest).where(ChangeRequest.kind == "draft"))
        if d.proposed["name"] == name
    )


def test_approving_a_pause_marks_the_listing_temporarily_closed_with_its_reopening(some):
    draft = _draft(some, "17_summer_pause.eml", "Toddler Group")
    assert draft.field_names == ["expected_reopening", "status", "status_reason"]
    decide_change(some, MODERATOR, draft, True, "", now=NOW)
    service = some.get(Service, draft.target_id)
    assert (service.status, service.expected_reopening) == ("temporarily_closed", date(2026, 9, 2))
    assert "summer break" in service.status_reason


def test_a_message_without_a_date_reads_its_dates_from_when_it_was_read(some):
    [mail] = read_mail(str(next(p for p in messages() if p.name == "17_summer_pause.eml")))
    mail.date = None  # a forwarded text with its Date header lost
    import_mail(some, SYSTEM, [mail], now=NOW)
    some.flush()
    [draft] = [
        d
        for d in some.exec(select(ChangeRequest).where(ChangeRequest.kind == "draft"))
        if d.proposed["name"] == "Toddler Group"
    ]
    # "Back on 2 September", read on 22 December 2026: the next 2 September, not one in the year 2000.
    assert draft.proposed["expected_reopening"] == "2027-09-02"


def test_approving_a_move_elsewhere_adds_the_new_venue_and_moves_the_sessions(some):
    draft = _draft(some, "28_qp_html_list.eml", "Get Online Sessions")
    assert draft.proposed["new_venue"]["postcode"] == "E14 3PU" and draft.proposed["location_ids"] == ["new"]
    decide_change(some, MODERATOR, draft, True, "", now=NOW)
    service = some.get(Service, draft.target_id)
    [venue] = [link.location for link in service.location_links]
    assert isinstance(venue, Location) and (venue.name, venue.postcode) == (
        "Cubitt Town Neighbourhood Rooms",
        "E14 3PU",
    )
    assert {row.location_id for row in service.schedules} == {venue.id}


def test_a_closure_proposes_the_listing_inactive_and_a_cancellation_an_alert(some):
    closed = _draft(some, "18_funding_ended.eml", "Fuel Bill Help")
    assert closed.proposed["status"] == "inactive" and "funding has ended" in closed.proposed["status_reason"]
    cancelled = _draft(some, "20_cancelled_weather.eml", "Wellbeing Walks")
    assert cancelled.field_names == ["alert"] and "cancelled this week" in cancelled.proposed["alert"]


def test_a_new_group_with_a_similar_name_at_the_same_postcode_is_drafted_as_new(some):
    draft = _draft(some, "19_new_group_same_postcode.eml", "Knit and Knot Crochet Club")
    assert draft.target_id is None and draft.field_names is None


def test_venue_fields_never_hold_a_day_or_time(some):
    draft = _draft(some, "32_field_lines.eml", "Art Group")
    assert draft.proposed["venue"]["name"] == "Dalmarnock Parish Church Hall"
    assert draft.proposed["change"]["kind"] == "new_times"
