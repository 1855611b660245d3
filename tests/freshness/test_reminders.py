"""Review reminders end to end: the email, its three links, escalation, the weekly limit."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import select

from directory.models import ProblemReport, ReferralRoute, Revision, Service
from directory.models.freshness import ReviewReminder, ServiceFlag

from .. import factories
from .conftest import MODERATOR, TODAY, answer, freshness_run, inbox, listing, review_links


def reminders(session, service) -> list[ReviewReminder]:
    session.expire_all()
    return list(
        session.exec(
            select(ReviewReminder).where(ReviewReminder.service_id == service.id).order_by(ReviewReminder.sent_at)
        )
    )


def test_an_unclaimed_listing_is_asked_at_its_contact_address(app, runner, session):
    listing(session, referral_routes=[{"route_type": "self_referral", "status_confirmed_on": "2026-05-01"}])
    session.commit()
    freshness_run(runner)
    [message] = inbox(app)
    assert message["To"] == "hello@pantry.example"
    assert message["Subject"] == "Is your Signpost listing still correct? Community pantry"
    body = message.get_content()
    assert "Due for a check: last confirmed 6 months ago" in body
    assert "Referral status unknown" in body
    assert set(review_links(message)) == {"confirm", "update", "closed"}


def test_a_claimed_listing_is_asked_of_its_editors_not_the_public_address(app, runner, session):
    service = listing(session)
    factories.user(session, "editor@pantry.example", organisations=[service.organisation])
    factories.user(session, "unconfirmed@pantry.example", verified=False, organisations=[service.organisation])
    session.commit()
    freshness_run(runner)
    assert [m["To"] for m in inbox(app)] == ["editor@pantry.example"]


def test_still_correct_confirms_without_signing_in_and_records_who_when_how(app, runner, session, client):
    service = listing(session, referral_routes=[{"route_type": "self_referral", "status_confirmed_on": "2026-05-01"}])
    session.commit()
    freshness_run(runner)
    links = review_links(inbox(app)[0])
    response = answer(client, links["confirm"])
    assert response.status_code == 200
    assert "now shows it was checked today" in response.get_data(as_text=True)
    session.expire_all()
    confirmed = session.get(Service, service.id)
    assert confirmed.verified_by == "hello@pantry.example (review email)"
    assert confirmed.verification_method == "owner"
    assert confirmed.last_verified_at.date().isoformat() == TODAY
    [route] = session.exec(select(ReferralRoute).where(ReferralRoute.service_id == service.id)).all()
    assert route.status_confirmed_on.isoformat() == TODAY
    [revision] = session.exec(
        select(Revision).where(Revision.target_id == service.id, Revision.changed_by_name.like("%review email%"))
    ).all()
    assert "last_verified_at" in revision.changes
    [reminder] = reminders(session, service)
    assert (reminder.answer, reminder.answered_by) == ("still_correct", "hello@pantry.example")
    freshness_run(runner)
    assert session.exec(select(ServiceFlag).where(ServiceFlag.service_id == service.id)).all() == []


def test_a_confirm_link_works_once(app, runner, session, client):
    service = listing(session)
    session.commit()
    freshness_run(runner)
    links = review_links(inbox(app)[0])
    answer(client, links["confirm"])
    session.expire_all()
    first = session.get(Service, service.id).last_verified_at
    assert first.date().isoformat() == TODAY
    again = client.get(links["confirm"])
    assert again.status_code == 409
    assert "This link has already been used" in again.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account/login").get_data(as_text=True)).group(
        1
    )
    assert client.post(links["confirm"], data={"csrf_token": token}).status_code == 409
    session.expire_all()
    assert session.get(Service, service.id).last_verified_at == first
    # The other links of the same reminder are answered too.
    assert client.get(links["closed"]).status_code == 409


def test_a_tampered_link_is_refused(app, runner, session, client):
    service = listing(session)
    session.commit()
    freshness_run(runner)
    path = review_links(inbox(app)[0])["confirm"]
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "not complete or not valid" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Service, service.id).verified_by is None


def test_a_link_for_one_purpose_does_not_work_for_another(app, runner, session, client):
    listing(session)
    session.commit()
    freshness_run(runner)
    links = review_links(inbox(app)[0])
    confirm_token = links["confirm"].rsplit("/", 1)[1]
    response = client.get(f"/review/closed/{confirm_token}")
    assert response.status_code == 400
    assert client.get(f"/review/delete/{confirm_token}").status_code == 400


def test_an_expired_link_says_so(app, runner, session, client, monkeypatch):
    listing(session)
    session.commit()
    thirty_one_days = 31 * 86400
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - thirty_one_days)
    freshness_run(runner)
    monkeypatch.undo()
    response = client.get(review_links(inbox(app)[0])["confirm"])
    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)


def test_a_link_still_works_on_its_thirtieth_day(app, runner, session, client, monkeypatch):
    listing(session)
    session.commit()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 30 * 86400 + 60)
    freshness_run(runner)
    monkeypatch.undo()
    assert client.get(review_links(inbox(app)[0])["confirm"]).status_code == 200


def test_opening_a_link_changes_nothing_until_the_button_is_pressed(app, runner, session, client):
    service = listing(session)
    session.commit()
    freshness_run(runner)
    client.get(review_links(inbox(app)[0])["confirm"])  # a mail scanner following the link
    session.expire_all()
    assert session.get(Service, service.id).verified_by is None
    assert reminders(session, service)[0].answered_at is None


def test_it_has_closed_records_a_report_for_moderators_and_deletes_nothing(app, runner, session, client):
    service = listing(session)
    session.commit()
    freshness_run(runner)
    response = answer(client, review_links(inbox(app)[0])["closed"], note="Last session was in October.")
    assert response.status_code == 200
    told = inbox(app)[-1]
    assert told["To"] == MODERATOR and told["Subject"] == "Reported closed by its organisation: Community pantry"
    [report] = session.exec(select(ProblemReport).where(ProblemReport.service_id == service.id)).all()
    assert report.kind == "closed" and report.status == "open"
    assert "hello@pantry.example" in report.note and "Last session was in October." in report.note
    freshness_run(runner)
    session.expire_all()
    still = session.get(Service, service.id)
    assert still.archived_at is None and still.status == "active"
    flag = session.exec(
        select(ServiceFlag).where(ServiceFlag.service_id == service.id, ServiceFlag.code == "reported_closed")
    ).one()
    assert flag.urgent


def test_i_need_to_update_it_sends_an_unclaimed_organisation_to_claim_it(app, runner, session, client):
    service = listing(session)
    session.commit()
    freshness_run(runner)
    response = answer(client, review_links(inbox(app)[0])["update"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/organisations/{service.organisation_id}/claim")
    assert reminders(session, service)[0].answer == "update"


def test_i_need_to_update_it_sends_an_editor_to_the_edit_page(app, runner, session, client):
    service = listing(session)
    factories.user(session, "editor@pantry.example", organisations=[service.organisation])
    session.commit()
    freshness_run(runner)
    response = answer(client, review_links(inbox(app)[0])["update"])
    assert response.headers["Location"].endswith(f"/manage/services/{service.id}/edit")
    signed_out = client.get(response.headers["Location"])
    assert signed_out.status_code == 302 and "/account/login" in signed_out.headers["Location"]


# -- escalation and the weekly limit ---------------------------------------------------------


def test_escalation_second_reminder_after_two_weeks_then_the_moderators(app, runner, session):
    service = listing(session)
    session.commit()
    days = [
        "2026-11-24",
        "2026-12-01",
        "2026-12-07",
        "2026-12-08",
        "2026-12-21",
        "2026-12-22",
        "2027-01-05",
        "2027-01-19",
    ]
    sent = []
    for day in days:
        before = len(inbox(app))
        freshness_run(runner, day)
        sent.append([(m["To"], m["Subject"]) for m in inbox(app)[before:]])
    assert sent == [
        [("hello@pantry.example", "Is your Signpost listing still correct? Community pantry")],
        [],
        [],  # a week later; the day before two weeks
        [("hello@pantry.example", "Reminder: Is your Signpost listing still correct? Community pantry")],
        [],
        [(MODERATOR, "Signpost listings need a moderator")],
        [],
        [],  # nothing more: the dashboard has it
    ]
    assert [r.stage for r in reminders(session, service)] == [1, 2, 3]


def test_reminders_stop_once_answered(app, runner, session, client):
    service = listing(session)
    session.commit()
    freshness_run(runner, "2026-11-24")
    answer(client, review_links(inbox(app)[0])["update"])
    for day in ("2026-12-08", "2026-12-22", "2027-01-05"):
        freshness_run(runner, day)
    assert len(inbox(app)) == 1
    assert [r.stage for r in reminders(session, service)] == [1]


def test_a_new_reason_after_an_answer_starts_a_new_round(app, runner, session, client):
    service = listing(session, verified="2026-05-01")
    session.commit()
    freshness_run(runner, "2026-11-24")  # needs review
    answer(client, review_links(inbox(app)[0])["update"])  # ...but nothing was updated
    freshness_run(runner, "2027-04-30")
    assert len(inbox(app)) == 1
    freshness_run(runner, "2027-05-01")  # stale: a new reason to ask
    assert len(inbox(app)) == 2 and "Not confirmed for 12 months" in inbox(app)[1].get_content()
    assert [r.stage for r in reminders(session, service)] == [1, 1]


def test_one_email_a_week_per_address_covering_every_listing_due(app, runner, session):
    org = factories.organisation(session, name="Pantry trust", email="hello@pantry.example")
    listing(session, "Pantry", org=org, verified="2026-05-03", email=None)  # due for review on 2 November
    listing(session, "Lunch club", org=org, verified="2026-05-03", email=None)
    later = listing(session, "Walking group", org=org, verified="2026-05-06", email=None)  # due on 5 November
    session.commit()
    freshness_run(runner, "2026-11-01")
    assert inbox(app) == []
    freshness_run(runner, "2026-11-02")  # two listings due: one email about both
    [first] = inbox(app)
    assert first["Subject"] == "Are your 2 Signpost listings still correct?"
    for day in ("2026-11-05", "2026-11-08"):  # the third listing is due, but the address was emailed this week
        result = freshness_run(runner, day)
        assert len(inbox(app)) == 1
    assert re.search(r"Held back by the weekly limit\s*│\s*1", result.output)
    freshness_run(runner, "2026-11-09")  # a week later
    assert len(inbox(app)) == 2
    assert "Walking group" in inbox(app)[1]["Subject"]
    assert [r.stage for r in reminders(session, later)] == [1]


def test_nobody_reachable_goes_straight_to_the_moderators_once(app, runner, session):
    service = listing(session, email=None)
    session.commit()
    freshness_run(runner)
    [message] = inbox(app)
    assert message["To"] == MODERATOR and "Community pantry" in message.get_content()
    freshness_run(runner, "2026-12-08")
    freshness_run(runner, "2026-12-22")
    assert len(inbox(app)) == 1
    assert [r.stage for r in reminders(session, service)] == [3]


@pytest.mark.parametrize("status", ["defunct", "inactive"])
def test_closed_listings_are_not_asked_about(app, runner, session, status):
    listing(session, status=status)
    session.commit()
    freshness_run(runner)
    assert inbox(app) == []


def test_a_note_too_long_is_refused_and_nothing_is_recorded(app, runner, session, client):
    service = listing(session)
    session.commit()
    freshness_run(runner)
    response = answer(client, review_links(inbox(app)[0])["closed"], note="x" * 1001)
    assert response.status_code == 400
    assert "Keep the note under 1,000 characters." in response.get_data(as_text=True)
    assert session.exec(select(ProblemReport)).all() == []
    assert reminders(session, service)[0].answered_at is None
