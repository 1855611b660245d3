"""The client shortlist by keyboard with JavaScript off; print, save and the short link; axe on each page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import CONTEXT, PHONE, SCREENSHOTS, axe_violations
from .helpers import tab_to

FOOD_NEAR_G31 = "/search?q=food&postcode=G31+2ER"
NOTE = "Ask at reception for the group leader"


def result_button(n: int) -> str:
    return f"ol.results > li.result:nth-child({n}) .shortlist-button"


def assert_accessible(page, axe_source, name: str) -> None:
    violations = axe_violations(page, axe_source)
    for v in violations:
        print(f"[{name}] axe {v['impact']}: {v['id']} – {v['help']} {[n['target'] for n in v['nodes']][:5]}")
    bad = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: serious or critical accessibility violations: {bad}"


def test_build_print_and_save_a_shortlist_by_keyboard(page, browser, live_server, axe_source):
    page.goto(FOOD_NEAR_G31)
    names = page.locator("ol.results > li.result h3").all_inner_texts()[:2]

    for n in (1, 2):
        tab_to(page, result_button(n))
        expect(page.locator(":focus")).to_have_text(re.compile(r"^Add to shortlist"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        # Back on the same results, at the same result, with the button now offering to remove.
        expect(page).to_have_url(re.compile(r"/search\?q=food&postcode=G31(\+|%20)2ER#shortlist-[0-9a-f-]{36}$"))
        expect(page.locator(result_button(n))).to_have_text(re.compile(r"^On your shortlist – remove"))
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text(re.compile(r"^On your shortlist – remove"))
    expect(page.get_by_role("link", name="Shortlist (2)")).to_be_visible()

    page.get_by_role("link", name="Shortlist (2)").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your shortlist")
    assert page.locator("li.shortlist-item h2").all_inner_texts() == names
    expect(page.locator("#privacy-reminder")).to_contain_text("Do not write the person's name or details here")

    tab_to(page, "li.shortlist-item:nth-child(1) textarea")
    page.keyboard.type(NOTE)
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile(r"^Save note"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("li.shortlist-item:nth-child(1) textarea")).to_have_value(NOTE)
    text = page.locator("#plain-text").input_value()
    assert (
        text.startswith(f"Services to try:\n\n1. {names[0]}\n") and f"Note: {NOTE}" in text and f"2. {names[1]}" in text
    )
    expect(page.locator("#plain-text-hint")).to_contain_text(f"{len(text)} characters")

    tab_to(page, "a[href='/shortlist/print']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Services to try")
    expect(page.locator(".shortlist-note")).to_have_text(f"Note: {NOTE}")
    page.go_back()

    tab_to(page, "button:has-text('Save and get a short link')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    link = page.locator(".short-link a")
    expect(link).to_have_text(re.compile(re.escape(live_server.url) + r"/s/[A-Za-z0-9_-]{12}$"))
    short = link.inner_text()
    assert f"List online: {short}" in page.locator("#plain-text").input_value()

    # Looked at with JavaScript on, as most people will: screenshots and axe on each page.
    context = browser.new_context(**CONTEXT, bypass_csp=True, storage_state=page.context.storage_state())
    try:
        view = context.new_page()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        view.goto(live_server.url + "/shortlist")
        expect(view.locator(".copy-button")).to_be_visible()
        view.screenshot(path=str(SCREENSHOTS / "shortlist.png"), full_page=True)
        assert_accessible(view, axe_source, "shortlist")
        view.set_viewport_size(PHONE)
        view.screenshot(path=str(SCREENSHOTS / "shortlist-phone.png"), full_page=True)
        assert view.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        view.goto(live_server.url + "/shortlist/print?large=1")
        view.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        view.emulate_media(media="print")
        expect(view.locator(".site-header")).to_be_hidden()
        expect(view.locator(".print-controls")).to_be_hidden()
        view.screenshot(path=str(SCREENSHOTS / "shortlist-print.png"), full_page=True)
        view.emulate_media(media="screen")
        assert_accessible(view, axe_source, "shortlist-print")

        view.set_viewport_size(CONTEXT["viewport"])
        response = view.goto(short)
        assert response is not None and response.status == 200
        expect(view.locator("li.shortlist-item h2")).to_have_text(names)
        expect(view.locator(".shortlist-note")).to_have_text(f"Note: {NOTE}")
        assert view.locator("main form").count() == 0
        view.screenshot(path=str(SCREENSHOTS / "saved-shortlist.png"), full_page=True)
        assert_accessible(view, axe_source, "saved-shortlist")
    finally:
        context.close()


def test_copy_button_copies_the_plain_text_under_the_real_csp(browser, live_server):
    context = browser.new_context(**CONTEXT, base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    errors = []
    try:
        page = context.new_page()
        page.goto(FOOD_NEAR_G31)
        with page.expect_navigation():
            page.locator(result_button(1)).click()
        # Only the shortlist page's own errors (a CSP refusal would show here), not map tiles offline.
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto("/shortlist")
        page.get_by_role("button", name="Copy text").click()
        expect(page.get_by_role("status")).to_contain_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == page.locator("#plain-text").input_value()
        assert errors == []
    finally:
        context.close()


def test_an_unknown_short_link_is_a_404_page(page):
    response = page.goto("/s/nosuchlink00")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
