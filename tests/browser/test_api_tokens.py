"""The JSON API's docs page and the account page's API tokens in Chromium, checked with axe."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect
from sqlmodel import select

from directory.auth import find_user
from directory.db import get_db
from directory.models import Organisation, Service

from .. import factories
from .conftest import AXE, SCREENSHOTS, axe_violations

PASSWORD = "a walk along the canal"


def serious(page) -> list[str]:
    return [v["id"] for v in axe_violations(page, AXE) if v["impact"] in ("serious", "critical")]


def test_the_api_docs_page_passes_axe_and_its_forms_try_the_api(audit):
    page = audit("/api/docs", "api-docs", phone=True)
    form = page.locator("form.api-try").filter(has=page.locator("input[value='/api/search']"))
    form.locator("input[name='q']").fill("food")
    form.locator("input[name='postcode']").fill("HX1")
    with page.expect_navigation():
        form.locator("button").click()
    assert page.url.split("?", 1)[0].endswith("/api/search")
    body = json.loads(page.locator("body").inner_text())
    assert body["total"] > 0 and body["place"]["query"] == "HX1"


def test_an_editor_creates_uses_and_revokes_a_token(audit, live_server):
    with get_db(live_server.app).unit_of_work() as session:
        organisation = session.exec(select(Organisation).order_by(Organisation.name)).first()
        service = session.exec(
            select(Service).where(Service.organisation_id == organisation.id, Service.archived_at.is_(None))
        ).first()
        if find_user(session, "api.editor@example.org") is None:
            factories.user(
                session,
                "api.editor@example.org",
                password=PASSWORD,
                name="Ari Pi",
                organisations=[organisation],
                trusted=True,
            )
        service_id, version = service.id, service.version
    page = audit("/account/login", "api-login")
    page.locator("#email").fill("api.editor@example.org")
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/account/login'] button").click()

    page = audit("/account", "account-api-tokens")
    page.locator("#token_name").fill("Our website")
    with page.expect_navigation():
        page.locator("form[action^='/account/tokens'] button").click()
    secret = page.locator("#new-token-value").input_value()
    assert secret.startswith("sp_")
    page.screenshot(path=str(SCREENSHOTS / "account-api-token-created.png"), full_page=True)
    assert not serious(page)

    request = urllib.request.Request(
        f"{live_server.url}/api/services/{service_id}",
        method="PATCH",
        data=json.dumps({"version": version, "alert": "Closed on bank holidays"}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    answer = json.loads(urllib.request.urlopen(request, timeout=10).read())
    assert answer["outcome"] == "published" and answer["service"]["alert"] == "Closed on bank holidays"

    page.goto(f"{live_server.url}/account")
    row = page.locator(".api-tokens li", has_text="Our website")
    expect(row).to_contain_text("today")
    with page.expect_navigation():
        row.locator("button").click()
    expect(page.locator("[role=status]")).to_contain_text("is revoked")
    expect(page.locator(".api-tokens li", has_text="Our website")).to_contain_text("revoked")
    assert not serious(page)
