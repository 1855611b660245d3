"""`signpost serve --workers N`: several gunicorn processes share the database, the index and the limits.

Each test starts a real gunicorn with three workers on the test's database (SQLite, or
PostgreSQL in the PostgreSQL pass) and talks to it over HTTP; the access log says which worker
answered each request.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from sqlmodel import select

from directory.models import Revision, Service

from . import factories
from .worlds import changed, read_form

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3
PASSWORD = "correct horse battery staple"
REDIS_URL = "redis://127.0.0.1:6379/9"
STALE = "This listing changed while you were editing"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A running `signpost serve --workers` and its access log."""

    def __init__(self, url: str, process: subprocess.Popen, log: Path):
        self.url, self.process, self.log = url, process, log

    def pids(self, path_prefix: str, since: int = 0) -> list[str]:
        """The worker that answered each request for path_prefix, in order, from log line `since` on."""
        lines = self.log.read_text().splitlines()[since:] if self.log.exists() else []
        return [m.group(2) for m in map(LOG_LINE.match, lines) if m and m.group(1).startswith(path_prefix)]

    def log_length(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0


LOG_LINE = re.compile(r'.*"(?:GET|POST) (\S+) HTTP/[\d.]+" \d+ \S+ \d+ms worker=<(\d+)>')


def start_server(app, tmp_path: Path, **env) -> Server:
    config = app.config["SIGNPOST"]
    port, log = free_port(), tmp_path / "access.log"
    environment = (
        os.environ
        | {
            "PYTHONPATH": str(ROOT),
            "SIGNPOST_ENV": "testing",
            "SIGNPOST_SECRET_KEY": "serving-test-key",
            "SIGNPOST_INSTANCE_DIR": config.INSTANCE_DIR,
            "SIGNPOST_DATABASE_URL": config.DATABASE_URL,
            "SIGNPOST_INDEX_DIR": config.INDEX_DIR,
            "SIGNPOST_REDIS_URL": "",
            "SIGNPOST_SEARCH_RATE_LIMIT": "100000 per minute",  # these tests search every worker until all answer
        }
        | env
    )
    command = [
        sys.executable,
        "-c",
        "from directory.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--access-log",
        str(log),
    ]
    process = subprocess.Popen(
        command,
        env=environment,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "server.err", "w"),
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "server.err").read_text()
        try:
            if requests.get(server.url + "/search?q=warm", timeout=5).status_code == 200:
                return server
        except requests.ConnectionError:
            time.sleep(0.2)
    stop_server(server)
    raise AssertionError("gunicorn did not answer within 90 s: " + (tmp_path / "server.err").read_text())


def stop_server(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


@pytest.fixture
def listing(app, session):
    """A listing and two trusted editors of its organisation (their summary changes publish at once)."""
    org = factories.organisation(session, name="Calder Valley Community Trust")
    venue = factories.venue_at(session, org, 53.7248, -1.8658)
    service = factories.service(
        session,
        org,
        locations=[venue],
        name="Knit and natter",
        description="Knitting and crochet with a cuppa. Bring quillwork.",
    )
    for name in ("ann", "bob"):
        factories.user(session, f"{name}@calder.example.org", organisations=[org], trusted=True, password=PASSWORD)
    session.commit()
    return service.id


@pytest.fixture
def server(app, listing, tmp_path):
    running = start_server(app, tmp_path)
    yield running
    stop_server(running)


def signed_in(server: Server, email: str) -> requests.Session:
    """A browser session signed in through whichever worker answers."""
    client = requests.Session()
    page = client.get(server.url + "/account/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        server.url + "/account/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 200 and "Sign out" in response.text, response.status_code
    return client


def found(server: Server, word: str) -> bool:
    """Whether a search for word lists the listing (a fresh connection each time, as browsers vary)."""
    page = requests.get(server.url + "/search", params={"q": word}, headers={"Connection": "close"}, timeout=10)
    assert page.status_code == 200
    return "Knit and natter" in page.text


def search_on_every_worker(server: Server, word: str, limit: float = 30.0) -> list[tuple[float, bool]]:
    """Search until each worker has answered at least once; (seconds since start, found) per search."""
    start, since, results = time.monotonic(), server.log_length(), []
    while time.monotonic() - start < limit:
        results.append((time.monotonic() - start, found(server, word)))
        if len(set(server.pids("/search", since))) == WORKERS:
            return results
    raise AssertionError(
        f"not every worker answered a search within {limit:.0f} s: {set(server.pids('/search', since))}"
    )


def edit_page(client: requests.Session, server: Server, service_id) -> list[tuple[str, str]]:
    page = client.get(f"{server.url}/manage/services/{service_id}/edit")
    assert page.status_code == 200
    return read_form(page.text, f"/manage/services/{service_id}/edit")


def save(client: requests.Session, server: Server, service_id, pairs) -> requests.Response:
    return client.post(f"{server.url}/manage/services/{service_id}/edit", data=pairs, allow_redirects=False)


def test_an_edit_through_one_worker_is_found_through_every_worker_at_once(server, listing):
    assert all(ok for _, ok in search_on_every_worker(server, "quillwork"))  # every worker has a searcher open
    editor = signed_in(server, "ann@calder.example.org")
    form = edit_page(editor, server, listing)
    saved = save(editor, server, listing, changed(form, description="Knitting and crochet. Bring zanzibarish yarn."))
    assert saved.status_code == 303, saved.text

    after_edit = search_on_every_worker(server, "zanzibarish")
    assert after_edit[0][0] < 1.0 and all(ok for _, ok in after_edit), after_edit
    assert not any(ok for _, ok in search_on_every_worker(server, "quillwork"))


def test_two_editors_saving_the_same_listing_at_once_lose_nothing(server, listing, session):
    editors = {"ann": signed_in(server, "ann@calder.example.org"), "bob": signed_in(server, "bob@calder.example.org")}
    first_version = session.get(Service, listing).version
    rounds, responses = 4, []
    for number in range(rounds):
        forms = {
            name: changed(edit_page(client, server, listing), summary=f"{name} round {number}")
            for name, client in editors.items()
        }
        barrier, answers = threading.Barrier(2), {}

        def submit(name, barrier, answers, forms):
            barrier.wait()
            answers[name] = save(editors[name], server, listing, forms[name])

        threads = [threading.Thread(target=submit, args=(name, barrier, answers, forms)) for name in editors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        responses.append(answers)
        assert sorted(r.status_code for r in answers.values()) == [303, 409], {
            k: v.status_code for k, v in answers.items()
        }

    winners = []
    for answers in responses:
        loser = next(name for name, r in answers.items() if r.status_code == 409)
        winners.append(next(name for name in answers if name != loser))
        page = answers[loser].text
        assert STALE in page
        assert f"{loser} round {responses.index(answers)}" in page  # their words are still in the form

    session.expire_all()
    service = session.get(Service, listing)
    assert service.version == first_version + rounds
    assert service.summary == f"{winners[-1]} round {rounds - 1}"
    history = session.exec(select(Revision).where(Revision.target_id == listing)).all()
    assert len(history) == rounds

    # The loser's form now carries the live version: saving it again goes through, nothing lost.
    loser = next(name for name in editors if name != winners[-1])
    again = save(
        editors[loser], server, listing, read_form(responses[-1][loser].text, f"/manage/services/{listing}/edit")
    )
    assert again.status_code == 303
    session.expire_all()
    assert session.get(Service, listing).summary == f"{loser} round {rounds - 1}"


def sign_in_attempts_on_distinct_workers(server: Server, address: str, count: int) -> list[int]:
    """Wrong-password sign-ins, each answered by a different worker; their statuses.

    Each connection is opened before any is used: a sync worker accepts one connection and
    waits on it, so `count` idle workers take one connection each.
    """
    forms = []
    for _ in range(count):
        browser = requests.Session()
        page = browser.get(server.url + "/account/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        forms.append((cookie, urlencode({"csrf_token": token, "email": address, "password": "wrong password here"})))
    connections = [http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=10) for _ in forms]
    for connection in connections:
        connection.connect()
    time.sleep(0.5)  # every idle worker has accepted its connection
    statuses = []
    for connection, (cookie, body) in zip(connections, forms, strict=True):
        connection.request(
            "POST",
            "/account/login",
            body=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        statuses.append(connection.getresponse().status)
        connection.close()
    return statuses


def test_sign_in_limits_are_counted_across_workers_in_redis(app, listing, tmp_path):
    redis = pytest.importorskip("redis").Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    clear = lambda: [redis.delete(key) for key in redis.scan_iter("*LIMITER*")]  # noqa: E731  (database 9: these tests' own)
    clear()
    server = start_server(app, tmp_path, SIGNPOST_REDIS_URL=REDIS_URL)
    try:
        address = f"nobody-{uuid.uuid4().hex[:8]}@calder.example.org"
        statuses = []
        # One computer may try one address 5 times a minute, whichever workers answer.
        while len(statuses) < 6:
            statuses += sign_in_attempts_on_distinct_workers(server, address, min(WORKERS, 6 - len(statuses)))
        answered_by = defaultdict(int)
        for pid in server.pids("/account/login"):
            answered_by[pid] += 1
    finally:
        stop_server(server)
        clear()
    assert len(answered_by) == WORKERS, answered_by  # every worker took part
    assert 429 not in statuses[:5] and statuses[5] == 429, statuses
