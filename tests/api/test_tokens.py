"""Personal API tokens on the account page: created with a name and optional last day, shown once, stored hashed, revoked."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from directory.models import ApiToken
from directory.operations import InputError
from directory.operations.api_tokens import MAX_ACTIVE_TOKENS, authenticate, create_api_token

from .. import factories
from ..conftest import stop_clock
from .rest_world import bearer

SECRET = re.compile(r'id="new-token-value" type="text" readonly value="(sp_[A-Za-z0-9_-]+)"')


@pytest.fixture
def editor(app, session):
    org = factories.organisation(session)
    account = factories.user(session, "editor@pantry.example.org", organisations=[org])
    service = factories.service(session, org)
    session.commit()
    return account, service


def csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").get_data(as_text=True)).group(1)


def create(client, name="Our website", expires_on=""):
    return client.post(
        "/account/tokens", data={"csrf_token": csrf(client), "token_name": name, "token_expires_on": expires_on}
    )


def test_a_token_is_shown_once_stored_only_as_its_hash_and_works(app, client, session, editor):
    account, service = editor
    factories.sign_in(client, account)
    response = create(client, "Events feed")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(page).group(1)
    assert len(secret) > 40 and "copy it now" in page
    stored = session.exec(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest() and stored.name == "Events feed"
    assert secret not in repr(stored.model_dump()) and stored.prefix == secret[:10]

    again = client.get("/account").get_data(as_text=True)
    assert (
        secret not in again
        and "Events feed" in again
        and stored.prefix in again
        and "last used never" in again
        and "does not expire" in again
    )

    used = client.get(f"/api/services/{service.id}", headers=bearer(secret))
    assert used.status_code == 200
    session.expire_all()
    assert session.get(ApiToken, stored.id).last_used_at is not None
    assert "last used today" in client.get("/account").get_data(as_text=True)


def test_a_refused_request_still_records_that_the_token_was_used(app, client, session, editor):
    account, service = editor
    _token, secret = create_api_token(session, account, {"name": "Feed", "expires_on": ""})
    session.commit()
    refused = client.patch(f"/api/services/{service.id}", json={"version": 1, "name": ""}, headers=bearer(secret))
    assert refused.status_code == 422
    session.expire_all()
    assert session.exec(select(ApiToken)).one().last_used_at is not None


def test_revoking_stops_the_token_at_once(app, client, session, editor):
    account, service = editor
    factories.sign_in(client, account)
    secret = SECRET.search(create(client).get_data(as_text=True)).group(1)
    token = session.exec(select(ApiToken)).one()
    revoked = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf(client)})
    assert revoked.status_code == 303
    assert "is revoked" in client.get("/account").get_data(as_text=True)
    response = client.get(f"/api/services/{service.id}", headers=bearer(secret))
    assert response.status_code == 401 and "revoked" in response.get_json()["message"]


def test_someone_elses_token_cannot_be_revoked(app, client, session, editor):
    account, _ = editor
    other = factories.user(session, "other@example.org")
    session.commit()
    _token, _ = create_api_token(session, other, {"name": "Theirs"})
    session.commit()
    factories.sign_in(client, account)
    response = client.post(f"/account/tokens/{_token.id}/revoke", data={"csrf_token": csrf(client)})
    assert response.status_code == 404 and "not yours" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(ApiToken, _token.id).revoked_at is None


def test_a_token_stops_working_on_its_last_day(app, session, editor):
    account, _ = editor
    created = datetime(2026, 3, 1, 9, tzinfo=UTC)
    token, secret = create_api_token(session, account, {"name": "Trial", "expires_on": "2026-03-08"}, now=created)
    session.commit()
    assert authenticate(session, secret, now=datetime(2026, 3, 7, 23, 59, tzinfo=UTC)) is not None
    assert authenticate(session, secret, now=datetime(2026, 3, 8, 0, 0, tzinfo=UTC)) is None


@pytest.mark.parametrize("secret", ["", "sp_wrong", "Bearer", "x" * 500, "sp_" + "A" * 43])
def test_a_wrong_token_is_a_401_even_for_reading(client, secret):
    response = client.get("/api/categories", headers={"Authorization": f"Bearer {secret}"})
    assert (
        response.status_code == 401 and response.is_json and response.headers["WWW-Authenticate"].startswith("Bearer")
    )


def test_a_disabled_accounts_tokens_stop_working(app, session, editor):
    account, _ = editor
    _token, secret = create_api_token(session, account, {"name": "Feed"})
    account.disabled_at = datetime.now(UTC)
    session.commit()
    assert authenticate(session, secret) is None


@pytest.mark.parametrize(
    "name, expires_on, field, message",
    [
        ("", "", "token_name", "Give the token a name"),
        ("x" * 101, "", "token_name", "1 to 100 characters"),
        ("Feed", "31/12/2030", "token_expires_on", "year-month-day"),
        ("Feed", "2026-11-24", "token_expires_on", "Choose a day after today"),
    ],
)
def test_bad_token_input_names_the_field(client, session, editor, name, expires_on, field, message):
    stop_clock(client.application, "2026-11-24T12:00")
    factories.sign_in(client, editor[0])
    response = create(client, name, expires_on)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert session.exec(select(ApiToken)).all() == []


def test_an_unconfirmed_account_cannot_create_tokens(client, session):
    account = factories.user(session, "new@example.org", verified=False)
    session.commit()
    factories.sign_in(client, account)
    assert "Confirm your email address to create API tokens" in client.get("/account").get_data(as_text=True)
    assert create(client).status_code == 400 and session.exec(select(ApiToken)).all() == []


def test_creating_a_token_needs_the_forms_csrf_token_and_a_session(client, session, editor):
    factories.sign_in(client, editor[0])
    assert client.post("/account/tokens", data={"token_name": "Feed"}).status_code == 400
    signed_out = client.application.test_client().post("/account/tokens", data={"token_name": "Feed"})
    assert signed_out.status_code in (302, 303, 400)
    assert session.exec(select(ApiToken)).all() == []


def test_there_is_a_limit_on_active_tokens(session, editor):
    account, _ = editor
    for number in range(MAX_ACTIVE_TOKENS):
        create_api_token(session, account, {"name": f"Token {number}"})
    with pytest.raises(InputError, match="revoke one"):
        create_api_token(session, account, {"name": "One more"})


def test_requests_are_limited_per_token_and_per_computer(tmp_path, session):
    from ..conftest import migrated_app

    app = migrated_app(tmp_path / "limited", API_RATE_LIMIT="3 per minute", API_TOKEN_RATE_LIMIT="5 per minute")
    from directory.db import get_db

    with app.app_context():
        db = get_db(app).sessionmaker()
        account = factories.user(db, "feed@example.org")
        db.commit()
        _, first = create_api_token(db, account, {"name": "One"})
        _, second = create_api_token(db, account, {"name": "Two"})
        db.commit()
        db.close()
    client = app.test_client()
    anonymous = [client.get("/api/categories").status_code for _ in range(4)]
    assert anonymous == [200, 200, 200, 429]
    limited = client.get("/api/categories")
    assert (
        limited.is_json and "Retry-After" in limited.headers and limited.headers["Access-Control-Allow-Origin"] == "*"
    )
    assert limited.get_json()["message"].startswith("Too many requests: the limit is 3 per minute")
    assert [client.get("/api/categories", headers=bearer(first)).status_code for _ in range(6)] == [200] * 5 + [429]
    assert client.get("/api/categories", headers=bearer(second)).status_code == 200  # each token has its own count
    other_computer = client.get("/api/categories", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_computer.status_code == 200
    get_db(app).engine.dispose()
