"""The OpenAPI document: valid OpenAPI 3.0, true to the API (schemathesis), and readable at /api/docs."""

from __future__ import annotations

import time

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_30

from directory.db import get_db
from tests.conftest import keep_for_module

from .rest_world import directory_app

READS = {
    "/api/search",
    "/api/services/{item_id}",
    "/api/organisations/{item_id}",
    "/api/postcodes/{postcode}",
    "/api/categories",
}
WRITES = {
    ("patch", "/api/services/{item_id}"),
    ("post", "/api/organisations/{item_id}/services"),
    ("post", "/api/services/{item_id}/confirm"),
    ("get", "/api/changes/{item_id}"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app, ids = directory_app(tmp_path_factory)
    yield keep_for_module(__name__, app), ids
    get_db(app).engine.dispose()


@pytest.fixture(scope="module")
def document(world):
    return world[0].test_client().get("/api/openapi.json").get_json()


def test_the_document_is_valid_openapi_3(document):
    assert document["openapi"].startswith("3.0")
    jsonschema.Draft4Validator(OPENAPI_30).validate(document)


def test_the_document_describes_every_endpoint_and_which_need_a_token(document):
    operations = {
        (method, path) for path, methods in document["paths"].items() for method in methods if method != "parameters"
    }
    assert {("get", path) for path in READS} | WRITES == operations
    for method, path in WRITES:
        assert document["paths"][path][method]["security"] == [{"token": []}]
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    search_params = {p["name"] for p in document["paths"]["/api/search"]["get"]["parameters"]}
    assert {
        "q",
        "postcode",
        "radius",
        "category",
        "age",
        "group",
        "self_referral",
        "free",
        "wheelchair",
        "accepting",
        "in_season",
        "include_closed",
        "language",
        "when",
        "day",
        "organisation",
        "order",
        "page",
        "per_page",
    } <= search_params


def test_schemathesis_finds_no_server_error_or_undocumented_answer_in_the_reads(world):
    app = world[0]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    started = time.monotonic()
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET" or operation.path not in READS:
            continue

        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(checks=checks)

        check()
        tested.append(operation.path)
    assert set(tested) == READS
    assert time.monotonic() - started < 60


def test_the_docs_page_lists_every_endpoint_and_needs_no_script(world, document):
    client = world[0].test_client()
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in html and "style=" not in html
    for path in document["paths"]:
        assert path in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_docs_forms_send_a_read_to_its_endpoint(world):
    app, ids = world
    client = app.test_client()
    sent = client.get(f"/api/docs/try?path=/api/services/{{item_id}}&item_id={ids['walks']}")
    assert sent.status_code == 303 and sent.headers["Location"] == f"/api/services/{ids['walks']}"
    search = client.get("/api/docs/try?path=/api/search&q=walking&postcode=&free=")
    assert search.headers["Location"] == "/api/search?q=walking"
    assert client.get("/api/docs/try?path=https://elsewhere.example.org/").status_code == 404
    assert client.get("/api/docs/try?path=/api/services/{item_id}&item_id=").status_code == 400
