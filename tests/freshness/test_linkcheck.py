"""The website checker against a local HTTP server started here: politeness, and only repeated failure flags."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from directory.linkcheck import check_links
from directory.models import Service
from directory.models.freshness import LinkCheck, ServiceFlag

from .conftest import listing


class Site(BaseHTTPRequestHandler):
    """/ok, /gone (404), /slow (answers after the timeout), /no-head (refuses HEAD), /busy (429)."""

    seen: list[tuple[str, str, str]] = []
    active = 0
    most_at_once = 0
    lock = threading.Lock()

    def _answer(self, with_body: bool) -> None:
        cls = type(self)
        with cls.lock:
            cls.seen.append((self.command, self.path, self.headers.get("User-Agent", "")))
            cls.active += 1
            cls.most_at_once = max(cls.most_at_once, cls.active)
        try:
            time.sleep(0.05)
            if self.path == "/slow":
                time.sleep(1.5)
            status = {"/ok": 200, "/gone": 404, "/slow": 200, "/busy": 429}.get(self.path, 200)
            if self.path == "/no-head":
                status = 405 if self.command == "HEAD" else 200
            self.send_response(status)
            self.send_header("Content-Length", "2" if with_body else "0")
            self.end_headers()
            if with_body:
                self.wfile.write(b"ok")
        finally:
            with cls.lock:
                cls.active -= 1

    def do_HEAD(self):
        self._answer(False)

    def do_GET(self):
        self._answer(True)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    Site.seen, Site.active, Site.most_at_once = [], 0, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_each_answer_is_judged(site):
    results = check_links(
        [f"{site}/ok", f"{site}/gone", f"{site}/slow", f"{site}/no-head", f"{site}/busy"],
        contact="https://signpost.example",
        timeout=0.5,
        host_delay=0,
    )
    assert results[f"{site}/ok"].ok is True
    assert (results[f"{site}/gone"].ok, results[f"{site}/gone"].error) == (False, "HTTP 404")
    assert (results[f"{site}/slow"].ok, results[f"{site}/slow"].error) == (False, "no answer within 0.5 seconds")
    assert results[f"{site}/no-head"].ok is True  # HEAD refused, GET works
    assert results[f"{site}/busy"].ok is None  # "too many requests" says nothing about the site


def test_nothing_listens_and_not_a_web_address():
    results = check_links(["http://127.0.0.1:9/", "mailto:hello@example.org"], contact="x", timeout=1, host_delay=0)
    assert results["http://127.0.0.1:9/"].ok is False
    assert results["mailto:hello@example.org"].error == "not a web address"


def test_the_checker_says_who_it_is_and_asks_one_host_one_thing_at_a_time(site):
    urls = [f"{site}/ok?{i}" for i in range(4)]
    started = time.monotonic()
    check_links(urls, contact="https://signpost.example", workers=4, host_delay=0.2)
    assert Site.most_at_once == 1
    assert time.monotonic() - started >= 0.6  # three gaps of 0.2 s between four requests
    assert all(
        agent.startswith("Signpost-LinkChecker/1.0") and "https://signpost.example" in agent
        for _, _, agent in Site.seen
    )


def run_links(runner, day: str):
    result = runner.invoke(args=["freshness", "run", "--date", day])
    assert result.exit_code == 0, result.output
    return result


def flags(session, service) -> list[str]:
    session.expire_all()
    return [f.code for f in session.exec(select(ServiceFlag).where(ServiceFlag.service_id == service.id))]


def test_only_repeated_failure_flags_a_dead_link_and_one_success_clears_it(app, runner, session, site):
    service = listing(session, verified="2026-11-01", website=f"{site}/gone")
    session.commit()
    run_links(runner, "2026-11-24")
    run_links(runner, "2026-11-24")  # the same day again: not checked twice
    assert [m for m, p, _ in Site.seen if p == "/gone"] == ["HEAD"]
    run_links(runner, "2026-11-25")
    assert session.get(LinkCheck, service.id).failures == 2 and flags(session, service) == []
    run_links(runner, "2026-11-26")
    assert flags(session, service) == ["dead_link"]
    [flag] = session.exec(select(ServiceFlag).where(ServiceFlag.service_id == service.id)).all()
    assert flag.reason == "The website has failed 3 checks in a row since 24 November 2026 (HTTP 404)"
    session.get(Service, service.id).website = f"{site}/ok"
    session.commit()
    run_links(runner, "2026-11-27")
    assert flags(session, service) == []
    assert session.get(LinkCheck, service.id).failures == 0


def test_dry_run_checks_no_websites(app, runner, session, site):
    listing(session, verified="2026-11-01", website=f"{site}/ok")
    session.commit()
    result = runner.invoke(args=["freshness", "run", "--date", "2026-11-24", "--dry-run"])
    assert "would check  1 websites" in result.output
    assert Site.seen == [] and session.exec(select(LinkCheck)).all() == []
