"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1): what arrives, and what is logged."""

from __future__ import annotations

import asyncio
import email
import logging
import re
import socket
import statistics
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from directory.auth import find_user
from directory.db import get_db
from directory.extensions import limiter
from directory.mail import send_mail

from . import factories
from .conftest import BASE_URL, migrated_app
from .worlds import PASSWORD, csrf

SMTP_USER, SMTP_SECRET = "signpost", "smtp-secret-never-logged"


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], email.message.Message]] = []
        self.logins: list[str] = []
        self.delay = 0.0  # seconds each message takes to accept, like a distant server

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_SECRET.encode()
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def take(self):
        messages, self.messages = self.messages, []
        return messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), authenticator=handler.authenticate, auth_require_tls=False
    )
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def app(tmp_path, inbox):
    app = migrated_app(
        tmp_path,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=inbox.port,
        SMTP_STARTTLS=False,
        MAIL_FROM="Signpost <signpost@signpost.example.org>",
    )
    yield app
    get_db(app).engine.dispose()


def signpost_log(caplog) -> str:
    """What Signpost logged (the test server's own "mail.log" debug lines are its business)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))


def text(message) -> str:
    return message.get_payload(decode=True).decode()


def link_in(message) -> str:
    return re.search(rf"{re.escape(BASE_URL)}(/\S+)", text(message)).group(1)


def test_a_confirmation_link_arrives_over_smtp_and_confirms_the_address(app, client, inbox):
    response = client.post(
        "/account/register",
        data={
            "name": "Sam Editor",
            "email": "sam@pantry.example.org",
            "password": PASSWORD,
            "csrf_token": csrf(client),
        },
    )
    assert response.status_code == 200
    [(sender, recipients, message)] = inbox.take()
    assert sender == "signpost@signpost.example.org" and recipients == ["sam@pantry.example.org"]
    assert message["From"] == "Signpost <signpost@signpost.example.org>" and message["To"] == "sam@pantry.example.org"
    assert message["Subject"] == "Confirm your email address for Signpost"
    assert message["Date"] and message["Message-ID"]
    assert client.get(link_in(message)).status_code == 303
    with get_db(app).unit_of_work() as s:
        assert find_user(s, "sam@pantry.example.org").email_verified_at is not None
    assert not (Path(app.instance_path) / "mail").exists()  # with SMTP configured, nothing is written to disk


def test_a_password_reset_arrives_over_smtp_and_works(app, client, inbox):
    with get_db(app).unit_of_work() as s:
        factories.user(s, "editor@example.org", password=PASSWORD)
    client.post("/account/reset", data={"email": "editor@example.org", "csrf_token": csrf(client, "/account/reset")})
    [(_, recipients, message)] = inbox.take()
    assert recipients == ["editor@example.org"] and message["Subject"] == "Reset your Signpost password"
    link = link_in(message)
    response = client.post(link, data={"password": "a brand new passphrase", "csrf_token": csrf(client, link)})
    assert response.status_code == 303
    token = csrf(client)
    assert (
        client.post(
            "/account/login",
            data={"email": "editor@example.org", "password": "a brand new passphrase", "csrf_token": token},
        ).status_code
        == 303
    )


def test_signpost_signs_in_to_the_smtp_server_and_never_logs_the_password(tmp_path, inbox, caplog):
    caplog.set_level(logging.DEBUG)
    app = migrated_app(
        tmp_path,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=inbox.port,
        SMTP_STARTTLS=False,
        SMTP_USERNAME=SMTP_USER,
        SMTP_PASSWORD=SMTP_SECRET,
    )
    send_mail(app.config["SIGNPOST"], ["a@example.org", "b@example.org"], "Hello", "Body text with a secret link")
    assert inbox.logins == [SMTP_USER]
    [(_, recipients, message)] = inbox.take()
    assert sorted(recipients) == ["a@example.org", "b@example.org"] and message["Subject"] == "Hello"
    logged = signpost_log(caplog)
    assert "Mail 'Hello' sent to a@example.org, b@example.org" in logged
    assert SMTP_SECRET not in logged and "secret link" not in logged
    get_db(app).engine.dispose()


def test_a_refused_smtp_login_is_logged_without_the_password_and_the_page_still_answers(tmp_path, inbox, caplog):
    caplog.set_level(logging.DEBUG)
    app = migrated_app(
        tmp_path,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=inbox.port,
        SMTP_STARTTLS=False,
        SMTP_USERNAME=SMTP_USER,
        SMTP_PASSWORD="the-wrong-smtp-password",
    )
    client = app.test_client()
    response = client.post(
        "/account/reset", data={"email": "nobody@example.org", "csrf_token": csrf(client, "/account/reset")}
    )
    assert response.status_code == 200  # nobody to write to: nothing sent
    with get_db(app).unit_of_work() as s:
        factories.user(s, "editor@example.org", password=PASSWORD)
    response = client.post(
        "/account/reset", data={"email": "editor@example.org", "csrf_token": csrf(client, "/account/reset")}
    )
    assert response.status_code == 200 and "If an account exists for" in response.get_data(as_text=True)
    assert inbox.take() == []
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and "failed" in r.getMessage()]
    assert (
        failures
        and "the-wrong-smtp-password" not in signpost_log(caplog)
        and "/account/reset/" not in signpost_log(caplog)
    )
    get_db(app).engine.dispose()


def test_an_unreachable_smtp_server_does_not_break_registration(tmp_path, caplog):
    app = migrated_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False)
    client = app.test_client()
    response = client.post(
        "/account/register",
        data={
            "name": "Sam",
            "email": "sam@example.org",
            "password": PASSWORD,
            "csrf_token": csrf(client),
        },
    )
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert "Mail 'Confirm your email address for Signpost' to sam@example.org failed" in signpost_log(caplog)
    assert "/account/verify/" not in signpost_log(caplog)
    get_db(app).engine.dispose()


# Answers that take the same time whether or not an address has an account ------------------

SMTP_DELAY = 0.05


@pytest.fixture
def slow_inbox(inbox):
    inbox.delay = SMTP_DELAY
    limiter.enabled = False
    yield inbox
    limiter.enabled = True


def answer_time(client, path: str, form: dict) -> float:
    """Seconds until the answer arrives; then the response is closed, as a server does once it is sent."""
    started = time.perf_counter()
    response = client.post(path, data=form, buffered=False)
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:500]
    response.close()
    return elapsed


def median_times(client, path: str, forms: list[dict]) -> list[float]:
    """The median answer time for each kind of form, the kinds taking turns so both see the same machine."""
    times = [[] for _ in forms]
    for _ in range(15):
        for kind, form in enumerate(forms):
            times[kind].append(answer_time(client, path, form() if callable(form) else form))
    return [statistics.median(t) for t in times]


def same_time(known: float, unknown: float) -> bool:
    # Generous: a mail sent before the answer costs a whole SMTP_DELAY.
    return abs(known - unknown) < SMTP_DELAY / 2


@pytest.mark.slow
def test_a_reset_answers_as_fast_for_an_address_with_an_account_as_without(app, client, slow_inbox):
    with get_db(app).unit_of_work() as s:
        factories.user(s, "known@example.org")
    token = csrf(client, "/account/reset")
    known, unknown = median_times(
        client,
        "/account/reset",
        [{"email": "known@example.org", "csrf_token": token}, {"email": "nobody@example.org", "csrf_token": token}],
    )
    assert same_time(known, unknown), (known, unknown)
    assert len(slow_inbox.take()) == 15  # each known address was still sent its link


@pytest.mark.slow
def test_registering_answers_as_fast_for_a_taken_address_as_for_a_new_one(app, client, slow_inbox):
    with get_db(app).unit_of_work() as s:
        factories.user(s, "taken@example.org")
    token, count = csrf(client, "/account/register"), iter(range(100))
    taken = {"name": "Sam", "email": "taken@example.org", "password": PASSWORD, "csrf_token": token}
    known, unknown = median_times(
        client, "/account/register", [taken, lambda: taken | {"email": f"new-{next(count)}@example.org"}]
    )
    assert same_time(known, unknown), (known, unknown)
    assert len(slow_inbox.take()) == 30


@pytest.mark.slow
def test_changing_address_answers_as_fast_for_a_taken_address_as_for_a_free_one(app, client, slow_inbox):
    with get_db(app).unit_of_work() as s:
        me = factories.user(s, "me@example.org")
        factories.user(s, "taken@example.org")
    factories.sign_in(client, me)
    token = csrf(client, "/account")
    form = {"email_password": PASSWORD, "csrf_token": token}
    known, unknown = median_times(
        client, "/account/email", [form | {"new_email": "taken@example.org"}, form | {"new_email": "free@example.org"}]
    )
    assert same_time(known, unknown), (known, unknown)
    assert len(slow_inbox.take()) == 60  # a notice to the old address, and a message to the new one, each time


def test_the_reset_link_is_sent_once_the_answer_has_gone(app, client, inbox):
    with get_db(app).unit_of_work() as s:
        factories.user(s, "known@example.org")
    response = client.post(
        "/account/reset",
        data={"email": "known@example.org", "csrf_token": csrf(client, "/account/reset")},
        buffered=False,
    )
    assert response.status_code == 200 and inbox.take() == []  # nothing yet: the answer comes first
    response.close()
    [(_, recipients, message)] = inbox.take()
    assert recipients == ["known@example.org"] and message["Subject"] == "Reset your Signpost password"
    assert client.get(link_in(message)).status_code == 200
