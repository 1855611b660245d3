"""Limits on cost and size: expensive requests count as several against the per-computer rate limits,
and request bodies over SIGNPOST_MAX_REQUEST_KB are refused with a clear 413."""

from __future__ import annotations

import json
import uuid

import pytest

from directory.config import Config, ConfigError
from tests.conftest import migrated_app

EXPENSIVE = "full=true&per_page=100&search=a*"  # costs 1 + 4 (page) + 4 (full) + 4 (wildcard) = 13


@pytest.fixture
def limited(tmp_path):
    return migrated_app(
        tmp_path,
        ORUK_RATE_LIMIT="20 per minute",
        SEARCH_RATE_LIMIT="10 per minute",
        API_RATE_LIMIT="10 per minute",
        MAX_REQUEST_KB=64,
    )


def test_ordinary_oruk_requests_run_to_the_limit(limited):
    client = limited.test_client()
    codes = [client.get("/oruk/services?per_page=10").status_code for _ in range(21)]
    assert codes == [200] * 20 + [429]


def test_an_expensive_oruk_request_counts_as_several_and_the_429_says_why(limited):
    client = limited.test_client()
    first, second = (client.get(f"/oruk/services?{EXPENSIVE}") for _ in range(2))
    assert first.status_code == 200 and second.status_code == 429
    body = second.get_json()
    assert (
        body["status"] == 429 and "full records, large pages and wildcard searches count as several" in body["message"]
    )
    assert second.headers["Access-Control-Allow-Origin"] == "*" and "Retry-After" in second.headers


def test_a_streamed_feed_counts_as_twenty_one_requests(limited):
    client = limited.test_client()
    assert client.get("/oruk/services?format=ndjson").status_code == 429  # the first request: more than 20 on its own


def test_a_wildcard_search_page_counts_as_several(limited):
    client = limited.test_client()
    assert [client.get("/search?q=food").status_code for _ in range(5)] == [200] * 5
    assert client.get("/search?q=foo*").status_code == 200  # 5 more: the limit of 10 is reached
    page = client.get("/search?q=food")
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)


def test_large_api_pages_count_as_several(limited):
    client = limited.test_client()
    codes = [client.get("/api/search?per_page=100").status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # 5 each against 10 a minute


def test_a_huge_api_body_is_a_413_in_json_before_anything_is_read(limited):
    body = json.dumps({"version": 1, "description": "x" * (15 * 1024 * 1024)})
    response = limited.test_client().patch(f"/api/services/{uuid.uuid4()}", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["message"] == (
        "This request is larger than Signpost accepts (64 KB). Shorten the longest text, or send fewer records at a time."
    )


def test_a_huge_form_is_a_413_page_saying_what_to_do(limited):
    response = limited.test_client().post("/account/login", data={"email": "a@example.org", "password": "x" * 100_000})
    assert response.status_code == 413
    assert "larger than Signpost accepts (64 KB)" in response.get_data(as_text=True)


def test_the_request_size_is_a_setting():
    assert Config.from_env({"SIGNPOST_MAX_REQUEST_KB": "2048"}).MAX_REQUEST_KB == 2048
    assert Config().MAX_REQUEST_KB == 1024
    with pytest.raises(ConfigError, match="SIGNPOST_MAX_REQUEST_KB=10 is too small"):
        Config.from_env({"SIGNPOST_MAX_REQUEST_KB": "10"}).finalise()
