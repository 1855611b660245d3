"""Browser fixtures: the demo directory on a live server, Debian's Chromium, and axe-core.

Tests here skip, saying how to fix it, when Chromium or axe-core's node_modules is missing.
Screenshots go to test-output/screenshots/ for a person to look at.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from directory import migrate
from directory.config import DATA_DIR
from directory.db import get_db
from directory.demo import load_demo
from directory.models import Service
from directory.operations.taxonomy import seed_taxonomy
from directory.permissions import SYSTEM
from tests.conftest import make_app

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A UK visitor's language and clock, whatever the machine's settings.
CONTEXT = {"viewport": DESKTOP, "locale": "en-GB", "timezone_id": "Europe/London"}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


class LiveServer:
    """A running Signpost: its base URL and its app (for finding listings by state)."""

    def __init__(self, url: str, app):
        self.url, self.app = url, app

    def service_path(self, *conditions) -> str:
        """The page of the first service, by name, matching the conditions."""
        with get_db(self.app).unit_of_work() as session:
            service = session.exec(select(Service).where(*conditions).order_by(Service.name)).first()
            assert service is not None, conditions
            return f"/services/{service.id}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A server on a free port holding the demo directory; shut down after the session."""
    from werkzeug.serving import make_server

    # One browser searches far faster than a person: the per-computer limits would get in the way.
    app = make_app(
        tmp_path_factory.mktemp("browser"), SEARCH_RATE_LIMIT="10000 per minute", ORUK_RATE_LIMIT="10000 per minute"
    )
    database = get_db(app)
    migrate.upgrade(database.engine)
    with database.unit_of_work() as session:
        seed_taxonomy(session, SYSTEM, json.loads((DATA_DIR / "taxonomy.json").read_text()))
    with database.unit_of_work() as session:
        load_demo(session, date.today())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        database.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, never a downloaded browser."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's script, or a skip saying how to install it."""
    if not AXE.exists():
        pytest.skip("axe-core not installed: npm ci --prefix tests/browser")
    return AXE


@pytest.fixture
def page(browser, live_server):
    """A desktop page with JavaScript off: every journey must work as plain HTML."""
    context = browser.new_context(**CONTEXT, java_script_enabled=False, base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def audit(browser, live_server, axe_source):
    """audit(path, name): load a page, run axe, save desktop (and phone) screenshots; returns the page."""
    context = browser.new_context(**CONTEXT, bypass_csp=True)
    context.set_default_timeout(10_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def run(path: str, name: str, *, status: int = 200, phone: bool = False):
        page = context.new_page()
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == status, (path, response and response.status)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        if phone:
            page.set_viewport_size(PHONE)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
            page.set_viewport_size(DESKTOP)
        violations = axe_violations(page, axe_source)
        for v in violations:
            targets = [node["target"] for node in v["nodes"]][:5]
            print(f"[{name}] axe {v['impact']}: {v['id']} – {v['help']} ({len(v['nodes'])} nodes) {targets}")
        bad = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: serious or critical accessibility violations: {bad}"
        return page

    yield run
    context.close()


def axe_violations(page, axe_source: Path) -> list[dict]:
    """Inject axe-core and run it against the WCAG 2.0, 2.1 and 2.2 A and AA rules."""
    page.add_script_tag(path=str(axe_source))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]
