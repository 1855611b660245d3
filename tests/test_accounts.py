"""Accounts: register and confirm, sign in and out, reset a password, change name, password and address.

Mail is read from instance/mail/ (no SMTP server configured); tests/test_mail.py sends it through a real one.
"""

from __future__ import annotations

import email
import functools
import logging
import pathlib
import re
import time
from datetime import timedelta

import pytest
from itsdangerous.timed import TimestampSigner
from sqlmodel import select

from directory.auth import actor_for, find_user
from directory.db import get_db
from directory.links import links
from directory.models import User, utcnow
from directory.operations import InputError, api_tokens
from directory.operations import accounts as ops
from directory.permissions import ANONYMOUS, SYSTEM, PermissionDenied, can
from directory.views.accounts import safe_next

from . import factories
from .conftest import BASE_URL, migrated_app
from .worlds import PASSWORD, csrf

NEW_PASSWORD = "purple elephants dance at noon"
SAME_ANSWER = "If an account exists for"


# Helpers


def take_mail(app) -> list[email.message.Message]:
    """The messages written since the last call, oldest first (the folder is emptied)."""
    folder = pathlib.Path(app.instance_path) / "mail"
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    messages = [email.message_from_bytes(p.read_bytes()) for p in paths]
    for p in paths:
        p.unlink()
    return messages


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def link_in(message) -> str:
    return re.search(rf"{re.escape(BASE_URL)}(/\S+)", body(message)).group(1)


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', page)


def post(client, path: str, data: dict, token_from: str | None = None, **kwargs):
    return client.post(path, data=data | {"csrf_token": csrf(client, token_from or path)}, **kwargs)


def register(client, email_address="sam@pantry.example.org", name="Sam Editor", password=PASSWORD):
    return post(client, "/account/register", {"name": name, "email": email_address, "password": password})


def log_in(client, email_address="editor@example.org", password=PASSWORD, **extra):
    return post(client, "/account/login", {"email": email_address, "password": password} | extra)


def signed_in_as(client) -> str | None:
    with client.session_transaction() as cookie:
        return cookie.get("user_id")


# Tests that make requests set up and read the database through db(app), never the `session`
# fixture: that one holds an app context open, so every request would share one g (and one
# database session), which no real request does.


def db(app):
    return get_db(app).unit_of_work()


def make_user(app, address: str, **fields) -> User:
    with db(app) as s:
        return factories.user(s, address, **({"password": PASSWORD} | fields))


@pytest.fixture
def account(app):
    return make_user(app, "editor@example.org")


def reload(app, user) -> User:
    with db(app) as s:
        return s.get(User, user.id)


def user_at(app, address: str) -> User | None:
    with db(app) as s:
        return find_user(s, address)


def all_users(app) -> list[User]:
    with db(app) as s:
        return list(s.exec(select(User)))


# Registering and confirming an address


def test_registering_emails_a_link_that_confirms_the_address(app, client):
    response = register(client, "Sam@Pantry.Example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Check your email" in page and "sam@pantry.example.org" in page
    user = user_at(app, "sam@pantry.example.org")
    assert user.email == "sam@pantry.example.org" and user.email_verified_at is None
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    [message] = take_mail(app)
    assert message["To"] == "sam@pantry.example.org" and "Confirm your email address" in message["Subject"]

    response = client.get(link_in(message))
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/login")
    assert "your email address is confirmed" in client.get("/account/login").get_data(as_text=True)
    assert reload(app, user).email_verified_at is not None


def test_registering_does_not_sign_in(client):
    register(client)
    assert signed_in_as(client) is None


def test_registering_a_taken_address_gives_the_same_page_and_tells_the_owner(app, client, account):
    fresh = register(client, "new@example.org")
    taken = register(client, "editor@example.org")
    assert fresh.status_code == taken.status_code == 200
    assert without_csrf(fresh.get_data(as_text=True)).replace("new@example.org", "ADDRESS") == without_csrf(
        taken.get_data(as_text=True)
    ).replace("editor@example.org", "ADDRESS")
    confirm, warning = take_mail(app)
    assert confirm["To"] == "new@example.org"
    assert warning["To"] == "editor@example.org" and "tried to register" in warning["Subject"]
    assert "/account/verify/" not in body(warning)
    assert len(all_users(app)) == 2  # the account and the new one; nothing else


@pytest.mark.parametrize(
    "password, message",
    [
        ("short pass", "at least 12 characters"),
        ("aaaaaaaaaaaaaaaa", "one character repeated"),
        ("sam@pantry.example.org", "cannot be your email address"),
        ("", "Enter a password"),
        ("x" * 1001, "at most 1,000 characters"),
    ],
)
def test_registration_refuses_weak_passwords(app, client, password, message):
    response = register(client, password=password)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert all_users(app) == [] and take_mail(app) == []


def test_two_registrations_for_one_address_at_once_give_the_same_page_not_a_500(app, client, account, monkeypatch):
    monkeypatch.setattr(ops, "find_user", lambda session, address: None)  # as if both checked before either wrote
    response = register(client, "editor@example.org")
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert len(all_users(app)) == 1 and take_mail(app) == []


def test_registration_errors_name_the_field_and_keep_what_was_typed(client):
    response = post(client, "/account/register", {"name": "", "email": "not an address", "password": PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: Create an account" in page
    assert 'class="error-summary"' in page and '<a href="#name">Enter your name.</a>' in page
    assert 'href="#email">An email address has no spaces in it' in page
    assert 'aria-describedby="email-hint email-error" aria-invalid="true"' in page
    assert 'value="not an address"' in page and PASSWORD not in page  # a password is never sent back


def test_an_old_or_forged_confirmation_link_is_refused(app, client):
    register(client)
    [message] = take_mail(app)
    link = link_in(message)
    assert client.get(link[:-3] + "abc").status_code == 400
    assert user_at(app, "sam@pantry.example.org").email_verified_at is None


def test_an_unconfirmed_account_can_sign_in_but_is_asked_to_confirm_and_is_not_verified(app, client):
    make_user(app, "new@example.org", verified=False)
    response = log_in(client, "new@example.org")
    assert response.status_code == 303 and signed_in_as(client)
    page = client.get("/account").get_data(as_text=True)
    assert "Please confirm your email address" in page and 'id="confirm-email"' in page
    with db(app) as s:
        actor = actor_for(s, find_user(s, "new@example.org"))
    assert not actor.verified and not can(actor, "organisation.claim")


def test_the_confirmation_link_can_be_sent_again(app, client):
    user = make_user(app, "new@example.org", verified=False)
    log_in(client, "new@example.org")
    response = post(client, "/account/verify", {}, token_from="/account")
    assert response.status_code == 303
    [message] = take_mail(app)
    assert client.get(link_in(message)).headers["Location"].endswith("/account")  # signed in: back to the account
    assert reload(app, user).email_verified_at is not None


# Signing in and out


def test_signing_in_and_out(app, client, account):
    response = log_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert signed_in_as(client) == str(account.id)
    page = client.get("/account").get_data(as_text=True)
    assert "Sam Editor" in page and "editor@example.org" in page and ">Sign out</button>" in page
    assert reload(app, account).last_login_at is not None

    response = post(client, "/account/logout", {}, token_from="/account")
    assert response.status_code == 303 and signed_in_as(client) is None
    assert client.get("/account").status_code == 302
    assert ">Sign in</a>" in client.get("/").get_data(as_text=True)


def test_sign_in_is_case_insensitive_in_the_address(client, account):
    assert log_in(client, "  Editor@Example.ORG ").status_code == 303


def test_wrong_password_and_unknown_address_give_identical_answers(client, account):
    wrong = log_in(client, "editor@example.org", "not the right password")
    unknown = log_in(client, "nobody@example.org", "not the right password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Email or password is not right." in wrong.get_data(as_text=True)
    assert without_csrf(wrong.get_data(as_text=True)).replace("editor@example.org", "ADDRESS") == without_csrf(
        unknown.get_data(as_text=True)
    ).replace("nobody@example.org", "ADDRESS")
    assert signed_in_as(client) is None


def test_a_disabled_account_cannot_sign_in(app, client, account):
    with db(app) as s:
        s.get(User, account.id).disabled_at = utcnow()
    response = log_in(client)
    assert response.status_code == 400 and signed_in_as(client) is None
    assert "closed" in response.get_data(as_text=True)
    assert "Email or password is not right." in log_in(client, password="a wrong password").get_data(as_text=True)


def test_signing_in_keeps_the_shortlist(client, account):
    with client.session_transaction() as cookie:
        cookie["shortlist"] = [{"service_id": "x", "note": ""}]
    log_in(client)
    with client.session_transaction() as cookie:
        assert cookie["shortlist"] == [{"service_id": "x", "note": ""}]


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/search?q=food", "/search?q=food"),
        ("/services/abc#report", "/services/abc#report"),
        ("https://evil.example/", "/account"),
        ("//evil.example/", "/account"),
        ("/\\evil.example/", "/account"),
        ("\\\\evil.example", "/account"),
        ("javascript:alert(1)", "/account"),
        ("/ok\r\nLocation: https://evil.example", "/account"),
        ("", "/account"),
    ],
)
def test_after_signing_in_only_paths_on_this_site_are_followed(client, account, target, expected):
    response = log_in(client, next=target)
    assert response.status_code == 303 and response.headers["Location"] == expected


def test_the_sign_in_page_carries_next_through(client):
    page = client.get("/account/login?next=/shortlist").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/shortlist">' in page


def test_safe_next_is_a_pure_function(app):
    with app.test_request_context():
        assert safe_next("/shortlist") == "/shortlist"
        assert safe_next("http:/evil.example", "/") == "/"
        assert safe_next(None, "/") == "/"


def copy_cookie(app, client):
    """A second browser holding a copy of client's session cookie."""
    thief = app.test_client()
    with client.session_transaction() as cookie:
        copied = dict(cookie)
    with thief.session_transaction() as cookie:
        cookie.update(copied)
    return thief


def test_a_copied_session_cookie_stops_working_after_signing_out(app, client, account):
    log_in(client)
    thief = copy_cookie(app, client)
    assert thief.get("/account").status_code == 200
    assert post(client, "/account/logout", {}, token_from="/account").status_code == 303
    assert thief.get("/account").status_code == 302
    assert client.get("/account").status_code == 302


def test_signing_out_ends_only_that_browsers_session(app, client, account):
    log_in(client)
    other_device = app.test_client()
    log_in(other_device)
    post(client, "/account/logout", {}, token_from="/account")
    assert other_device.get("/account").status_code == 200


# A forgotten password


def request_reset(client, address="editor@example.org"):
    return post(client, "/account/reset", {"email": address})


def test_resetting_a_forgotten_password(app, client, account):
    other_device = app.test_client()
    log_in(other_device)
    response = request_reset(client, "Editor@Example.org")
    assert response.status_code == 200 and SAME_ANSWER in response.get_data(as_text=True)
    [message] = take_mail(app)
    assert message["To"] == "editor@example.org"
    link = link_in(message)

    form = client.get(link)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    assert form.headers["Cache-Control"] == "no-store"
    response = post(client, link, {"password": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/login")
    assert "Your password has been changed" in client.get("/account/login").get_data(as_text=True)

    assert log_in(client, password=PASSWORD).status_code == 400
    assert log_in(client, password=NEW_PASSWORD).status_code == 303
    assert other_device.get("/account").status_code == 302  # signed out everywhere else


def test_a_reset_link_starts_with_base_url_whatever_host_the_request_named(app, client, account):
    forged = "http://evil.example"
    page = client.get("/account/reset", base_url=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = {"email": "editor@example.org", "csrf_token": token}
    response = client.post("/account/reset", data=data, base_url=forged)
    assert response.status_code == 200 and SAME_ANSWER in response.get_data(as_text=True)
    [message] = take_mail(app)
    assert "evil.example" not in body(message)
    assert re.search(rf"{re.escape(BASE_URL)}/account/reset/\S+", body(message))


def test_a_reset_request_for_an_unknown_address_answers_the_same_and_sends_nothing(app, client, account):
    known = request_reset(client, "editor@example.org")
    unknown = request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.get_data(as_text=True)).replace("editor@example.org", "ADDRESS") == without_csrf(
        unknown.get_data(as_text=True)
    ).replace("nobody@example.org", "ADDRESS")
    assert [m["To"] for m in take_mail(app)] == ["editor@example.org"]


def test_a_used_reset_link_is_refused(app, client, account):
    request_reset(client)
    [message] = take_mail(app)
    link = link_in(message)
    assert post(client, link, {"password": NEW_PASSWORD}).status_code == 303
    again = post(client, link, {"password": "another long passphrase"}, token_from="/account/login")
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    assert client.get(link).status_code == 400
    assert log_in(client, password=NEW_PASSWORD).status_code == 303


def test_an_older_reset_link_dies_when_a_newer_one_is_used(app, client, account):
    request_reset(client)
    request_reset(client)
    first, second = take_mail(app)
    assert post(client, link_in(second), {"password": NEW_PASSWORD}).status_code == 303
    assert client.get(link_in(first)).status_code == 400


def test_an_expired_reset_link_is_refused(app, client, account, monkeypatch):
    request_reset(client)
    [message] = take_mail(app)
    later = time.time() + ops.RESET_MAX_AGE + 1
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(later))
    response = client.get(link_in(message))
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_a_reset_link_within_the_hour_still_works(app, client, account, monkeypatch):
    request_reset(client)
    [message] = take_mail(app)
    later = time.time() + ops.RESET_MAX_AGE - 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(later))
    assert client.get(link_in(message)).status_code == 200


def test_a_reset_to_a_weak_password_is_refused_and_the_link_still_works(app, client, account):
    request_reset(client)
    [message] = take_mail(app)
    link = link_in(message)
    response = post(client, link, {"password": "editor@example.org"})
    assert response.status_code == 400 and "cannot be your email address" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200


@pytest.mark.parametrize("route", ["/account/verify/{}", "/account/reset/{}", "/account/email/{}"])
@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "not-a-token",
        lambda token: "a" * 5000,
    ],
)
def test_tampered_links_are_refused(app, client, account, route, tamper):
    request_reset(client)
    token = link_in(take_mail(app)[0]).rsplit("/", 1)[1]
    response = client.get(route.format(tamper(token)))
    assert response.status_code == 400 and "This link does not work" in response.get_data(as_text=True)


@pytest.mark.parametrize("route", ["/account/verify/{}", "/account/email/{}"])
def test_a_reset_token_is_no_use_for_another_purpose(app, client, account, route):
    request_reset(client)
    token = link_in(take_mail(app)[0]).rsplit("/", 1)[1]
    assert client.get(route.format(token)).status_code == 400


# The account page


def test_the_account_page_lists_roles_and_organisations(app, client):
    with db(app) as s:
        org = factories.organisation(s, name="Parkhead Pantry Trust")
        user = factories.user(s, "lw@example.org", roles=["link_worker"], organisations=[org])
    factories.sign_in(client, user)
    response = client.get("/account")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Link worker (verified professional), Organisation editor" in page
    assert f'href="/organisations/{org.id}">Parkhead Pantry Trust</a>' in page


def test_the_account_page_needs_signing_in(client):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login?next=/account"


def test_changing_the_name(app, client, account):
    factories.sign_in(client, account)
    response = post(client, "/account/name", {"name": "  Samira   Editor "}, token_from="/account")
    assert response.status_code == 303 and reload(app, account).name == "Samira Editor"


def test_changing_the_password_needs_the_current_one_and_signs_out_other_devices(app, client, account):
    other_device = app.test_client()
    log_in(other_device)
    log_in(client)
    wrong = post(
        client,
        "/account/password",
        {"current_password": "not it at all", "password": NEW_PASSWORD},
        token_from="/account",
    )
    assert wrong.status_code == 400 and "Your current password is not right." in wrong.get_data(as_text=True)
    right = post(
        client, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD}, token_from="/account"
    )
    assert right.status_code == 303
    assert client.get("/account").status_code == 200  # this browser stays signed in
    assert other_device.get("/account").status_code == 302
    assert log_in(app.test_client(), password=NEW_PASSWORD).status_code == 303


def an_api_token(app, account) -> str:
    with db(app) as s:
        return api_tokens.create_api_token(s, s.get(User, account.id), {"name": "Sync", "expires_on": ""})[1]


def token_works(app, secret: str) -> bool:
    with db(app) as s:
        return api_tokens.authenticate(s, secret) is not None


def test_changing_the_password_revokes_api_tokens_and_tells_the_owner(app, client, account):
    secret = an_api_token(app, account)
    log_in(client)
    take_mail(app)
    assert (
        post(
            client, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD}, token_from="/account"
        ).status_code
        == 303
    )
    assert not token_works(app, secret)
    [notice] = take_mail(app)
    assert notice["To"] == "editor@example.org" and "was changed" in body(notice)
    assert "Other devices were signed out" in body(notice) and "1 API token was revoked" in body(notice)


def test_a_password_reset_ends_every_session_and_revokes_api_tokens(app, client, account):
    secret = an_api_token(app, account)
    other_device = app.test_client()
    log_in(other_device)
    request_reset(client)
    [message] = take_mail(app)
    assert post(client, link_in(message), {"password": NEW_PASSWORD}).status_code == 303
    assert other_device.get("/account").status_code == 302 and not token_works(app, secret)
    [notice] = take_mail(app)
    assert "was reset" in body(notice) and "Every device was signed out (1 session)" in body(notice)


def test_changing_the_email_address_needs_confirming_at_the_new_address(app, client, account):
    log_in(client)
    response = post(
        client,
        "/account/email",
        {"new_email": "Sam@New.Example.org", "email_password": PASSWORD},
        token_from="/account",
    )
    assert response.status_code == 303
    assert "We have sent a link to sam@new.example.org" in client.get("/account").get_data(as_text=True)
    notice, confirm = take_mail(app)
    assert notice["To"] == "editor@example.org" and "/account/email/" not in body(notice)
    assert confirm["To"] == "sam@new.example.org"
    assert reload(app, account).email == "editor@example.org"  # nothing changes until it is confirmed

    link = link_in(confirm)
    page = client.get(link)
    assert page.status_code == 200 and "sam@new.example.org" in page.get_data(as_text=True)
    response = post(client, link, {})
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    updated = reload(app, account)
    assert updated.email == "sam@new.example.org" and updated.email_verified_at is not None
    [changed] = take_mail(app)
    assert changed["To"] == "editor@example.org" and "has changed" in changed["Subject"]
    assert post(client, link, {}, token_from="/account").status_code == 400  # used
    assert log_in(app.test_client(), "sam@new.example.org").status_code == 303


def test_changing_to_an_address_with_an_account_changes_nothing_and_tells_its_owner(app, client, account):
    make_user(app, "taken@example.org")
    log_in(client)
    response = post(
        client, "/account/email", {"new_email": "taken@example.org", "email_password": PASSWORD}, token_from="/account"
    )
    assert response.status_code == 303
    assert "We have sent a link to taken@example.org" in client.get("/account").get_data(as_text=True)
    notice, owner = take_mail(app)
    assert owner["To"] == "taken@example.org" and "/account/email/" not in body(owner)
    assert reload(app, account).email == "editor@example.org"


def test_changing_the_email_address_needs_the_password(app, client, account):
    log_in(client)
    response = post(
        client,
        "/account/email",
        {"new_email": "new@example.org", "email_password": "wrong password!"},
        token_from="/account",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Your current password is not right." in page
    assert 'value="new@example.org"' in page and take_mail(app) == []


def test_signing_out_everywhere(app, client, account):
    other_device = app.test_client()
    log_in(other_device)
    log_in(client)
    response = post(client, "/account/sign-out-everywhere", {}, token_from="/account")
    assert response.status_code == 303 and response.headers["Location"] == "/account/login"
    assert client.get("/account").status_code == 302 and other_device.get("/account").status_code == 302
    [notice] = [m for m in take_mail(app) if "everywhere" in m["Subject"]]
    assert notice["To"] == "editor@example.org" and "(2 sessions)" in body(notice)


def test_the_account_forms_send_anonymous_visitors_to_sign_in(client):
    response = post(client, "/account/name", {"name": "X"}, token_from="/account/login")
    assert response.status_code == 303 and response.headers["Location"] == "/account/login?next=/account"


# Hostile input


@pytest.mark.parametrize(
    "name, stored",
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ('"><img src=x onerror=alert(1)>', '"><img src=x onerror=alert(1)>'),
        ("Sam\x00\x07\x1b[31m Editor", "Sam[31m Editor"),
        ("Sam\nBcc: everyone@example.org", "Sam Bcc: everyone@example.org"),
        ("\u202egnp.exe Sam", "gnp.exe Sam"),  # a right-to-left override would make it read "Sam exe.png"
        ("Ž" * 100, "Ž" * 100),
    ],
)
def test_hostile_names_are_stored_as_text_and_shown_escaped(app, client, account, name, stored):
    factories.sign_in(client, account)
    assert post(client, "/account/name", {"name": name}, token_from="/account").status_code == 303
    assert reload(app, account).name == stored
    page = client.get("/account").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    from markupsafe import escape

    assert f"<bdi>{escape(stored)}</bdi>" in page  # bidi overrides are isolated from the page around them


@pytest.mark.parametrize(
    "form",
    [
        {"name": "x" * 101, "email": "a@example.org", "password": PASSWORD},
        {"name": "x" * 100_000, "email": "y" * 100_000, "password": "z" * 100_000},
        {"name": "Sam", "email": "a@example.org\r\nBcc: all@example.org", "password": PASSWORD},
        {"name": "Sam", "email": "\u202eorg.example@a", "password": PASSWORD},
        {"name": "\x00", "email": "\x00", "password": "\x00"},
        {},
    ],
)
def test_bad_registration_input_is_a_clear_400(app, client, form):
    response = post(client, "/account/register", form)
    assert response.status_code == 400 and 'class="error-summary"' in response.get_data(as_text=True)
    assert all_users(app) == [] and take_mail(app) == []


@pytest.mark.parametrize(
    "path, form",
    [
        ("/account/login", {"email": ["a@example.org", "b@example.org"], "password": ""}),
        ("/account/login", {"email": "\u202e\x00", "password": "\x00" * 10}),
        ("/account/reset", {"email": "x" * 10_000}),
        ("/account/login?next=%00%0d%0a", {"email": "a@example.org", "password": "p"}),
    ],
)
def test_bad_sign_in_and_reset_input_is_never_a_500(client, path, form):
    assert client.post(path, data=form | {"csrf_token": csrf(client)}).status_code == 400


def test_a_form_that_is_not_utf8_is_a_clear_400(client):
    token = csrf(client)
    response = client.post(
        "/account/login",
        data=f"email=%FF%FE%00&password=%C0&csrf_token={token}".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400 and "There is a problem" in response.get_data(as_text=True)


def test_passwords_and_links_are_never_logged(app, client, account, caplog):
    caplog.set_level(logging.DEBUG)
    register(client, "new@example.org", password=NEW_PASSWORD)
    log_in(client, password=PASSWORD)
    request_reset(client)
    messages = take_mail(app)
    tokens = [link_in(m).rsplit("/", 1)[1] for m in messages]
    logged = caplog.text
    assert "Mail" in logged  # mail is logged: subject and recipients only
    for secret in [PASSWORD, NEW_PASSWORD, *tokens]:
        assert secret not in logged


def test_the_web_servers_request_log_leaves_out_link_tokens(app, account, caplog):
    import threading
    import urllib.error
    import urllib.request

    from werkzeug.serving import make_server

    caplog.set_level(logging.INFO, logger="werkzeug")
    client = app.test_client()
    request_reset(client)
    token = link_in(take_mail(app)[0]).rsplit("/", 1)[1]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (f"/account/reset/{token}", f"/account/verify/{token}", f"/account/email/{token}"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=10).read()
            except urllib.error.HTTPError:
                pass  # 400 for the wrong purpose: what matters is the log line
    finally:
        server.shutdown()
        thread.join(timeout=10)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "GET /account/reset/[token] HTTP/1.1" in logged and "/account/verify/[token]" in logged
    assert token not in logged and token[:20] not in caplog.text


# CSRF, rate limits, cookies

ACCOUNT_POST_ROUTES = [
    "/account/email",
    "/account/email/token",
    "/account/login",
    "/account/logout",
    "/account/name",
    "/account/password",
    "/account/register",
    "/account/reset",
    "/account/reset/token",
    "/account/sign-out-everywhere",
    "/account/verify",
    "/account/tokens",
    "/account/tokens/token/revoke",
]


def test_the_csrf_test_covers_every_account_form(app):
    routes = {
        re.sub(r"<[^>]+>", "token", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("accounts.") and "POST" in rule.methods
    }
    assert routes == set(ACCOUNT_POST_ROUTES)


@pytest.mark.parametrize("path", ACCOUNT_POST_ROUTES)
def test_every_account_form_needs_the_csrf_token(app, client, account, path):
    factories.sign_in(client, account)
    response = client.post(path, data={"email": "editor@example.org", "password": PASSWORD, "name": "X"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert signed_in_as(client) == str(account.id)  # not even logout works without it


def test_sign_in_is_rate_limited_per_computer(client, account):
    token = csrf(client)
    codes = [
        client.post(
            "/account/login", data={"email": f"n{i}@example.org", "password": "x", "csrf_token": token}
        ).status_code
        for i in range(11)
    ]
    assert codes[:10] == [400] * 10 and codes[10] == 429
    assert client.get("/account/login").status_code == 200  # only posting is limited


def test_wrong_passwords_from_other_computers_never_lock_the_owner_out(app, account):
    for i in range(30):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{i + 1}"
        assert log_in(client, "Editor@example.org ", "wrong password").status_code == 400
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert log_in(owner, "editor@example.org", PASSWORD).status_code == 303


def test_one_computer_trying_one_address_is_slowed_down(app, account):
    client = app.test_client()
    codes = [log_in(client, "editor@example.org", "wrong password").status_code for _ in range(6)]
    assert codes == [400] * 5 + [429]
    page = log_in(client, "editor@example.org", PASSWORD)
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert log_in(elsewhere, "editor@example.org", PASSWORD).status_code == 303  # only that computer waits


def test_the_owner_is_told_of_repeated_wrong_passwords_once_an_hour(app, account):
    take_mail(app)
    for i in range(12):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{i + 1}"
        log_in(client, "editor@example.org", "wrong password")
    [notice] = take_mail(app)
    assert notice["To"] == "editor@example.org" and "5 times in the last hour" in body(notice)
    with db(app) as s:
        user = s.get(User, account.id)
        assert user.failed_sign_ins == 12
        later = user.failed_sign_ins_since + timedelta(hours=1, minutes=1)
    with app.app_context(), db(app) as s:
        count = functools.partial(ops.record_failed_sign_in, s, links=links())
        assert len(count("editor@example.org", later)) == 0  # a new period starts at 1
        for minute in range(4):
            mails = count("editor@example.org", later + timedelta(minutes=minute))
        assert len(mails) == 1  # the fifth of the new period, told again
        assert count("nobody@example.org", later) == []


@pytest.mark.parametrize("proxies, limited", [(0, True), (1, False)])
def test_behind_a_configured_proxy_sign_in_limits_count_the_forwarded_address(tmp_path, proxies, limited):
    # Without SIGNPOST_PROXIES a forged X-Forwarded-For changes nothing; with one trusted proxy,
    # each client behind it is counted apart (the proxy itself is one address for everybody).
    app = migrated_app(tmp_path, PROXIES=proxies)
    codes = []
    for i in range(11):
        client = app.test_client()
        forwarded = {"X-Forwarded-For": f"198.51.100.{i + 1}"}
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get("/account/login", headers=forwarded).get_data(as_text=True)
        ).group(1)
        codes.append(
            client.post(
                "/account/login",
                headers=forwarded,
                data={"email": f"n{i}@example.org", "password": "x", "csrf_token": token},
            ).status_code
        )
    assert codes[:10] == [400] * 10
    assert (codes[10] == 429) is limited


def test_reset_requests_are_rate_limited(client):
    token = csrf(client, "/account/reset")
    codes = [
        client.post("/account/reset", data={"email": f"n{i}@example.org", "csrf_token": token}).status_code
        for i in range(6)
    ]
    assert codes == [200] * 5 + [429]


def test_registration_is_rate_limited(client):
    token = csrf(client, "/account/register")
    codes = [
        client.post(
            "/account/register",
            data={"name": "N", "email": f"n{i}@example.org", "password": PASSWORD, "csrf_token": token},
        ).status_code
        for i in range(11)
    ]
    assert codes == [200] * 10 + [429]


def set_cookie_after_sign_in(app, base_url="http://localhost") -> str:
    client = app.test_client()
    page = client.get("/account/login", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    # Over HTTPS, flask-wtf also checks the Referer is this site, as a browser sends it.
    response = client.post(
        "/account/login",
        base_url=base_url,
        headers={"Referer": f"{base_url}/account/login"},
        data={"email": "editor@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    return response.headers["Set-Cookie"]


def test_the_session_cookie_is_http_only_same_site_and_lasts_a_working_day(app, account):
    cookie = set_cookie_after_sign_in(app)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    from email.utils import parsedate_to_datetime

    assert abs(parsedate_to_datetime(expires) - (utcnow() + timedelta(hours=12))) < timedelta(minutes=1)


def test_the_session_cookie_is_secure_in_production(tmp_path):
    app = migrated_app(
        tmp_path,
        ENV="production",
        SECRET_KEY="a-long-random-production-secret-for-this-test",
        BASE_URL="https://signpost.test",
    )
    make_user(app, "editor@example.org")
    cookie = set_cookie_after_sign_in(app, base_url="https://localhost")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    get_db(app).engine.dispose()


# Operations and the command line


def test_only_administrators_set_roles(session, account):
    editor = actor_for(session, account)
    with pytest.raises(PermissionDenied):
        ops.set_roles(session, editor, account, ["admin"])
    with pytest.raises(PermissionDenied):
        ops.set_roles(session, ANONYMOUS, account, ["moderator"])
    admin = actor_for(session, factories.user(session, "admin@example.org", roles=["admin"]))
    assert ops.set_roles(session, admin, account, ["moderator", "link_worker"]).roles == ["link_worker", "moderator"]
    with pytest.raises(InputError):
        ops.set_roles(session, SYSTEM, account, ["superuser"])


def test_signpost_users_create_reads_the_password_from_the_environment(app, runner, monkeypatch):
    monkeypatch.setenv("SIGNPOST_NEW_USER_PASSWORD", PASSWORD)
    result = runner.invoke(args=["users", "create", "Admin@Example.org", "--name", "Ada Admin", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "Created admin@example.org (admin), email confirmed." in result.output and PASSWORD not in result.output
    user = user_at(app, "admin@example.org")
    assert user.roles == ["admin"] and user.email_verified_at is not None and user.name == "Ada Admin"
    assert log_in(app.test_client(), "admin@example.org").status_code == 303


def test_signpost_users_create_asks_for_the_password_twice(app, runner, monkeypatch):
    monkeypatch.delenv("SIGNPOST_NEW_USER_PASSWORD", raising=False)
    result = runner.invoke(
        args=["users", "create", "mod@example.org", "--name", "Mo", "--role", "moderator", "--role", "link_worker"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden as it is typed
    assert user_at(app, "mod@example.org").roles == ["link_worker", "moderator"]


@pytest.mark.parametrize(
    "args, password, message",
    [
        (["users", "create", "a@example.org", "--name", "A"], "short", "at least 12 characters"),
        (["users", "create", "editor@example.org", "--name", "A"], PASSWORD, "already an account"),
        (["users", "create", "not-an-address", "--name", "A"], PASSWORD, "right format"),
        (["users", "create", "a@example.org", "--name", "A", "--role", "king"], PASSWORD, "Invalid value for '--role'"),
    ],
)
def test_signpost_users_create_refuses_bad_input_clearly(runner, account, monkeypatch, args, password, message):
    monkeypatch.setenv("SIGNPOST_NEW_USER_PASSWORD", password)
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_signpost_users_roles_and_list(runner, account):
    result = runner.invoke(args=["users", "roles", "editor@example.org", "--add", "moderator", "--add", "link_worker"])
    assert result.exit_code == 0 and "editor@example.org: link_worker, moderator." in result.output
    result = runner.invoke(args=["users", "roles", "EDITOR@example.org", "--remove", "moderator"])
    assert result.exit_code == 0 and "editor@example.org: link_worker." in result.output
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert re.search(r"editor@example.org\s+Sam Editor\s+link_worker\s+confirmed", result.output)
    result = runner.invoke(args=["users", "roles", "nobody@example.org", "--add", "admin"])
    assert result.exit_code != 0 and "There is no account for nobody@example.org." in result.output
