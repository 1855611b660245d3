"""A link worker's journeys, by keyboard alone and with JavaScript off, and hostile input shown as text."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from playwright.sync_api import expect

from .conftest import CONTEXT
from .helpers import tab_to

HOSTILE = "<img src=x onerror=alert(1)>"


def test_keyboard_search_filter_and_open_a_service(page):
    page.goto("/")
    tab_to(page, "#q")
    page.keyboard.type("food")
    tab_to(page, "#postcode")
    page.keyboard.type("G31 2ER")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/search\?q=food&postcode=G31\+2ER"))
    expect(page.locator("#results-heading")).to_have_text(
        re.compile(r"^\s*\d+ services? for “food” within 5 km of G31 2ER\s*$")
    )
    expect(page.locator("ol.results > li.result").first).to_be_visible()

    tab_to(page, "#free")
    page.keyboard.press("Space")
    expect(page.locator("#free")).to_be_checked()
    tab_to(page, "button.secondary")
    expect(page.locator(":focus")).to_have_text("Apply filters")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "free=1" in page.url
    expect(page.locator(".active-filters li").filter(has_text="Free")).to_be_visible()
    expect(page.locator("#free")).to_be_checked()

    first = page.locator("li.result h3 a").first
    name = first.inner_text()
    tab_to(page, "li.result h3 a >> nth=0")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/services/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    for heading in ("Who it is for", "How to refer or go along", "When", "Where"):
        assert heading in headings, headings


def test_skip_link_is_the_first_tab_stop_and_moves_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_hostile_search_text_is_shown_as_text_and_never_run(browser, live_server):
    # The site's CSP would block the inline handler anyway; bypass it so escaping alone is tested.
    context = browser.new_context(**CONTEXT, bypass_csp=True, base_url=live_server.url)
    dialogs = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto("/")
        page.get_by_label("What are you looking for?").fill(HOSTILE)
        with page.expect_navigation():
            page.get_by_label("What are you looking for?").press("Enter")
        assert quote_plus(HOSTILE) in page.url
        expect(page.locator("#results-heading")).to_contain_text(f"for “{HOSTILE}”")
        expect(page.get_by_label("What are you looking for?")).to_have_value(HOSTILE)
        assert page.locator("img[src=x]").count() == 0
        page.wait_for_timeout(300)
        assert dialogs == []
    finally:
        context.close()
