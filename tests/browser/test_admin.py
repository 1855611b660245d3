"""The administrators' pages and the organisation and venue forms pass axe; an admin disables an account by keyboard."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from directory.db import get_db
from directory.models import Location, Organisation, User

from .conftest import CONTEXT, SCREENSHOTS, axe_violations
from .helpers import a_service, account, tab_to


def _check(page, axe_source, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = axe_violations(page, axe_source)
    for v in violations:
        print(f"[{name}] axe {v['impact']}: {v['id']} – {v['help']} {[n['target'] for n in v['nodes']][:5]}")
    bad = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


@pytest.mark.slow
def test_admin_pages_and_listing_forms_are_accessible(browser, live_server, axe_source):
    _, organisation_id = a_service(live_server)
    with get_db(live_server.app).unit_of_work() as session:
        venue_id = session.exec(select(Location.id).where(Location.organisation_id == organisation_id)).first()
        name = session.get(Organisation, organisation_id).name
    context = browser.new_context(**CONTEXT, bypass_csp=True, base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.add_cookies([account(live_server, roles=["admin"], name="Ada Min")])
    editor_name = f"Sam Editor {uuid.uuid4().hex[:6]}"
    editor_cookie = account(live_server, organisation_id=organisation_id, name=editor_name)
    with get_db(live_server.app).unit_of_work() as session:
        editor_id = session.exec(select(User.id).where(User.name == editor_name)).one()
    page = context.new_page()
    for path, shot in (
        ("/admin", "admin-home"),
        ("/admin/users", "admin-users"),
        (f"/admin/users/{editor_id}", "admin-user"),
        (f"/admin/organisations?q={name[:6]}", "admin-organisations"),
        (f"/admin/organisations/{organisation_id}", "admin-organisation"),
        (f"/manage/organisations/{organisation_id}/edit", "organisation-form"),
        (f"/manage/organisations/{organisation_id}/locations/new", "venue-new-form"),
        (f"/manage/locations/{venue_id}/edit", "venue-form"),
        ("/organisations/new", "organisation-proposal"),
        (f"/moderate/organisations/{organisation_id}/history", "organisation-history"),
    ):
        response = page.goto(path)
        assert response.status == 200, path
        _check(page, axe_source, shot)

    # A venue form with errors: the summary links to the fields, which keep what was typed.
    page.goto(f"/manage/organisations/{organisation_id}/locations/new")
    page.locator("#postcode").fill("G31")
    page.locator("#name").fill("Back room")
    with page.expect_navigation():
        page.locator("#listing-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_contain_text("Postcode: 'G31' is only part of a postcode")
    expect(page.locator("#postcode")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name")).to_have_value("Back room")
    _check(page, axe_source, "venue-form-errors")
    context.close()

    # The editor sees their dashboard with the new links.
    editor_context = browser.new_context(**CONTEXT, bypass_csp=True, base_url=live_server.url)
    editor_context.add_cookies([editor_cookie])
    dashboard = editor_context.new_page()
    dashboard.goto("/manage")
    expect(dashboard.get_by_role("link", name="Edit the organisation's details")).to_be_visible()
    _check(dashboard, axe_source, "manage-dashboard-organisation-links")
    editor_context.close()


def test_an_admin_disables_an_account_by_keyboard_without_javascript(browser, live_server):
    cookie = account(live_server, roles=["admin"], name="Ada Keyboard")
    user_name = f"Leaving {uuid.uuid4().hex[:6]}"
    account(live_server, name=user_name)
    with get_db(live_server.app).unit_of_work() as session:
        user_id = session.exec(select(User.id).where(User.name == user_name)).one()
    context = browser.new_context(**CONTEXT, java_script_enabled=False, base_url=live_server.url)
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(f"/admin/users?q={user_name}")
    tab_to(page, f"a[href='/admin/users/{user_id}']", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#archive_reason", limit=60)
    page.keyboard.type("Left the organisation")
    tab_to(page, "form[action$='/disable'] button", limit=5)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("can no longer sign in")
    expect(page.locator("main")).to_contain_text("Left the organisation")
    page.screenshot(path=str(SCREENSHOTS / "admin-user-disabled.png"), full_page=True)
    context.close()
    with get_db(live_server.app).unit_of_work() as session:
        assert session.get(User, user_id).disabled_at is not None
