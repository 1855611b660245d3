"""Keeping listings fresh in a browser: a review link answered with JavaScript off, the dashboard; axe on each."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from playwright.sync_api import expect

from .conftest import CONTEXT, SCREENSHOTS, axe_violations
from .helpers import account


def run_freshness(live_server) -> None:
    result = live_server.app.test_cli_runner().invoke(args=["freshness", "run", "--no-links"])
    assert result.exit_code == 0, result.output


def review_links(live_server, action: str) -> list[str]:
    """The paths of every `action` link in the reminders written so far."""
    folder = Path(live_server.app.config["SIGNPOST"].INSTANCE_DIR) / "mail"
    found = []
    for path in sorted(folder.glob("*.eml")):
        body = email.message_from_bytes(path.read_bytes(), policy=email.policy.default).get_content()
        found += re.findall(rf"https?://[^/\s]+(/review/{action}/\S+)", body)
    assert len(found) > 1, "the demo directory should have several listings due for review"
    return found


def check(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    bad = [
        v["id"]
        for v in axe_violations(page, Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js")
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: {bad}"


def test_still_correct_from_an_email_link_with_javascript_off(browser, live_server, audit, axe_source):
    run_freshness(live_server)
    path = review_links(live_server, "confirm")[0]
    audit(path, "review-confirm", phone=True)
    context = browser.new_context(**CONTEXT, java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto(path)
    page.get_by_role("button", name="Yes, it is still correct").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
    context.close()
    audit(review_links(live_server, "closed")[-1], "review-closed")


def test_the_dashboard_passes_axe(browser, live_server, axe_source):
    run_freshness(live_server)
    context = browser.new_context(**CONTEXT, bypass_csp=True, base_url=live_server.url)
    context.add_cookies([account(live_server, roles=["moderator"], name="Mo Derator")])
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/moderate/freshness")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keeping listings fresh")
    check(page, "freshness-dashboard")
    page.screenshot(path=str(SCREENSHOTS / "freshness-dashboard-top.png"))
    page.get_by_role("link", name=re.compile(r"^Stale: \d+")).click()
    expect(page.get_by_role("heading", level=2, name=re.compile("^Stale"))).to_be_visible()
    page.locator(".listing-table tbody a").first.click()
    expect(page.get_by_role("heading", level=2, name="Reminders and answers")).to_be_visible()
    check(page, "freshness-listing")
    context.close()
