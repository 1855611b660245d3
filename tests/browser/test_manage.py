"""An editor edits a listing by keyboard with JavaScript off; a moderator approves it; the pages pass axe."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from directory.db import get_db
from directory.models import ChangeRequest, Service

from .conftest import CONTEXT, axe_violations
from .helpers import a_service, account, tab_to


@pytest.mark.slow
def test_an_editor_edits_by_keyboard_and_a_moderator_approves(browser, live_server, audit):
    service_id, organisation_id = a_service(live_server)
    edit_path = f"/manage/services/{service_id}/edit"

    # The editor, JavaScript off, keyboard only.
    editor = browser.new_context(**CONTEXT, java_script_enabled=False, base_url=live_server.url)
    editor.add_cookies([account(live_server, organisation_id=organisation_id)])
    page = editor.new_page()
    page.goto(edit_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit")
    tab_to(page, "#summary")
    page.keyboard.press("Control+A")
    page.keyboard.type("Checked by keyboard: a warm welcome every week")
    blank = page.locator("fieldset.row legend", has_text="(new)").first.inner_text()
    number = int(re.search(r"Session (\d+)", blank)[1]) - 1
    tab_to(page, f"#schedules-{number}-weekday", limit=250)
    page.keyboard.type("Friday")
    expect(page.locator(f"#schedules-{number}-weekday")).to_have_value("FR")
    tab_to(page, f"#schedules-{number}-description", limit=40)
    page.keyboard.type("Friday drop-in")
    tab_to(page, "#service-form button[type=submit]", limit=250)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/manage$"))
    expect(page.get_by_role("status")).to_contain_text("Sent for review")
    page.screenshot(path="test-output/screenshots/manage-sent-for-review.png", full_page=True)
    with get_db(live_server.app).unit_of_work() as session:
        assert session.get(Service, uuid.UUID(service_id)).summary != "Checked by keyboard: a warm welcome every week"
        pending = session.exec(
            select(ChangeRequest).where(
                ChangeRequest.target_id == uuid.UUID(service_id), ChangeRequest.status == "pending"
            )
        ).all()
        # Other browser tests share this server and may have queued their own changes to the service.
        [change] = [c for c in pending if c.proposed.get("summary") == "Checked by keyboard: a warm welcome every week"]
        change_id = change.id
    editor.close()

    # axe on the edit form, the queue and the diff, while the change waits (signed in through the audit fixture's context).
    moderator_cookie = account(live_server, roles=["moderator"], name="Mo Derator")
    first = audit("/", "manage-audit-start")
    first.context.add_cookies([moderator_cookie])
    audit(edit_path, "manage-edit-form", phone=True)
    with get_db(live_server.app).unit_of_work() as session:
        another = session.exec(
            select(Service)
            .where(Service.id != uuid.UUID(service_id), Service.archived_at.is_(None))
            .order_by(Service.name)
        ).first()
        session.add(
            ChangeRequest(
                target_type="service",
                target_id=another.id,
                organisation_id=another.organisation_id,
                kind="suggestion",
                proposed={"text": "The phone number has changed"},
            )
        )
    audit("/moderate/changes", "moderate-queue", phone=True)
    audit(f"/moderate/changes/{change_id}", "moderate-diff", phone=True)

    # The moderator, also JavaScript off and keyboard only.
    moderator = browser.new_context(**CONTEXT, java_script_enabled=False, base_url=live_server.url)
    moderator.add_cookies([moderator_cookie])
    page = moderator.new_page()
    page.goto("/moderate/changes")
    tab_to(page, f"a[href='/moderate/changes/{change_id}']", limit=150)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = page.locator("table.diff-table tbody th").all_inner_texts()
    assert rows == ["Summary", "Sessions"], rows
    tab_to(page, "#decision-approve")
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Approved")
    moderator.close()
    with get_db(live_server.app).unit_of_work() as session:
        live = session.get(Service, uuid.UUID(service_id))
        assert live.summary == "Checked by keyboard: a warm welcome every week"
        assert "FR" in [s.weekday for s in live.schedules]

    audit(f"/moderate/services/{service_id}/history", "moderate-history")


def test_the_edit_form_with_errors_is_accessible(browser, live_server, axe_source):
    service_id, organisation_id = a_service(live_server)
    context = browser.new_context(**CONTEXT, bypass_csp=True, base_url=live_server.url)
    context.add_cookies([account(live_server, organisation_id=organisation_id)])
    page = context.new_page()
    page.goto(f"/manage/services/{service_id}/edit")
    page.locator("#min_age").fill("two hundred")
    page.locator("#email").fill("not an address")
    with page.expect_navigation():
        page.locator("#service-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_contain_text("Minimum age: Enter a whole number")
    expect(page.locator("#min_age")).to_have_value("two hundred")
    expect(page.locator("#min_age")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path="test-output/screenshots/manage-edit-errors.png", full_page=False)
    bad = [v["id"] for v in axe_violations(page, axe_source) if v["impact"] in ("serious", "critical")]
    context.close()
    assert not bad, bad
