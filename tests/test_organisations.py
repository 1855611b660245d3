"""Organisations and venues: editing through moderation, new organisations, archiving, history and restore."""

from __future__ import annotations

import pytest
from sqlmodel import select

from directory.models import ChangeRequest, Location, Membership, Organisation, Revision, Service

from .worlds import (
    changed,
    copied_app,
    database,
    errors_on,
    post,
    read_form,
    sent_mail,
    signed_in,
    token,
)


@pytest.fixture
def app(template, tmp_path):
    """An app on a copy of the two-organisation world (tests/worlds.py)."""
    yield from copied_app(template, tmp_path)


def form(client, path: str) -> list[tuple[str, str]]:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return read_form(page.get_data(as_text=True), path)


def submit(client, path: str, **values):
    """Read the form at path, change some values and post it back."""
    return post(client, path, changed(form(client, path), **values))


def fresh(session, model, record_id):
    session.expire_all()
    return session.get(model, record_id)


def pending(session) -> ChangeRequest:
    session.expire_all()
    return session.exec(select(ChangeRequest).where(ChangeRequest.status == "pending")).one()


def decide(client, change_id, decision, note=""):
    path = f"/moderate/changes/{change_id}"
    return post(client, path, [("csrf_token", token(client, path)), ("decision", decision), ("note", note)])


def org_path(world) -> str:
    return f"/manage/organisations/{world.org_a}/edit"


def venue_path(world) -> str:
    return f"/manage/locations/{world.location_a}/edit"


# Organisation details ---------------------------------------------------------------------------


def test_an_untrusted_editors_change_to_the_details_waits_for_a_moderator(app, session, world):
    editor = signed_in(app, session, world, "editor")
    assert submit(editor, org_path(world), phone="0141 555 0199").status_code == 303
    assert fresh(session, Organisation, world.org_a).phone is None
    change = pending(session)
    assert (change.target_type, change.kind, change.target_id) == ("organisation", "update", world.org_a)

    moderator = signed_in(app, session, world, "moderator")
    review = moderator.get(f"/moderate/changes/{change.id}").get_data(as_text=True)
    assert "Phone" in review and "0141 555 0199" in review and "Description" not in review
    assert decide(moderator, change.id, "approve").status_code == 303
    live = fresh(session, Organisation, world.org_a)
    assert (live.phone, live.version) == ("0141 555 0199", 2)
    assert "approved" in sent_mail(app)[-1]["Subject"]


def test_a_trusted_editor_publishes_details_at_once_but_a_new_name_is_reviewed(app, session, world):
    trusted = signed_in(app, session, world, "trusted")
    assert submit(trusted, org_path(world), website="pantry.example.org").status_code == 303
    live = fresh(session, Organisation, world.org_a)
    assert live.website == "https://pantry.example.org" and live.version == 2
    revision = session.exec(select(Revision).where(Revision.target_id == world.org_a)).one()
    assert (
        revision.changes == {"website": [None, "https://pantry.example.org"]}
        and revision.changed_by_name == "Tess Trusted"
    )

    assert submit(trusted, org_path(world), name="Parkhead Food Trust").status_code == 303
    assert fresh(session, Organisation, world.org_a).name == "Parkhead Pantry Trust"
    assert pending(session).proposed["name"] == "Parkhead Food Trust"


def test_bad_details_are_refused_with_a_message_on_the_field(app, session, world):
    editor = signed_in(app, session, world, "moderator")
    before = database(session)
    response = submit(editor, org_path(world), name="", email="not an address", website="javascript:alert(1)")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and database(session) == before
    errors = errors_on(page)
    assert errors["name"] == "This is required."
    assert "is not an email address" in errors["email"] and "is not a web address" in errors["website"]
    assert 'value="not an address"' in page and 'href="javascript' not in page


def test_an_edit_based_on_an_older_version_of_the_details_is_refused(app, session, world):
    editor = signed_in(app, session, world, "moderator")
    pairs = form(editor, org_path(world))
    assert post(editor, org_path(world), changed(pairs, phone="0141 555 0101")).status_code == 303
    before = database(session)
    response = post(editor, org_path(world), changed(pairs, phone="0141 555 0102"))
    assert response.status_code == 409 and "changed while you were editing" in response.get_data(as_text=True)
    assert database(session) == before


# Venues -----------------------------------------------------------------------------------------


def test_an_editor_adds_a_venue_placed_by_its_postcode_after_review(app, session, world):
    editor = signed_in(app, session, world, "editor")
    path = f"/manage/organisations/{world.org_a}/locations/new"
    response = submit(
        editor,
        path,
        name="Shettleston Hall",
        address_1="2 Main Street",
        postcode="g32 7ab",
        accessibility="Step-free; hearing loop",
        wheelchair_accessible="true",
    )
    assert response.status_code == 303
    change = pending(session)
    assert (change.target_type, change.kind, change.proposed["postcode"]) == ("location", "create", "G32 7AB")
    assert decide(signed_in(app, session, world, "moderator"), change.id, "approve").status_code == 303
    venue = session.exec(select(Location).where(Location.name == "Shettleston Hall")).one()
    assert venue.organisation_id == world.org_a and venue.wheelchair_accessible is True
    assert venue.latitude and 55.8 < venue.latitude < 55.9 and venue.accessibility == "Step-free; hearing loop"


def test_a_venue_postcode_is_checked_through_geography(app, session, world):
    moderator = signed_in(app, session, world, "moderator")
    before = database(session)
    for postcode, message in (
        ("G31", "only part of a postcode"),
        ("hello", "is not a UK postcode"),
        ("ZZ99 9ZZ", "not one we know"),
    ):
        response = submit(moderator, venue_path(world), postcode=postcode)
        assert response.status_code == 400 and message in errors_on(response.get_data(as_text=True))["postcode"], (
            postcode
        )
    assert database(session) == before


def test_a_confidential_venue_keeps_only_its_postcode_district(app, session, world):
    moderator = signed_in(app, session, world, "moderator")
    response = submit(moderator, venue_path(world), address_1="1 Hidden Lane", postcode="G40 1AT", confidential="true")
    assert response.status_code == 303
    venue = fresh(session, Location, world.location_a)
    assert (venue.confidential, venue.postcode, venue.address_1, venue.geocode_source) == (
        True,
        "G40",
        None,
        "district",
    )
    # A district alone is refused for a venue whose address is not confidential, with the way out named.
    response = submit(moderator, venue_path(world), postcode="G40", confidential="false")
    assert (
        response.status_code == 400
        and "mark the address confidential" in errors_on(response.get_data(as_text=True))["postcode"]
    )


def test_a_venue_with_no_uk_postcode_is_kept_off_the_map(app, session, world):
    moderator = signed_in(app, session, world, "moderator")
    abroad = dict(address_1="12 Rue Haute", address_2="1000 Bruxelles, BE", town="Brussels", postcode="")
    response = submit(moderator, venue_path(world), not_on_map="true", **abroad)
    assert response.status_code == 303
    venue = fresh(session, Location, world.location_a)
    assert (venue.not_on_map, venue.postcode, venue.latitude, venue.town) == (True, None, None, "Brussels")
    # A UK postcode contradicts "not on the map"; without the answer, a venue still needs its postcode.
    response = submit(moderator, venue_path(world), not_on_map="true", **dict(abroad, postcode="G40 1AT"))
    assert response.status_code == 400 and "is on the map" in errors_on(response.get_data(as_text=True))["postcode"]
    response = submit(moderator, venue_path(world), not_on_map="false", **abroad)
    assert response.status_code == 400 and "needs a postcode" in errors_on(response.get_data(as_text=True))["postcode"]
    # A refuge is found by its district: it cannot also be off the map, and the message says which answer to change.
    response = submit(moderator, venue_path(world), not_on_map="true", confidential="true", **abroad)
    assert response.status_code == 400 and "answer Yes" in errors_on(response.get_data(as_text=True))["not_on_map"]


def test_a_moderator_moves_a_venue_and_it_is_placed_again(app, session, world):
    moderator = signed_in(app, session, world, "moderator")
    old = fresh(session, Location, world.location_a)
    old_point = (old.latitude, old.longitude)
    assert submit(moderator, venue_path(world), postcode="G40 1AT", travel_notes="Bus 64").status_code == 303
    venue = fresh(session, Location, world.location_a)
    assert venue.postcode == "G40 1AT" and (venue.latitude, venue.longitude) != old_point and venue.version == 2


def test_a_venue_name_change_from_a_trusted_editor_is_reviewed(app, session, world):
    trusted = signed_in(app, session, world, "trusted")
    assert submit(trusted, venue_path(world), name="The Hub").status_code == 303
    assert fresh(session, Location, world.location_a).name == "Parkhead Hub"
    assert pending(session).target_type == "location"


# New organisations ------------------------------------------------------------------------------


def test_a_proposed_organisation_is_created_on_approval_and_the_proposer_edits_it(app, session, world):
    outsider = signed_in(app, session, world, "outsider")
    assert (
        submit(outsider, "/organisations/new", name="Tollcross Men's Shed", email="shed@example.org").status_code == 303
    )
    assert session.exec(select(Organisation).where(Organisation.name == "Tollcross Men's Shed")).first() is None
    assert "waiting for a moderator" in outsider.get("/manage").get_data(as_text=True)
    change = pending(session)
    assert (change.target_type, change.kind, change.organisation_id) == ("organisation", "create", None)
    assert "New organisation to review" in sent_mail(app)[-1]["Subject"]

    moderator = signed_in(app, session, world, "moderator")
    assert "New organisation" in moderator.get("/moderate/changes").get_data(as_text=True)
    assert decide(moderator, change.id, "approve").status_code == 303
    created = session.exec(select(Organisation).where(Organisation.name == "Tollcross Men's Shed")).one()
    assert session.get(Membership, (world.users["outsider"], created.id)) is not None
    mail = sent_mail(app)[-1]
    assert mail["To"] == "someone@example.org" and "You now edit its listings" in mail.get_payload(decode=True).decode()
    assert "Tollcross Men" in outsider.get("/manage").get_data(as_text=True)


def test_a_rejected_organisation_is_not_created_and_the_proposer_is_told_why(app, session, world):
    outsider = signed_in(app, session, world, "outsider")
    assert submit(outsider, "/organisations/new", name="Duplicate Pantry").status_code == 303
    moderator = signed_in(app, session, world, "moderator")
    assert (
        decide(moderator, pending(session).id, "reject", "Already listed as Parkhead Pantry Trust").status_code == 303
    )
    assert session.exec(select(Organisation).where(Organisation.name == "Duplicate Pantry")).first() is None
    mail = sent_mail(app)[-1]
    assert "not approved" in mail["Subject"] and "Already listed" in mail.get_payload(decode=True).decode()


def test_an_unverified_account_cannot_propose_an_organisation(app, session, world):
    client = signed_in(app, session, world, "unverified")
    before = database(session)
    response = client.get("/organisations/new")
    assert response.status_code == 403 and "Confirm your email address" in response.get_data(as_text=True)
    csrf = token(client, "/account")
    assert post(client, "/organisations/new", [("csrf_token", csrf), ("name", "X")]).status_code == 403
    assert database(session) == before


def test_a_proposal_without_a_name_is_refused(app, session, world):
    client = signed_in(app, session, world, "outsider")
    response = submit(client, "/organisations/new", name="  ")
    assert response.status_code == 400 and "name" in errors_on(response.get_data(as_text=True))


# Archiving --------------------------------------------------------------------------------------


def test_archiving_an_organisation_takes_its_services_out_and_a_moderator_brings_it_back(app, session, world):
    editor = signed_in(app, session, world, "editor")
    csrf = dict(form(editor, org_path(world)))["csrf_token"]
    public = app.test_client()
    assert "Community pantry" in public.get("/search?q=pantry").get_data(as_text=True)
    response = post(
        editor,
        f"/manage/organisations/{world.org_a}/archive",
        [("csrf_token", csrf), ("archive_reason", "Closed down")],
    )
    assert response.status_code == 303
    assert fresh(session, Organisation, world.org_a).archive_reason == "Closed down"
    assert public.get(f"/organisations/{world.org_a}").status_code == 410
    assert public.get(f"/services/{world.service_a}").status_code == 410
    assert "Community pantry" not in public.get("/search?q=pantry").get_data(as_text=True)

    assert post(editor, f"/moderate/organisations/{world.org_a}/unarchive", [("csrf_token", csrf)]).status_code == 403
    moderator = signed_in(app, session, world, "moderator")
    response = post(
        moderator, f"/moderate/organisations/{world.org_a}/unarchive", [("csrf_token", token(moderator, "/admin"))]
    )
    assert response.status_code == 303
    assert fresh(session, Organisation, world.org_a).archived_at is None
    assert "Community pantry" in public.get("/search?q=pantry").get_data(as_text=True)
    history = moderator.get(f"/moderate/organisations/{world.org_a}/history").get_data(as_text=True)
    assert history.count("Closed down") >= 2  # archived, then brought back: both recorded


def test_a_venue_still_used_by_a_service_cannot_be_archived(app, session, world):
    editor = signed_in(app, session, world, "editor")
    csrf = dict(form(editor, venue_path(world)))["csrf_token"]
    before = database(session)
    response = post(
        editor, f"/manage/locations/{world.location_a}/archive", [("csrf_token", csrf), ("archive_reason", "Moved")]
    )
    assert response.status_code == 400 and "Community pantry" in response.get_data(as_text=True)
    assert database(session) == before


def test_an_unused_venue_is_archived_with_a_reason_and_no_longer_editable(app, session, world):
    editor = signed_in(app, session, world, "editor")
    library = session.exec(select(Location).where(Location.name == "Parkhead Library")).one()
    path = f"/manage/locations/{library.id}"
    csrf = dict(form(editor, f"{path}/edit"))["csrf_token"]
    response = post(editor, f"{path}/archive", [("csrf_token", csrf), ("archive_reason", "")])
    assert response.status_code == 400 and "Give a reason" in response.get_data(as_text=True)
    assert (
        post(editor, f"{path}/archive", [("csrf_token", csrf), ("archive_reason", "Library closed")]).status_code == 303
    )
    assert fresh(session, Location, library.id).archive_reason == "Library closed"
    assert editor.get(f"{path}/edit").status_code == 410


def test_a_moderator_brings_back_an_archived_service(app, session, world):
    editor = signed_in(app, session, world, "editor")
    csrf = token(editor, f"/manage/services/{world.service_a}/edit")
    post(editor, f"/manage/services/{world.service_a}/archive", [("csrf_token", csrf), ("archive_reason", "Paused")])
    moderator = signed_in(app, session, world, "moderator")
    history = moderator.get(f"/moderate/services/{world.service_a}/history").get_data(as_text=True)
    assert "Bring this service back" in history
    csrf = token(moderator, "/admin")
    assert post(moderator, f"/moderate/services/{world.service_a}/unarchive", [("csrf_token", csrf)]).status_code == 303
    assert fresh(session, Service, world.service_a).archived_at is None


# History and restore ----------------------------------------------------------------------------


def test_organisation_history_shows_who_when_which_fields_and_restores(app, session, world):
    moderator = signed_in(app, session, world, "moderator")
    submit(moderator, org_path(world), description="First words")
    submit(moderator, org_path(world), description="Second words", phone="0141 555 0123")
    page = moderator.get(f"/moderate/organisations/{world.org_a}/history").get_data(as_text=True)
    assert (
        "Mo Derator" in page and "About the organisation" in page and "First words" in page and "Second words" in page
    )
    oldest = session.exec(
        select(Revision).where(Revision.target_id == world.org_a).order_by(Revision.changed_at)
    ).first()
    response = post(moderator, f"/moderate/revisions/{oldest.id}/restore", [("csrf_token", token(moderator, "/admin"))])
    assert response.status_code == 303
    live = fresh(session, Organisation, world.org_a)
    assert (live.description, live.phone, live.version) == ("First words", None, 4)
    assert session.exec(select(Revision).where(Revision.target_id == world.org_a, Revision.source == "restore")).one()


def test_venue_history_and_restore(app, session, world):
    moderator = signed_in(app, session, world, "moderator")
    submit(moderator, venue_path(world), accessibility="Ramp at the side door")
    submit(moderator, venue_path(world), accessibility="Lift to all floors")
    revisions = session.exec(
        select(Revision).where(Revision.target_id == world.location_a).order_by(Revision.changed_at)
    ).all()
    page = moderator.get(f"/moderate/locations/{world.location_a}/history").get_data(as_text=True)
    assert "Accessibility" in page and "Ramp at the side door" in page
    csrf = token(moderator, "/admin")
    assert post(moderator, f"/moderate/revisions/{revisions[0].id}/restore", [("csrf_token", csrf)]).status_code == 303
    assert fresh(session, Location, world.location_a).accessibility == "Ramp at the side door"
    response = post(moderator, f"/moderate/revisions/{revisions[0].id}/restore", [("csrf_token", csrf)])
    assert response.status_code == 400 and "already matches" in response.get_data(as_text=True)


def test_editors_do_not_see_history(app, session, world):
    editor = signed_in(app, session, world, "editor")
    assert editor.get(f"/moderate/organisations/{world.org_a}/history").status_code == 403
    assert editor.get(f"/moderate/locations/{world.location_a}/history").status_code == 403


def test_the_dashboard_links_to_details_venues_and_proposing(app, session, world):
    page = signed_in(app, session, world, "editor").get("/manage").get_data(as_text=True)
    assert f"/manage/organisations/{world.org_a}/edit" in page and f"/manage/locations/{world.location_a}/edit" in page
    assert f"/manage/organisations/{world.org_a}/locations/new" in page and "/organisations/new" in page
    assert f"/manage/organisations/{world.org_b}/edit" not in page
