"""Changing listings through the JSON API: tokens scoped to the owner's organisations, the edit form's moderation, locking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from directory.auth import actor_for
from directory.models import ChangeRequest, User
from directory.operations.api_tokens import revoke_api_token
from directory.operations.moderation import decide_change

from .. import factories
from ..worlds import copied_app, database
from ..worlds import service as reload
from .rest_world import bearer, token_for


@pytest.fixture
def app(template, tmp_path):
    """An app on a copy of the two-organisation world (tests/worlds.py)."""
    yield from copied_app(template, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


def listings(session) -> dict:
    """Every table but the tokens' (whose last use a refused request may still record)."""
    return {name: rows for name, rows in database(session).items() if name != "api_token"}


def patch(client, service_id, secret=None, **fields):
    return client.patch(f"/api/services/{service_id}", json=fields, headers=bearer(secret) if secret else {})


def pending(session) -> list[ChangeRequest]:
    session.expire_all()
    return list(session.exec(select(ChangeRequest).where(ChangeRequest.status == "pending")))


# Who may change what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, target, status",
    [
        ("trusted", "service_a", 200),  # own organisation, trusted: live at once
        ("editor", "service_a", 202),  # own organisation, not yet trusted: queued
        ("editor_b", "service_a", 403),  # another organisation's service
        ("editor", "service_b", 403),
        ("outsider", "service_a", 403),  # edits no organisation
        ("moderator", "service_a", 403),  # a token carries its owner's memberships only, not moderator powers
        ("admin", "service_b", 403),
        ("unverified", "service_a", None),  # cannot create a token at all
    ],
)
def test_a_token_changes_only_its_owners_organisations_services(app, client, session, world, role, target, status):
    if status is None:
        with pytest.raises(Exception, match="Confirm your email address"):
            token_for(app, world.users[role])
        return
    secret = token_for(app, world.users[role])
    before = listings(session)
    response = patch(client, getattr(world, target), secret, version=1, summary="Fresh fruit and veg")
    assert response.status_code == status, response.get_json()
    if status == 200:
        assert (
            response.get_json()["outcome"] == "published"
            and reload(session, world.service_a).summary == "Fresh fruit and veg"
        )
    elif status == 202:
        assert (
            response.get_json()["outcome"] == "queued"
            and reload(session, world.service_a).summary != "Fresh fruit and veg"
        )
        assert [c.proposed["summary"] for c in pending(session)] == ["Fresh fruit and veg"]
    else:
        assert response.get_json()["message"] == "Your token can change only the listings of organisations you edit."
        assert listings(session) == before


@pytest.mark.parametrize("credentials", ["none", "wrong", "revoked", "expired", "cookie"])
def test_without_a_valid_token_nothing_is_written(app, client, session, world, credentials):
    headers = {}
    if credentials == "wrong":
        headers = bearer("sp_" + "x" * 43)
    elif credentials == "revoked":
        secret = token_for(app, world.users["trusted"])
        db_user = session.get(User, world.users["trusted"])
        token = revoke_api_token(session, db_user, _token_id(session, secret))
        session.commit()
        assert token.revoked_at is not None
        headers = bearer(secret)
    elif credentials == "expired":
        last_week = datetime.now(UTC) - timedelta(days=7)
        headers = bearer(
            token_for(
                app,
                world.users["trusted"],
                now=last_week,
                expires_on=(last_week + timedelta(days=2)).date().isoformat(),
            )
        )
    elif credentials == "cookie":  # a signed-in browser session never counts for the API
        factories.sign_in(client, session.get(User, world.users["trusted"]))
    before = listings(session)
    response = client.patch(
        f"/api/services/{world.service_a}", json={"version": 1, "summary": "Changed"}, headers=headers
    )
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.get_json()["message"]
    assert listings(session) == before


def _token_id(session, secret):
    from directory.models import ApiToken
    from directory.operations.api_tokens import hash_secret

    return session.exec(select(ApiToken.id).where(ApiToken.token_hash == hash_secret(secret))).one()


def test_moving_a_service_or_using_another_organisations_venue_is_refused_and_changes_nothing(
    app, client, session, world
):
    secret = token_for(app, world.users["trusted"])
    before = listings(session)
    moved = patch(client, world.service_a, secret, version=1, organisation_id=str(world.org_b))
    assert moved.status_code == 422 and "organisation_id" in moved.get_json()["errors"]
    borrowed = patch(client, world.service_a, secret, version=1, location_ids=[str(world.location_b)])
    assert borrowed.status_code == 422 and "another organisation" in borrowed.get_json()["errors"]["location_ids"][0]
    wrong_door = client.post(
        f"/api/organisations/{world.org_b}/services", json={"name": "Sneaky"}, headers=bearer(secret)
    )
    assert wrong_door.status_code == 403
    assert listings(session) == before


# The edit form's moderation ----------------------------------------------------------------------


def test_a_trusted_editors_name_change_waits_for_a_moderator_who_publishes_it(app, client, session, world):
    secret = token_for(app, world.users["trusted"])
    response = patch(client, world.service_a, secret, version=1, name="Community larder")
    assert response.status_code == 202 and response.get_json()["service"]["name"] == "Community pantry"
    change = pending(session)[0]
    assert str(change.id) == response.get_json()["change_id"] and change.submitted_by == world.users["trusted"]
    moderator = actor_for(session, session.get(User, world.users["moderator"]))
    decide_change(session, moderator, change, True, "")
    session.commit()
    live = client.get(f"/api/services/{world.service_a}").get_json()
    assert (live["name"], live["version"]) == ("Community larder", 2)
    assert world.service_a and client.get("/api/search?q=larder").get_json()["total"] == 1


def test_a_published_change_is_live_in_search_and_recorded_in_the_history(app, client, session, world):
    from directory.models import Revision

    secret = token_for(app, world.users["trusted"])
    response = patch(
        client,
        world.service_a,
        secret,
        version=1,
        summary="Fresh fruit and veg",
        schedules=[{"weekday": "TH", "opens_at": "18:00", "closes_at": "20:00"}],
    )
    body = response.get_json()
    assert response.status_code == 200 and body["service"]["version"] == 2
    assert [s["weekday"] for s in body["service"]["schedules"]] == ["TH"]
    assert body["service"]["min_age"] == 16 and body["service"]["categories"] == [
        "food/food-pantry"
    ]  # untouched fields kept
    revision = session.exec(select(Revision).where(Revision.target_id == world.service_a)).all()[-1]
    assert set(revision.changes) == {"summary", "schedules"} and revision.changed_by == world.users["trusted"]
    assert client.get("/api/search?q=veg").get_json()["total"] == 1


def test_an_edit_based_on_an_old_version_is_a_409_and_saves_nothing(app, client, session, world):
    secret = token_for(app, world.users["trusted"])
    assert patch(client, world.service_a, secret, version=1, summary="First").status_code == 200
    before = listings(session)
    stale = patch(client, world.service_a, secret, version=1, summary="Second")
    assert stale.status_code == 409
    assert "changed since version 1: it is now version 2" in stale.get_json()["message"]
    assert listings(session) == before and reload(session, world.service_a).summary == "First"


def test_sending_the_same_facts_saves_nothing(app, client, session, world):
    secret = token_for(app, world.users["trusted"])
    before = listings(session)
    response = patch(client, world.service_a, secret, version=1, phone="0141 555 0100")
    assert response.status_code == 200 and response.get_json()["outcome"] == "unchanged"
    assert listings(session) == before


def test_a_new_service_waits_for_a_moderator_and_its_change_tells_the_editor_the_outcome(app, client, session, world):
    secret = token_for(app, world.users["trusted"])
    sent = client.post(
        f"/api/organisations/{world.org_a}/services",
        headers=bearer(secret),
        json={
            "name": "Cookery class",
            "summary": "Cook on a budget",
            "categories": ["food/cooking-skills"],
            "location_ids": [str(world.location_a)],
            "schedules": [{"weekday": "WE", "opens_at": "13:00", "closes_at": "15:00"}],
        },
    )
    assert sent.status_code == 202, sent.get_json()
    assert sent.get_json()["outcome"] == "queued" and sent.get_json()["service"] is None
    change_url = f"/api/changes/{sent.get_json()['change_id']}"
    waiting = client.get(change_url, headers=bearer(secret)).get_json()
    assert (waiting["kind"], waiting["status"], waiting["service_id"]) == ("create", "pending", None)
    assert client.get("/api/search?q=cookery").get_json()["total"] == 0

    moderator = actor_for(session, session.get(User, world.users["moderator"]))
    decide_change(session, moderator, pending(session)[0], True, "")
    session.commit()
    decided = client.get(change_url, headers=bearer(secret)).get_json()
    assert decided["status"] == "approved"
    made = client.get(f"/api/services/{decided['service_id']}").get_json()
    assert made["name"] == "Cookery class" and made["schedules"][0]["weekday"] == "WE"
    assert client.get(change_url, headers=bearer(token_for(app, world.users["editor_b"]))).status_code == 404


def test_confirming_a_listing_is_still_correct(app, client, session, world):
    response = client.post(
        f"/api/services/{world.service_a}/confirm", headers=bearer(token_for(app, world.users["editor"]))
    )
    assert response.status_code == 200 and response.get_json()["verification_method"] == "owner"
    assert reload(session, world.service_a).verified_by == "Sam Editor"


# Bad input is a JSON message, never a 500 ----------------------------------------------------------


@pytest.mark.parametrize(
    "body, status, field, message",
    [
        ({"summary": "x"}, 422, "version", "current version"),
        ({"version": "1", "summary": "x"}, 422, "version", "as a number"),
        ({"version": 1, "verified_by": "me"}, 422, "verified_by", "Unknown field"),
        ({"version": 1, "min_age": 200}, 422, "min_age", "between 0 and 120"),
        ({"version": 1, "min_age": 60, "max_age": 20}, 422, "max_age", "must not be above"),
        ({"version": 1, "schedules": [{"weekday": "XX"}]}, 422, "schedules.0.weekday", "is not one of"),
        ({"version": 1, "schedules": "every tuesday"}, 422, "schedules", "Not a valid list"),
        ({"version": 1, "categories": ["food/nonsense"]}, 422, "categories", "Unknown category"),
        ({"version": 1, "name": ""}, 422, "name", "This is required, in up to 200 characters."),
        ({"version": 1, "name": "x" * 201}, 422, "name", "Keep this to 200 characters or fewer (it has 201)."),
        ({"version": 1, "description": "x" * 10_001}, 422, "description", "Keep this to 10,000 characters or fewer"),
        ({"version": 1, "website": "javascript:alert(1)"}, 422, "website", "not a web address"),
        ({"version": 1, "location_ids": ["not-a-uuid"]}, 422, "location_ids.0", "Not a valid UUID"),
        ({"version": 1, "cost_min": "lots"}, 422, "cost_min", "Not a valid number"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_saves_nothing(
    app, client, session, world, body, status, field, message
):
    secret = token_for(app, world.users["trusted"])
    before = listings(session)
    response = client.patch(f"/api/services/{world.service_a}", json=body, headers=bearer(secret))
    assert response.status_code == status, response.get_json()
    assert message in " ".join(response.get_json()["errors"][field]), response.get_json()
    assert listings(session) == before


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("summary=x", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(app, client, world, data, content_type):
    secret = token_for(app, world.users["trusted"])
    response = client.patch(
        f"/api/services/{world.service_a}", data=data, content_type=content_type, headers=bearer(secret)
    )
    assert response.status_code == 400 and "JSON object" in response.get_json()["message"]


def test_any_json_body_gets_an_answer_not_a_500(app, client, session, world):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from directory.api.rest_write import WRITABLE

    secret = token_for(app, world.users["trusted"])
    scalars = (
        st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=30)
    )
    values = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
        max_leaves=8,
    )
    bodies = st.dictionaries(st.sampled_from(sorted(WRITABLE | {"version", "id"})), values, max_size=4)

    @settings(max_examples=60, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(body=bodies)
    def check(body):
        response = patch(client, world.service_a, secret, **body)
        assert response.status_code in (200, 202, 400, 409, 422), (body, response.get_data(as_text=True)[:300])
        assert response.is_json

    check()


@pytest.mark.parametrize("role", ["editor_b", "outsider", "moderator"])
def test_confirming_or_adding_to_another_organisation_is_refused_and_changes_nothing(app, client, session, world, role):
    secret = token_for(app, world.users[role])
    before = listings(session)
    confirm = client.post(f"/api/services/{world.service_a}/confirm", headers=bearer(secret))
    create = client.post(f"/api/organisations/{world.org_a}/services", headers=bearer(secret), json={"name": "Sneaky"})
    assert (confirm.status_code, create.status_code) == (403, 403)
    assert listings(session) == before
