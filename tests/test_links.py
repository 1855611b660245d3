"""Links: absolute addresses of pages under SIGNPOST_BASE_URL, whatever request (if any) is running."""

import pytest
from werkzeug.routing import Map, Rule

from directory import create_app
from directory.config import ConfigError
from directory.links import Links

URL_MAP = Map([Rule("/", endpoint="public.home"), Rule("/account/reset/<token>", endpoint="accounts.reset_password")])


def test_a_page_under_a_base_url_with_a_path_keeps_the_path():
    links = Links("https://example.org/signpost", URL_MAP)
    assert links.page("accounts.reset_password", token="abc") == "https://example.org/signpost/account/reset/abc"
    assert links.page("public.home") == "https://example.org/signpost/"


def test_a_page_keeps_the_port_and_puts_other_values_in_the_query():
    links = Links("http://127.0.0.1:5000", URL_MAP)
    assert (
        links.page("accounts.reset_password", token="abc", page=2) == "http://127.0.0.1:5000/account/reset/abc?page=2"
    )


def test_the_app_builds_its_links_from_base_url(tmp_path):
    app = create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path), "BASE_URL": "https://example.org/signpost/"})
    links = app.extensions["signpost.links"]
    assert links.page("accounts.reset_request") == "https://example.org/signpost/account/reset"


@pytest.mark.parametrize("base_url", ["signpost.example.org", "ftp://example.org", "https://example.org/?a=1", ""])
def test_a_base_url_that_is_not_a_web_address_is_refused(tmp_path, base_url):
    with pytest.raises(ConfigError, match="SIGNPOST_BASE_URL"):
        create_app({"ENV": "testing", "INSTANCE_DIR": str(tmp_path), "BASE_URL": base_url})
