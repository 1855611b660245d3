"""The first result is on screen without scrolling, on a laptop and a phone, with JavaScript on or off."""

from __future__ import annotations

import pytest

from .conftest import CONTEXT, SCREENSHOTS

SEARCH = "/search?q=food&postcode=G31+2ER"


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 375, "height": 667}], ids=["laptop", "phone"]
)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_first_result_is_visible_without_scrolling(browser, live_server, viewport, javascript):
    context = browser.new_context(
        **(CONTEXT | {"viewport": viewport}), java_script_enabled=javascript, base_url=live_server.url
    )
    page = context.new_page()
    page.goto(SEARCH)
    first = page.locator("ol.results > li.result").first
    box = first.bounding_box()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"results-first-{viewport['width']}-{'js' if javascript else 'nojs'}.png"))
    context.close()
    assert box is not None and box["y"] + 40 < viewport["height"], box  # its heading at least is on screen
