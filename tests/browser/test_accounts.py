"""Accounts by keyboard alone with JavaScript off, and the account pages checked with axe."""

from __future__ import annotations

import email
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import select

from directory.auth import find_user
from directory.db import get_db
from directory.models import Organisation

from .. import factories
from .conftest import SCREENSHOTS, axe_violations
from .helpers import PASSWORD, make_account, sign_in_with_keyboard, tab_to


def mail_to(live_server, address: str) -> list[email.message.Message]:
    folder = Path(live_server.app.instance_path) / "mail"
    messages = [email.message_from_bytes(p.read_bytes()) for p in folder.glob("*.eml")]
    return [m for m in messages if m["To"] == address]


def test_register_confirm_sign_in_and_out_with_the_keyboard(page, live_server):
    address = "keyboard.registrant@example.org"
    page.goto("/")
    tab_to(page, ".site-nav a[href^='/account/login']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "a[href='/account/register']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")

    tab_to(page, "#name")
    page.keyboard.type("Kim Keyboard")
    tab_to(page, "#email")
    page.keyboard.type(address)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "form[action='/account/register'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text(address)

    [message] = mail_to(live_server, address)
    # The link starts with SIGNPOST_BASE_URL; its path is opened on this test server.
    path = re.search(r"https?://[^/\s]+(/account/verify/\S+)", message.get_payload(decode=True).decode()).group(1)
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")

    sign_in_with_keyboard(page, address)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator(".facts-list")).to_contain_text("Kim Keyboard")
    expect(page.locator("#confirm-email")).to_have_count(0)

    tab_to(page, ".site-nav button")
    expect(page.locator(":focus")).to_have_text("Sign out")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("You have signed out")
    expect(page.locator(".site-nav a[href^='/account/login']")).to_be_visible()


def test_sign_in_returns_to_the_page_the_visitor_came_from(page, live_server):
    make_account(live_server, "returning@example.org")
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/account/login\?next=/account$"))
    sign_in_with_keyboard(page, "returning@example.org")
    expect(page).to_have_url(re.compile(r"/account$"))


def test_a_wrong_password_shows_an_accessible_error(page, live_server):
    page.goto("/account/login")
    page.locator("#email").fill("nobody@example.org")
    page.locator("#password").fill("not the password")
    with page.expect_navigation():
        page.locator("form[action='/account/login'] button").click()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.locator(".error-summary")).to_contain_text("Email or password is not right.")
    expect(page.locator("#email")).to_have_value("nobody@example.org")
    expect(page.locator("#password")).to_have_value("")


def test_account_pages_pass_axe(audit, live_server):
    with get_db(live_server.app).unit_of_work() as session:
        organisation = session.exec(select(Organisation).order_by(Organisation.name)).first()
        if find_user(session, "audited@example.org") is None:
            factories.user(
                session,
                "audited@example.org",
                password=PASSWORD,
                name="Aisha Audit",
                roles=["link_worker"],
                organisations=[organisation],
            )
    audit("/account/register", "account-register", phone=True)
    audit("/account/reset", "account-reset")
    page = audit("/account/login", "account-login")

    page.locator("#email").fill("audited@example.org")
    page.locator("#password").fill("wrong password here")
    with page.expect_navigation():
        page.locator("form[action='/account/login'] button").click()
    page.screenshot(path=str(SCREENSHOTS / "account-login-error.png"), full_page=True)
    assert not [v["id"] for v in axe_violations(page, audit_source(audit)) if v["impact"] in ("serious", "critical")]

    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/account/login'] button").click()
    account = audit("/account", "account-page", phone=True)
    expect(account.locator(".facts-list")).to_contain_text("Link worker (verified professional), Organisation editor")

    account.locator("#current_password").fill("not my password")
    account.locator("#password").fill("a new and long passphrase")
    with account.expect_navigation():
        account.locator("form[action='/account/password'] button").click()
    expect(account.locator("#current_password-error")).to_contain_text("Your current password is not right")
    account.screenshot(path=str(SCREENSHOTS / "account-page-error.png"), full_page=True)
    assert not [v["id"] for v in axe_violations(account, audit_source(audit)) if v["impact"] in ("serious", "critical")]


def test_an_unconfirmed_account_page_passes_axe(audit, live_server):
    make_account(live_server, "unconfirmed@example.org", verified=False, name="Una Confirmed")
    page = audit("/account/login", "account-login-unconfirmed")
    page.locator("#email").fill("unconfirmed@example.org")
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/account/login'] button").click()
    expect(page.locator("#confirm-email")).to_contain_text("Confirm your email address")
    audit("/account", "account-page-unconfirmed")


def audit_source(audit) -> Path:
    """axe-core's path (the audit fixture already skipped the test when it is missing)."""
    from .conftest import AXE

    return AXE
