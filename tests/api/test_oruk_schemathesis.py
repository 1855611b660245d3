"""Generated requests from the official ORUK 3.0 OpenAPI document, run in-process: no server errors,
and every documented response conforms to its schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from directory.db import get_db
from directory.demo import load_demo
from tests.api.oruk_spec import openapi_bundled
from tests.conftest import keep_for_module, migrated_app

SCHEMA = schemathesis.openapi.from_dict(openapi_bundled("/oruk"))


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    app = migrated_app(tmp_path_factory.mktemp("oruk-fuzz"), ORUK_RATE_LIMIT="100000 per minute", CLOCK=lambda: now)
    with app.app_context(), get_db(app).unit_of_work() as session:
        load_demo(session, now.date())
    keep_for_module(__name__, app)
    SCHEMA.app = app
    yield app
    get_db(app).engine.dispose()


@pytest.mark.parametrize("path", sorted(SCHEMA.raw_schema["paths"]))
def test_generated_requests_get_conforming_answers(demo_app, path):
    @given(case=SCHEMA[path]["GET"].as_strategy())
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        assert response.headers.get("access-control-allow-origin") == ["*"]

    check()
