"""The map with JavaScript on (tiles cannot load here: no internet) and off, by keyboard, and with axe."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from directory.views import assets

from .conftest import CONTEXT, SCREENSHOTS, axe_violations

FOOD_NEAR_G31 = "/search?q=food&postcode=G31+2ER"


def open_page(browser, live_server, **options):
    """A desktop page with JavaScript on; tile requests fail, as they do offline. Its .problems lists script
    errors and CSP violations."""
    if assets.leaflet_version() is None:
        pytest.skip("Leaflet not installed: npm ci (make test does it)")
    context = browser.new_context(**CONTEXT, base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    context.route(re.compile(r"^https?://[^/]*tile\.openstreetmap\.org/"), lambda route: route.abort())
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            page.problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return context, page


@pytest.fixture
def js_page(browser, live_server):
    """JavaScript on, under Signpost's real Content-Security-Policy."""
    context, page = open_page(browser, live_server)
    yield page
    context.close()


@pytest.fixture
def axe_page(browser, live_server, axe_source):
    """JavaScript on, with the CSP bypassed only so axe-core can be injected."""
    context, page = open_page(browser, live_server, bypass_csp=True)
    yield page
    context.close()


def screenshot(page, selector: str, name: str) -> None:
    """The window with selector's top near the top: the map and what is around it, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(selector).evaluate(
        "element => window.scrollTo(0, element.getBoundingClientRect().top + window.scrollY - 150)"
    )
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def map_markers(page, block_id: str = "results-map-data") -> list[dict]:
    return json.loads(page.locator(f"#{block_id}").text_content())["markers"]


def test_results_map_draws_every_result_with_a_point_and_the_searched_place(js_page):
    js_page.goto(FOOD_NEAR_G31)
    the_map = js_page.get_by_role("region", name="Map of results near G31 2ER")
    expect(the_map).to_be_visible()
    expect(the_map).to_have_class(re.compile(r"\bleaflet-container\b"))
    placed = map_markers(js_page)
    assert 0 < len(placed) <= js_page.locator("ol.results > li.result").count()
    expect(the_map.locator(".leaflet-marker-icon")).to_have_count(len(placed) + 1)
    expect(the_map.locator(".map-place")).to_have_count(1)
    expect(js_page.locator(".map-key")).to_contain_text("G31 2ER: where you searched (dashed line: 5 km)")
    first = the_map.locator(".map-marker").first
    assert first.get_attribute("aria-label").startswith(f"1. {placed[0]['name']}")
    assert not js_page.problems, js_page.problems


def test_when_tiles_cannot_load_the_map_says_so_and_the_list_still_works(js_page):
    js_page.goto(FOOD_NEAR_G31)
    expect(js_page.locator("#results-map.map-no-tiles")).to_be_visible()
    expect(js_page.locator(".map-note")).to_contain_text("The map background could not load")
    screenshot(js_page, "#results-map", "search-map")
    first = js_page.locator("li.result h3 a").first
    name = first.inner_text()
    with js_page.expect_navigation():
        first.click()
    expect(js_page.get_by_role("heading", level=1)).to_have_text(name)


def test_a_marker_popup_links_to_the_service(js_page):
    js_page.goto(FOOD_NEAR_G31)
    placed = map_markers(js_page)
    js_page.locator(".map-marker").first.click()
    link = js_page.locator(".leaflet-popup .map-popup a")
    expect(link).to_have_text(f"1. {placed[0]['name']}")
    with js_page.expect_navigation():
        link.click()
    expect(js_page.get_by_role("heading", level=1)).to_have_text(placed[0]["name"])


def test_keyboard_users_can_open_a_marker_and_are_never_trapped(js_page):
    js_page.goto(FOOD_NEAR_G31)
    marker = js_page.locator(".map-marker").first
    marker.focus()
    js_page.keyboard.press("Enter")
    expect(js_page.locator(".leaflet-popup .map-popup a")).to_be_focused()
    js_page.keyboard.press("Escape")
    expect(js_page.locator(".leaflet-popup")).to_have_count(0)
    expect(marker).to_be_focused()
    # Straight on through every marker and control to what follows the map...
    for _ in range(80):
        js_page.keyboard.press("Tab")
        if js_page.evaluate(FOCUS_IS_PAST_THE_MAP):
            break
    else:
        raise AssertionError("Tab never left the map")
    # ...or past the map in one step.
    js_page.locator("#results-map").focus()
    js_page.keyboard.press("Shift+Tab")
    expect(js_page.locator(".map-skip")).to_be_focused()
    expect(js_page.locator(".map-skip")).to_be_visible()
    js_page.keyboard.press("Enter")
    js_page.keyboard.press("Tab")
    assert js_page.evaluate(FOCUS_IS_PAST_THE_MAP)


FOCUS_IS_PAST_THE_MAP = """() => {
  const map = document.getElementById("results-map"), focused = document.activeElement;
  return !map.contains(focused) && !!(map.compareDocumentPosition(focused) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


def test_service_page_shows_its_venues_on_a_small_map(js_page):
    js_page.goto(FOOD_NEAR_G31)
    js_page.locator("li.result h3 a").first.click()
    the_map = js_page.locator("#venues-map")
    expect(the_map).to_be_visible()
    expect(the_map).to_have_attribute("aria-label", re.compile(r"^Map of the venues?$"))
    venues = map_markers(js_page, "venues-map-data")
    expect(the_map.locator(".map-marker")).to_have_count(len(venues))
    expect(the_map.locator(".map-place")).to_have_count(0)
    screenshot(js_page, "#where", "service-map")
    assert not js_page.problems, js_page.problems


def test_without_javascript_no_map_box_shows(page):
    page.goto(FOOD_NEAR_G31)
    expect(page.locator("ol.results > li.result").first).to_be_visible()
    assert page.locator("[data-map]").count() in (0, 1)
    expect(page.locator("[data-map]")).to_be_hidden()
    expect(page.locator(".leaflet-container, .map-skip, .map-note")).to_have_count(0)
    page.locator("li.result h3 a").first.click()
    expect(page.locator("#venues-map")).to_be_hidden()


def test_search_page_with_the_map_passes_axe(axe_page, axe_source):
    js_page = axe_page
    js_page.goto(FOOD_NEAR_G31)
    expect(js_page.locator("#results-map .map-marker").first).to_be_visible()
    js_page.locator(".map-marker").first.click()  # with a popup open too
    expect(js_page.locator(".leaflet-popup")).to_be_visible()
    violations = axe_violations(js_page, axe_source)
    for v in violations:
        print(f"[search-map] axe {v['impact']}: {v['id']} – {v['help']} {[n['target'] for n in v['nodes']][:5]}")
    bad = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"serious or critical accessibility violations with the map: {bad}"
