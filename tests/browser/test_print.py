"""What paper shows: the service page and the shortlist printed with the browser's own print."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from directory.models import Service

from .helpers import make_account, sign_in_with_keyboard

FOOD_NEAR_G31 = "/search?q=food&postcode=G31+2ER"


def test_a_printed_service_page_leaves_out_the_forms(page, live_server):
    page.goto(live_server.service_path(Service.status == "active"))
    page.emulate_media(media="print")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#report-heading")).to_be_hidden()
    expect(page.locator("#suggest-heading")).to_be_hidden()
    expect(page.locator("form").first).to_be_hidden()


def test_the_shortlist_printed_by_the_browser_keeps_the_notes(page):
    page.goto(FOOD_NEAR_G31)
    page.locator("ol.results > li.result:nth-child(1) .shortlist-button").click()
    page.goto("/shortlist")
    page.locator("textarea[name=note]").first.fill("Ask at reception for Jo")
    page.get_by_role("button", name=re.compile("Save note")).first.click()
    page.emulate_media(media="print")
    expect(page.locator(".shortlist-note.print-only")).to_have_text("Note: Ask at reception for Jo")
    expect(page.locator("textarea[name=note]").first).to_be_hidden()


def test_signing_in_from_a_service_page_returns_to_it(page, live_server):
    make_account(live_server, "back-to-page@example.org")
    path = live_server.service_path(Service.status == "active")
    page.goto(path)
    page.get_by_role("link", name="Sign in").click()
    sign_in_with_keyboard(page, "back-to-page@example.org")
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def test_every_page_has_a_favicon(page):
    page.goto("/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(href).status == 200
