"""The search widget on a partner's page served from another origin: two presets, isolation both ways, axe."""

from __future__ import annotations

import gzip
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import CONTEXT, SCREENSHOTS, axe_violations

# The partner's own styles are loud on purpose: none of them may reach inside the widget.
PARTNER_PAGE = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Calder Carers: find help</title>
<style>
  body {{ font-family: "Comic Sans MS", cursive; color: rgb(90, 0, 90); background: rgb(255, 250, 230);
         line-height: 3; letter-spacing: 2px; text-transform: uppercase; }}
  a {{ color: rgb(160, 0, 0); font-size: 30px; }}
  button {{ background: rgb(0, 100, 0); color: rgb(255, 255, 255); border-radius: 0; }}
  li {{ border: 4px dashed rgb(160, 0, 0); }}
  label {{ display: none; }}
  #food {{ --signpost-accent: rgb(122, 0, 73); }}
</style>
<script src="{signpost}/widget.js" defer></script>
</head>
<body>
<main>
<h1>Calder Carers</h1>
<p><a id="host-link" href="#">Our own news</a> <button id="host-button" type="button">Donate</button></p>
<ul><li id="host-item">Our Tuesday coffee morning</li></ul>
<h2>Food and money help near Halifax</h2>
<signpost-search id="food" postcode="HX1" categories="food,money" radius="5" results="3">
  <a href="{signpost}/search">Search Signpost</a>
</signpost-search>
<h2>Groups near Parkhead</h2>
<signpost-search id="social" postcode="G31" categories="social-connection" radius="3" label="Find a group"></signpost-search>
</main>
</body>
</html>
"""


@pytest.fixture(scope="module")
def partner(live_server):
    """A partner's website on another origin (another port), embedding two widgets."""
    body = PARTNER_PAGE.format(signpost=live_server.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def partner_page(browser, partner):
    context = browser.new_context(**CONTEXT)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(partner)
    page.wait_for_function("customElements.get('signpost-search') !== undefined")
    yield page
    context.close()


def style(locator, prop: str) -> str:
    return locator.evaluate(f"el => getComputedStyle(el).getPropertyValue({prop!r})")


def search(page, widget: str, words: str = "") -> None:
    page.locator(f"#{widget} input[name=q]").fill(words)
    page.locator(f"#{widget} input[name=q]").press("Enter")
    page.wait_for_function(
        f"document.querySelector('#{widget}').shadowRoot.querySelector('[role=status]').textContent.includes('found')"
    )


def test_two_widgets_search_and_link_to_signposts_pages(partner_page, live_server):
    search(partner_page, "food")
    search(partner_page, "social")
    food, social = partner_page.locator("#food"), partner_page.locator("#social")
    for widget, near in ((food, "HX1"), (social, "G31")):
        assert f"found near {near}" in widget.get_by_role("status").inner_text()
        links = widget.locator("ol a.name")
        assert links.count() > 0
        assert all(
            href.startswith(f"{live_server.url}/services/") for href in links.evaluate_all("a => a.map(x => x.href)")
        )
    assert food.locator("ol li").count() == 3  # its own preset: 3 at a time
    assert social.locator("ol li").count() == 5
    food_names = set(food.locator("ol a.name").all_inner_texts())
    assert not food_names & set(social.locator("ol a.name").all_inner_texts())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    partner_page.screenshot(path=str(SCREENSHOTS / "widget-partner.png"), full_page=True)


def test_a_result_opens_signposts_service_page(partner_page, live_server):
    search(partner_page, "social")
    link = partner_page.locator("#social ol a.name").first
    name = link.inner_text()
    link.click()
    partner_page.wait_for_url(f"{live_server.url}/services/*")
    assert partner_page.get_by_role("heading", level=1).inner_text() == name


def test_the_partners_styles_stay_out_of_the_widget(partner_page):
    search(partner_page, "food")
    label = partner_page.locator("#food label").first
    assert style(label, "display") != "none"
    link = partner_page.locator("#food ol a.name").first
    assert style(link, "color") == "rgb(122, 0, 73)"  # the partner's theme, through a custom property
    assert "Comic" not in style(link, "font-family")
    assert style(link, "text-transform") == "none" and style(link, "letter-spacing") == "normal"
    assert style(partner_page.locator("#food ol li").first, "border-top-style") == "solid"
    button = partner_page.locator("#food button[type=submit]")
    assert style(button, "background-color") == "rgb(122, 0, 73)" and style(button, "border-top-left-radius") == "6px"
    default_link = partner_page.locator("#social a").first
    assert style(default_link, "color") == "rgb(0, 83, 159)"  # no theme set: Signpost's blue


def test_the_widgets_styles_stay_out_of_the_partners_page(partner_page):
    search(partner_page, "food")
    assert style(partner_page.locator("#host-link"), "color") == "rgb(160, 0, 0)"
    assert style(partner_page.locator("#host-link"), "font-size") == "30px"
    assert style(partner_page.locator("#host-button"), "background-color") == "rgb(0, 100, 0)"
    assert style(partner_page.locator("#host-item"), "border-top-style") == "dashed"
    assert style(partner_page.locator("body"), "text-transform") == "uppercase"


def test_keyboard_and_screen_reader_use(partner_page):
    widget = partner_page.locator("#social")
    partner_page.locator("#food button[type=submit]").focus()
    partner_page.keyboard.press("Tab")  # the first widget's credit link
    assert partner_page.evaluate("document.querySelector('#food').shadowRoot.activeElement.textContent") == "Signpost"
    partner_page.keyboard.press("Tab")  # into the second widget's search box
    assert widget.get_by_role("searchbox", name="Find a group").evaluate("el => el === el.getRootNode().activeElement")
    partner_page.keyboard.type("group")
    partner_page.keyboard.press("Enter")
    status = widget.get_by_role("status")
    partner_page.wait_for_function(
        "document.querySelector('#social').shadowRoot.querySelector('[role=status]').textContent.includes('found')"
    )
    assert status.get_attribute("aria-live") == "polite"
    assert "showing 5" in status.inner_text()
    more = widget.get_by_role("button", name="More results")
    more.focus()
    partner_page.keyboard.press("Enter")
    partner_page.wait_for_function("document.querySelector('#social').shadowRoot.querySelectorAll('ol li').length > 5")
    focused = partner_page.evaluate("document.querySelector('#social').shadowRoot.activeElement.textContent")
    assert focused == widget.locator("ol li").nth(5).locator("a").inner_text()


def test_a_bad_postcode_is_explained_at_the_postcode_box(partner_page):
    widget = partner_page.locator("#food")
    widget.get_by_label("Postcode").fill("ZZ99 9ZZ")
    widget.get_by_role("button", name="Search").click()
    partner_page.wait_for_function(
        "document.querySelector('#food').shadowRoot.querySelector('[role=status]').textContent.startsWith('Postcode')"
    )
    assert widget.get_by_label("Postcode").get_attribute("aria-invalid") == "true"
    assert widget.get_by_label("Postcode").evaluate("el => el === el.getRootNode().activeElement")


def test_the_partner_page_with_widgets_passes_axe(partner_page, axe_source):
    search(partner_page, "food")
    search(partner_page, "social")
    violations = axe_violations(partner_page, axe_source)
    for v in violations:
        print(f"[widget-partner] axe {v['impact']}: {v['id']} – {v['help']} {[n['target'] for n in v['nodes']][:5]}")
    assert not [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def test_the_guide_shows_a_working_example_under_signposts_own_policy(browser, live_server, audit):
    """Signpost's CSP allows no inline styles: the widget's styles must still apply on its own guide page."""
    context = browser.new_context(**CONTEXT)  # the real CSP, not bypassed
    page = context.new_page()
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(live_server.url + "/widget")
    page.locator("signpost-search ol li").first.wait_for()  # (the policy forbids evaluating strings)
    assert style(page.locator("signpost-search button[type=submit]"), "background-color") == "rgb(0, 83, 159)"
    assert f'<script src="{live_server.url}/widget.js" defer></script>' in page.locator("pre").first.inner_text()
    assert refused == []
    context.close()
    guide = audit("/widget", "widget-guide", phone=True)
    assert guide.locator("signpost-search ol li").count() > 0


def test_the_script_is_small(live_server):
    with urllib.request.urlopen(live_server.url + "/widget.js") as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Content-Type"].startswith("text/javascript")
        size = len(gzip.compress(response.read(), compresslevel=9))
    assert size < 20 * 1024, f"widget.js is {size} bytes gzipped"


def test_choosing_settings_updates_the_code_and_the_preview(audit):
    page = audit("/widget?postcode=G31&category=social-connection&results=3", "widget-guide-chosen")
    page.locator("signpost-search ol li").first.wait_for()
    assert page.locator("signpost-search ol li").count() == 3
    assert 'categories="social-connection"' in page.get_by_label("The search line").inner_text()
    page.get_by_label("Postcode to start from").fill("HX1")
    page.get_by_label("Food", exact=True).check()
    page.get_by_role("button", name="Show the code and a preview").click()
    page.wait_for_url("**postcode=HX1**")
    line = page.get_by_label("The search line").inner_text()
    assert 'postcode="HX1"' in line and 'categories="food,social-connection"' in line
    page.locator("signpost-search ol li").first.wait_for()
    assert "near HX1" in page.locator("signpost-search [role=status]").inner_text()


def test_a_bad_choice_is_explained(audit):
    page = audit("/widget?postcode=NOPE1", "widget-guide-error", status=400)
    assert "Postcode: 'NOPE1' is not a UK postcode" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Postcode to start from").get_attribute("aria-invalid") == "true"
