"""The moderation queue: untrusted edits wait, moderators see a diff, approve or reject with a note, editors are emailed."""

from __future__ import annotations

import re
from email.utils import getaddresses

import pytest
from sqlmodel import select

from directory.auth import actor_for
from directory.models import ChangeRequest, ProblemReport, Revision, Service, User
from directory.operations import InputError
from directory.operations.moderation import (
    SENSITIVE,
    decide_change,
    diff,
    service_snapshot,
    submit_service_change,
)
from directory.operations.reports import report_problem
from directory.permissions import SYSTEM

from .worlds import (
    changed,
    copied_app,
    database,
    edit_form,
    post,
    post_edit,
    read_form,
    sent_mail,
    service,
    signed_in,
    token,
)


@pytest.fixture
def app(template, tmp_path):
    """An app on a copy of the two-organisation world (tests/worlds.py)."""
    yield from copied_app(template, tmp_path)


def queue_edit(app, session, world, role="editor", **values):
    """An editor submits the edit form of service A with some values changed; returns their client."""
    client = signed_in(app, session, world, role)
    response = post_edit(client, world.service_a, changed(edit_form(client, world.service_a), **values))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client


def pending(session) -> ChangeRequest:
    session.expire_all()
    return session.exec(select(ChangeRequest).where(ChangeRequest.status == "pending")).one()


def decide(client, change_id, decision, note=""):
    path = f"/moderate/changes/{change_id}"
    return post(client, path, [("csrf_token", token(client, path)), ("decision", decision), ("note", note)])


def search_names(client, words: str) -> str:
    return client.get(f"/search?q={words}").get_data(as_text=True)


# Untrusted edits wait for a moderator -----------------------------------------------------------


def test_an_untrusted_edit_waits_and_the_live_listing_and_search_stay_until_approved(app, session, world):
    public = app.test_client()
    assert "Community pantry" in search_names(public, "pantry")
    queue_edit(app, session, world, name="Community larder", summary="Cheap groceries")
    assert service(session, world.service_a).name == "Community pantry"
    assert "Community larder" not in public.get(f"/services/{world.service_a}").get_data(as_text=True)
    assert "Community larder" not in search_names(public, "larder")

    moderator = signed_in(app, session, world, "moderator")
    assert decide(moderator, pending(session).id, "approve").status_code == 303
    live = service(session, world.service_a)
    assert (live.name, live.summary, live.version) == ("Community larder", "Cheap groceries", 2)
    assert "Community larder" in public.get(f"/services/{world.service_a}").get_data(as_text=True)
    assert "Community larder" in search_names(public, "larder")


def test_an_editor_sees_their_change_waiting(app, session, world):
    client = queue_edit(app, session, world, summary="Cheap groceries")
    page = client.get("/manage").get_data(as_text=True)
    assert "Sent for review" in page and "waiting for a moderator" in page
    assert "1 change waiting for a moderator" in client.get(f"/manage/services/{world.service_a}/edit").get_data(
        as_text=True
    )


def test_an_unverified_member_cannot_submit_anything(app, session, world):
    client = signed_in(app, session, world, "unverified")
    assert client.get(f"/manage/services/{world.service_a}/edit").status_code == 403


# Trusted editors publish at once, except sensitive fields ---------------------------------------


def test_a_trusted_editor_publishes_at_once(app, session, world):
    queue_edit(
        app,
        session,
        world,
        "trusted",
        summary="Now with fresh fruit",
        phone="0141 555 0111",
        **{"schedules-1-weekday": "SA", "schedules-1-opens_at": "09:00"},
    )
    live = service(session, world.service_a)
    assert (live.summary, live.phone, sorted(s.weekday for s in live.schedules)) == (
        "Now with fresh fruit",
        "0141 555 0111",
        ["SA", "TU"],
    )
    assert session.exec(select(ChangeRequest)).all() == []


SENSITIVE_EDITS = {
    "name": {"name": "Renamed pantry"},
    "min_age": {"min_age": "18"},
    "max_age": {"max_age": "65"},
    "groups_served": {"groups_served": "women"},
    "circumstances": {"circumstances": "bereaved"},
    "eligibility_criteria": {"eligibility_criteria": "Referral letter needed"},
    "open_to_all": {"open_to_all": None},
    "referral_routes": {"referral_routes-0-status": "closed"},
}


@pytest.mark.parametrize("field", list(SENSITIVE_EDITS))
def test_a_trusted_editors_change_to_a_sensitive_field_goes_to_review(app, session, world, field):
    client = signed_in(app, session, world, "trusted")
    pairs = changed(
        edit_form(client, world.service_a),
        summary="Also changed",
        **{k: v for k, v in SENSITIVE_EDITS[field].items() if v is not None},
    )
    pairs = [(n, v) for n, v in pairs if SENSITIVE_EDITS[field].get(n, "") is not None]
    before = service_snapshot(service(session, world.service_a))
    assert post_edit(client, world.service_a, pairs).status_code == 303
    assert service_snapshot(service(session, world.service_a)) == before  # nothing published, not even the summary
    change = pending(session)
    assert (
        field in {name for name, _, _ in diff(before, change.proposed)}
        and change.submitted_by == world.users["trusted"]
    )


def test_the_sensitive_fields_are_the_ones_the_issue_names():
    assert SENSITIVE == {
        "name",
        "organisation_id",
        "min_age",
        "max_age",
        "groups_served",
        "circumstances",
        "eligibility_criteria",
        "open_to_all",
        "referral_routes",
    }


def test_a_moderator_publishes_sensitive_changes_at_once(app, session, world):
    queue_edit(app, session, world, "moderator", name="Parkhead larder")
    assert service(session, world.service_a).name == "Parkhead larder"


# The moderator's review: a diff of the changed fields only --------------------------------------


def test_the_review_page_shows_only_the_changed_fields(app, session, world):
    queue_edit(app, session, world, summary="Cheap groceries", phone="0141 555 0999")
    moderator = signed_in(app, session, world, "moderator")
    page = moderator.get(f"/moderate/changes/{pending(session).id}").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">([^<]+)', page)
    assert rows == ["Summary", "Phone"]
    assert (
        "Low-cost food shop" in page
        and "Cheap groceries" in page
        and "0141 555 0100" in page
        and "0141 555 0999" in page
    )
    assert "Sam Editor" in page and "has changed since" not in page


def test_the_review_page_shows_only_the_editors_fields_when_the_listing_changed_since_they_started(app, session, world):
    queue_edit(app, session, world, summary="Cheap groceries")
    live = service(session, world.service_a)
    submit_service_change(
        session, SYSTEM, live.organisation, live, {**service_snapshot(live), "phone": "0800 000 000"}, live.version
    )
    session.commit()
    moderator = signed_in(app, session, world, "moderator")
    page = moderator.get(f"/moderate/changes/{pending(session).id}").get_data(as_text=True)
    # Approving applies only the editor's field: the later phone change is not offered for undoing.
    assert re.findall(r'<tr><th scope="row">([^<]+)', page) == ["Summary"]
    assert "changed since the editor started" not in page


def test_child_rows_are_shown_in_words(app, session, world):
    queue_edit(app, session, world, **{"schedules-0-closes_at": "13:00"})
    moderator = signed_in(app, session, world, "moderator")
    page = moderator.get(f"/moderate/changes/{pending(session).id}").get_data(as_text=True)
    assert "How often: Every week; Day: Tuesday; Opens: 10:00; Closes: 12:00" in page
    assert "Closes: 13:00" in page


def test_diff_ignores_order_and_blanks():
    before = {"languages": ["en", "ur"], "schedules": [{"weekday": "MO"}, {"weekday": "TU"}], "alert": None}
    after = {"languages": ["ur", "en"], "schedules": [{"weekday": "TU"}, {"weekday": "MO"}], "alert": ""}
    assert diff(before, after) == []
    assert diff(before, {**after, "alert": "Closed today"}) == [("alert", None, "Closed today")]


# Decisions, and the editor is emailed -----------------------------------------------------------


def test_approval_publishes_records_both_names_and_emails_the_editor(app, session, world):
    queue_edit(app, session, world, summary="Cheap groceries")
    moderator = signed_in(app, session, world, "moderator")
    change_id = pending(session).id
    assert decide(moderator, change_id, "approve", "Thanks, looks good").status_code == 303
    change = session.get(ChangeRequest, change_id)
    assert (change.status, change.decided_by, change.note) == (
        "approved",
        world.users["moderator"],
        "Thanks, looks good",
    )
    revision = session.exec(select(Revision)).one()
    assert (
        revision.changed_by == world.users["editor"]
        and revision.changed_by_name == "Sam Editor, approved by Mo Derator"
    )
    assert revision.changes == {"summary": ["Low-cost food shop", "Cheap groceries"]} and revision.source == "moderator"
    [message] = sent_mail(app)
    assert message["To"] == "editor@pantry.example.org" and "approved" in message["Subject"]
    assert "Thanks, looks good" in message.get_payload(decode=True).decode()


def test_rejection_needs_a_note_then_keeps_the_listing_and_emails_the_note(app, session, world):
    queue_edit(app, session, world, summary="Everything free forever!")
    moderator = signed_in(app, session, world, "moderator")
    change_id = pending(session).id
    before = database(session)
    response = decide(moderator, change_id, "reject")
    assert response.status_code == 400 and "Say why the change is rejected" in response.get_data(as_text=True)
    assert database(session) == before
    assert decide(moderator, change_id, "reject", "Please check <prices> with the trust").status_code == 303
    session.expire_all()
    assert session.get(ChangeRequest, change_id).status == "rejected"
    assert service(session, world.service_a).summary == "Low-cost food shop"
    [message] = sent_mail(app)
    assert message["To"] == "editor@pantry.example.org" and "not approved" in message["Subject"]
    assert "Please check <prices> with the trust" in message.get_payload(decode=True).decode()
    page = signed_in(app, session, world, "editor").get("/manage").get_data(as_text=True)
    assert "not approved" in page and "Please check &lt;prices&gt; with the trust" in page


def test_a_decision_must_be_chosen(app, session, world):
    queue_edit(app, session, world, summary="Cheap groceries")
    moderator = signed_in(app, session, world, "moderator")
    response = decide(moderator, pending(session).id, "maybe")
    assert response.status_code == 400 and "Choose approve or reject." in response.get_data(as_text=True)


def test_a_change_is_decided_once(app, session, world):
    queue_edit(app, session, world, summary="Cheap groceries")
    change = pending(session)
    moderator = actor_for(session, session.get(User, world.users["moderator"]))
    decide_change(session, moderator, change, True, "")
    session.commit()
    with pytest.raises(InputError, match="already been decided"):
        decide_change(session, moderator, change, False, "No")


def test_approving_a_new_service_creates_it(app, session, world):
    editor = signed_in(app, session, world, "editor")
    path = f"/manage/organisations/{world.org_a}/services/new"
    pairs = changed(
        read_form(editor.get(path).get_data(as_text=True), path), name="Baby bank", location_ids=str(world.location_a)
    )
    assert post(editor, path, pairs).status_code == 303
    moderator = signed_in(app, session, world, "moderator")
    change_id = pending(session).id
    assert "Baby bank" in moderator.get(f"/moderate/changes/{change_id}").get_data(as_text=True)
    assert decide(moderator, change_id, "approve").status_code == 303
    created = session.exec(select(Service).where(Service.name == "Baby bank")).one()
    assert created.organisation_id == world.org_a and [link.location_id for link in created.location_links] == [
        world.location_a
    ]
    assert session.get(ChangeRequest, change_id).target_id == created.id
    assert "Baby bank" in search_names(app.test_client(), "baby")


# The queue: changes, suggestions and problem reports, oldest first ------------------------------


def test_the_queue_lists_changes_suggestions_and_reports_oldest_first(app, session, world):
    live = session.get(Service, world.service_b)
    report_problem(session, live, {"kind": "wrong_times", "note": "Now on Fridays"})
    session.commit()
    queue_edit(app, session, world, summary="Cheap groceries")
    public = app.test_client()
    path = f"/services/{world.service_a}"
    assert (
        post(
            public, f"{path}/suggest", [("csrf_token", token(public, path)), ("suggestion", "New phone: 0141 555 0123")]
        ).status_code
        == 303
    )
    page = signed_in(app, session, world, "moderator").get("/moderate/changes").get_data(as_text=True)
    kinds = re.findall(r"<td>(Problem report|Changes|Suggested edit)", page)
    assert kinds == ["Problem report", "Changes", "Suggested edit"]
    assert "Now on Fridays" in page and "Valley walks" in page


def test_a_problem_report_can_be_resolved_from_the_queue(app, session, world):
    report = report_problem(session, session.get(Service, world.service_a), {"kind": "closed", "note": ""})
    session.commit()
    moderator = signed_in(app, session, world, "moderator")
    response = post(
        moderator,
        f"/moderate/reports/{report.id}",
        [("csrf_token", token(moderator, "/moderate/changes")), ("status", "resolved")],
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(ProblemReport, report.id).status == "resolved"
    assert "Nothing is waiting" in moderator.get("/moderate/changes").get_data(as_text=True)


# Suggest an edit: anyone, into the queue, editors told -------------------------------------------


def test_a_suggestion_lands_in_the_queue_and_tells_the_editors(app, session, world):
    public = app.test_client()
    path = f"/services/{world.service_a}"
    assert "Suggest an edit" in public.get(path).get_data(as_text=True)
    response = post(
        public, f"{path}/suggest", [("csrf_token", token(public, path)), ("suggestion", "<b>Closed</b> on Mondays now")]
    )
    assert response.status_code == 303 and "Your suggestion has been sent" in public.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    change = pending(session)
    assert (change.kind, change.target_id, change.proposed, change.submitted_by) == (
        "suggestion",
        world.service_a,
        {"text": "<b>Closed</b> on Mondays now"},
        None,
    )
    [message] = sent_mail(app)
    to = {address for _, address in getaddresses([message["To"]])}
    assert to == {
        "editor@pantry.example.org",
        "trusted@pantry.example.org",
        "hello@pantry.example.org",
        "mods@signpost.example.org",
    }
    page = signed_in(app, session, world, "moderator").get(f"/moderate/changes/{change.id}").get_data(as_text=True)
    assert "&lt;b&gt;Closed&lt;/b&gt; on Mondays now" in page


def test_an_empty_suggestion_is_refused_with_a_message(app, session, world):
    public = app.test_client()
    path = f"/services/{world.service_a}"
    before = database(session)
    response = post(public, f"{path}/suggest", [("csrf_token", token(public, path)), ("suggestion", "   ")])
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="suggestion-error"' in page and "Say what should change" in page
    assert database(session) == before


def test_a_suggestion_needs_the_csrf_token(app, session, world):
    before = database(session)
    assert app.test_client().post(f"/services/{world.service_a}/suggest", data={"suggestion": "x"}).status_code == 400
    assert database(session) == before


def test_suggestions_are_rate_limited(app, session, world):
    public = app.test_client()
    path = f"/services/{world.service_a}"
    csrf = token(public, path)
    codes = [
        post(public, f"{path}/suggest", [("csrf_token", csrf), ("suggestion", f"Idea {n}")]).status_code
        for n in range(6)
    ]
    assert codes[:5] == [303] * 5 and codes[5] == 429


def test_a_suggestion_is_closed_without_changing_the_listing(app, session, world):
    public = app.test_client()
    path = f"/services/{world.service_a}"
    post(public, f"{path}/suggest", [("csrf_token", token(public, path)), ("suggestion", "Open later")])
    moderator = signed_in(app, session, world, "moderator")
    before = service_snapshot(service(session, world.service_a))
    assert decide(moderator, pending(session).id, "approve").status_code == 303
    assert service_snapshot(service(session, world.service_a)) == before
    assert session.exec(select(ChangeRequest)).one().status == "approved"


def test_a_name_with_a_line_break_cannot_inject_mail_headers(app, session, world):
    queue_edit(app, session, world, name="Pantry\nBcc: victim@example.org")
    moderator = signed_in(app, session, world, "moderator")
    assert decide(moderator, pending(session).id, "approve").status_code == 303
    [message] = sent_mail(app)
    assert message["Bcc"] is None and message["Subject"] == "Your change to Pantry Bcc: victim@example.org was approved"


def test_marking_a_suggestion_done_says_so_rather_than_claiming_it_is_live(app, session, world):
    public = app.test_client()
    path = f"/services/{world.service_a}"
    post(public, f"{path}/suggest", [("csrf_token", token(public, path)), ("suggestion", "Now on Tuesdays")])
    change = pending(session)
    moderator = signed_in(app, session, world, "moderator")
    response = decide(moderator, change.id, "approve")
    assert response.status_code == 303
    page = moderator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marked as done." in page and "the change is live" not in page
