"""The change engine: approving applies only a change's own fields, conflicts are settled per field,
an editor's second edit updates their waiting change, and every version, the first included, is restorable."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from directory.auth import actor_for
from directory.demo import load_demo
from directory.models import ChangeRequest, Location, Organisation, Revision, Service, User
from directory.operations import imports, validate
from directory.operations.changes import restore_revision
from directory.operations.history import list_history
from directory.operations.moderation import decide_change, submit_service_change
from directory.operations.organisations import submit_listing_change
from directory.operations.snapshots import listing_snapshot, service_snapshot
from directory.permissions import SYSTEM
from directory.schemas.listing import LocationInput, OrganisationInput, ServiceInput

from . import factories
from .api.rest_world import bearer, token_for
from .worlds import (
    changed,
    copied_app,
    edit_form,
    post,
    post_edit,
    service,
    signed_in,
    token,
)


@pytest.fixture
def app(template, tmp_path):
    """An app on a copy of the two-organisation world (tests/worlds.py)."""
    yield from copied_app(template, tmp_path)


NOW = datetime(2031, 5, 6, 9, 30, 15, tzinfo=UTC)
LATER = datetime(2031, 5, 7, 11, 0, tzinfo=UTC)


def second_editor(app, session, world):
    """Another untrusted editor of organisation A, signed in."""
    account = factories.user(
        session,
        "volunteer@pantry.example.org",
        organisations=[session.get(Organisation, world.org_a)],
        name="Val Volunteer",
    )
    session.commit()
    client = app.test_client()
    factories.sign_in(client, account)
    return client


def pending(session) -> list[ChangeRequest]:
    session.expire_all()
    query = select(ChangeRequest).where(ChangeRequest.status == "pending").order_by(ChangeRequest.submitted_at)
    return list(session.exec(query))


def decide(client, change_id, **fields):
    path = f"/moderate/changes/{change_id}"
    return post(client, path, [("csrf_token", token(client, path)), *fields.items()])


def two_edits_from_the_same_version(app, session, world, first: dict, second: dict) -> list[ChangeRequest]:
    """Two editors open service A at the same version; both send their changes for review."""
    one = signed_in(app, session, world, "editor")
    two = second_editor(app, session, world)
    form_one, form_two = edit_form(one, world.service_a), edit_form(two, world.service_a)
    assert post_edit(one, world.service_a, changed(form_one, **first)).status_code == 303
    assert post_edit(two, world.service_a, changed(form_two, **second)).status_code == 303
    return pending(session)


# Three-way merge ---------------------------------------------------------------------------------


def test_two_queued_edits_to_different_fields_are_both_kept_when_approved(app, session, world):
    first, second = two_edits_from_the_same_version(
        app, session, world, {"cost_description": "£2 a bag"}, {"summary": "Cheap groceries"}
    )
    moderator = signed_in(app, session, world, "moderator")
    assert decide(moderator, first.id, decision="approve").status_code == 303
    page = moderator.get(f"/moderate/changes/{second.id}").get_data(as_text=True)
    assert re.findall(r'<tr><th scope="row">([^<]+)', page) == ["Summary"] and 'name="choice-' not in page
    assert decide(moderator, second.id, decision="approve").status_code == 303
    live = service(session, world.service_a)
    assert (live.cost_description, live.summary, live.version) == ("£2 a bag", "Cheap groceries", 3)


def test_a_field_changed_since_is_offered_per_field_and_the_moderators_pick_is_applied(app, session, world):
    first, second = two_edits_from_the_same_version(
        app, session, world, {"summary": "Groceries at cost"}, {"summary": "Cheap groceries", "phone": "0141 555 0999"}
    )
    moderator = signed_in(app, session, world, "moderator")
    assert decide(moderator, first.id, decision="approve").status_code == 303

    page = moderator.get(f"/moderate/changes/{second.id}").get_data(as_text=True)
    assert 'name="choice-summary"' in page and 'name="choice-phone"' not in page
    assert (
        "Low-cost food shop" in page and "Groceries at cost" in page and "Cheap groceries" in page
    )  # base, live, proposed

    refused = decide(moderator, second.id, decision="approve")
    assert refused.status_code == 400
    assert "Summary: This changed since the editor started" in refused.get_data(as_text=True)
    assert service(session, world.service_a).phone == "0141 555 0100"  # nothing half-written

    assert decide(moderator, second.id, decision="approve", **{"choice-summary": "live"}).status_code == 303
    live = service(session, world.service_a)
    assert (live.summary, live.phone) == ("Groceries at cost", "0141 555 0999")


def test_the_moderator_may_pick_the_proposed_value_of_a_conflicting_field(app, session, world):
    first, second = two_edits_from_the_same_version(
        app, session, world, {"summary": "Groceries at cost"}, {"summary": "Cheap groceries"}
    )
    moderator = actor_for(session, session.get(User, world.users["moderator"]))
    decide_change(session, moderator, first, True, "", NOW)
    decide_change(session, moderator, second, True, "", NOW, choices={"summary": "proposed"})
    assert service(session, world.service_a).summary == "Cheap groceries"


# An editor's own waiting change ------------------------------------------------------------------


def test_an_editors_second_edit_updates_their_waiting_change(app, session, world):
    editor = signed_in(app, session, world, "editor")
    assert (
        post_edit(
            editor, world.service_a, changed(edit_form(editor, world.service_a), summary="Cheap groceries")
        ).status_code
        == 303
    )
    form = edit_form(editor, world.service_a)
    assert dict(form)["summary"] == "Cheap groceries"  # the form starts from their waiting change
    assert post_edit(editor, world.service_a, changed(form, phone="0141 555 0999")).status_code == 303

    (change,) = pending(session)
    assert change.field_names == ["summary", "phone"]
    decide_change(session, actor_for(session, session.get(User, world.users["moderator"])), change, True, "", NOW)
    live = service(session, world.service_a)
    assert (live.summary, live.phone, live.version) == ("Cheap groceries", "0141 555 0999", 2)


def test_an_editor_who_puts_everything_back_withdraws_their_waiting_change(app, session, world):
    editor = signed_in(app, session, world, "editor")
    post_edit(editor, world.service_a, changed(edit_form(editor, world.service_a), summary="Cheap groceries"))
    response = post_edit(
        editor, world.service_a, changed(edit_form(editor, world.service_a), summary="Low-cost food shop")
    )
    assert response.status_code == 303 and pending(session) == []
    change = session.exec(select(ChangeRequest)).one()
    assert change.status == "rejected" and change.note.startswith("Withdrawn")


def test_an_editors_second_edit_of_a_venue_updates_their_waiting_change(session, world):
    editor = actor_for(session, session.get(User, world.users["editor"]))
    organisation, venue = session.get(Organisation, world.org_a), session.get(Location, world.location_a)
    values = listing_snapshot(venue)
    submit_listing_change(session, editor, "location", organisation, venue, values | {"travel_notes": "Bus 61"}, 1, NOW)
    submit_listing_change(
        session,
        editor,
        "location",
        organisation,
        venue,
        values | {"travel_notes": "Bus 61", "accessibility": "Ramp"},
        1,
        NOW,
    )
    (change,) = pending(session)
    assert sorted(change.field_names) == ["accessibility", "travel_notes"]


# Every version restorable ------------------------------------------------------------------------


def restore_first(session, world, target_type, target_id):
    """Restore a listing's oldest revision as a moderator; returns the revisions, newest first."""
    actor = actor_for(session, session.get(User, world.users["moderator"]))
    oldest = list_history(session, actor, target_type, target_id)[-1]
    restore_revision(session, actor, oldest, datetime(2031, 6, 1, tzinfo=UTC))
    return list_history(session, actor, target_type, target_id)


def test_the_first_version_of_a_demo_service_and_organisation_is_restorable(session, world, tmp_path):
    demo = {
        "organisations": [
            {
                "key": "pantry",
                "name": "Demo Pantry",
                "description": "First words",
                "locations": [{"key": "hub", "name": "Hub", "postcode": "G31 4QH", "location_type": "physical"}],
                "services": [{"name": "Demo pantry", "summary": "Original summary", "locations": ["hub"]}],
            }
        ]
    }
    (tmp_path / "demo.json").write_text(json.dumps(demo))
    load_demo(session, date(2031, 5, 1), tmp_path / "demo.json")
    service_row = session.exec(select(Service).where(Service.name == "Demo pantry")).one()
    organisation = service_row.organisation
    assert [r.source for r in session.exec(select(Revision).where(Revision.target_id == service_row.id))] == ["demo"]

    submit_service_change(
        session, SYSTEM, organisation, service_row, service_snapshot(service_row) | {"summary": "Later"}, 1, LATER
    )
    submit_listing_change(
        session,
        SYSTEM,
        "organisation",
        organisation,
        organisation,
        {"name": "Demo Pantry", "description": "Later words"},
        1,
        LATER,
    )
    history = restore_first(session, world, "service", service_row.id)
    assert [r.source for r in history] == ["restore", "system", "demo"]
    assert session.get(Service, service_row.id).summary == "Original summary"
    restore_first(session, world, "organisation", organisation.id)
    assert session.get(Organisation, organisation.id).description == "First words"


def test_the_first_version_of_an_imported_listing_is_restorable(session, world):
    new = imports.NewRows()
    organisation = imports.add_organisation(
        session,
        SYSTEM,
        new,
        validate(OrganisationInput(), {"name": "Imported Trust", "description": "As imported"}),
        "sheet",
        "1",
        NOW,
    )
    owner = type("Owner", (), {"id": organisation.id})()  # add_location and add_service need only the owner's id
    venue = imports.add_location(
        session,
        SYSTEM,
        new,
        owner,
        validate(LocationInput(), {"name": "Imported hall", "postcode": "G31 4QH"})
        | {"latitude": 55.85, "longitude": -4.2},
        "sheet",
        "1",
        NOW,
    )
    added = imports.add_service(
        session,
        SYSTEM,
        new,
        owner,
        validate(ServiceInput(), {"name": "Imported club", "summary": "As imported", "location_ids": [str(venue.id)]}),
        [],
        "sheet",
        "1",
        NOW,
    )
    new.flush(session)
    imported = session.get(Service, added.id)
    submit_service_change(
        session, SYSTEM, imported.organisation, imported, service_snapshot(imported) | {"summary": "Edited"}, 1, LATER
    )
    restore_first(session, world, "service", imported.id)
    assert session.get(Service, imported.id).summary == "As imported"
    trust = session.get(Organisation, organisation.id)
    submit_listing_change(
        session, SYSTEM, "organisation", trust, trust, {"name": "Imported Trust", "description": "Edited"}, 1, LATER
    )
    restore_first(session, world, "organisation", trust.id)
    assert session.get(Organisation, trust.id).description == "As imported"
    assert [r.source for r in list_history(session, SYSTEM, "location", venue.id)] == ["import"]


def test_the_first_version_of_a_service_created_through_the_api_is_restorable(app, session, world):
    client, secret = app.test_client(), token_for(app, world.users["trusted"])
    sent = client.post(
        f"/api/organisations/{world.org_a}/services",
        headers=bearer(secret),
        json={"name": "New club", "summary": "First"},
    )
    assert sent.status_code == 202, sent.get_json()
    (change,) = pending(session)
    created_at = datetime(
        2020, 1, 1, tzinfo=UTC
    )  # before the API's own edit below, which takes the time of the request
    decide_change(
        session, actor_for(session, session.get(User, world.users["moderator"])), change, True, "", created_at
    )
    session.commit()
    patched = client.patch(
        f"/api/services/{change.target_id}", headers=bearer(secret), json={"version": 1, "summary": "Second"}
    )
    assert patched.status_code == 200, patched.get_json()
    session.expire_all()
    history = restore_first(session, world, "service", change.target_id)
    assert session.get(Service, change.target_id).summary == "First" and len(history) == 3


def test_history_shows_times_to_the_second_and_offers_the_first_version(app, session, world):
    live = service(session, world.service_a)
    submit_service_change(
        session, SYSTEM, live.organisation, live, service_snapshot(live) | {"summary": "Later"}, 1, NOW
    )
    session.commit()
    moderator = signed_in(app, session, world, "moderator")
    page = moderator.get(f"/moderate/services/{world.service_a}/history").get_data(as_text=True)
    assert "09:30:15 UTC" in page
