"""Signpost's own JSON API (flask-smorest): the blueprint, JSON errors, CORS for reads, rate limits.

Routes live in rest_read.py and rest_write.py; the OpenAPI document is served at /api/openapi.json
and described for people at /api/docs (rest_docs.py).
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException, InternalServerError

from directory.extensions import csrf, limiter
from directory.limits import request_cost
from directory.schemas.api import ErrorOut

from .tokens import CHALLENGE, current_token, rate_limit_key

PREFIX = "/api"
READ_METHODS = ("GET", "HEAD", "OPTIONS")

bp = Blueprint(
    "rest",
    __name__,
    url_prefix=PREFIX,
    description="Search the directory and read listings (no key needed); update your organisation's listings with a personal API token.",
)


class SignpostApi(Api):
    """flask-smorest's Api, whose error handler would answer the whole site in JSON: ours answer /api only."""

    ERROR_SCHEMA = ErrorOut

    def _register_error_handlers(self):
        pass


def register_rest_api(app: Flask) -> None:
    """Serve the JSON API and its OpenAPI document on app."""
    from . import rest_docs, rest_read, rest_write  # noqa: F401  (their routes join bp)

    config = app.config["SIGNPOST"]
    app.config.update(
        {
            "REST_API_TITLE": "Signpost API",
            "REST_API_VERSION": "1",
            "REST_OPENAPI_VERSION": "3.0.3",
            "REST_OPENAPI_URL_PREFIX": PREFIX,
            "REST_OPENAPI_JSON_PATH": "openapi.json",
        }
    )
    spec = {
        "info": {
            "description": "Community services for link workers: search, listings, postcodes and categories. "
            "Reading needs no key. Editors write with a personal API token from their account page."
        },
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token from your account page",
                }
            }
        },
    }
    api = SignpostApi(app, spec_kwargs=spec, config_prefix="REST")
    api.register_blueprint(bp)
    app.register_blueprint(rest_docs.bp)
    _answer_routing_errors_in_json(app)
    app.after_request(_cross_origin_document)
    app.extensions["signpost.rest_limits"] = (config.API_RATE_LIMIT, config.API_TOKEN_RATE_LIMIT)


csrf.exempt(bp)  # writes take a bearer token, never a cookie session, so a forged form cannot use them


def _limit() -> str:
    anonymous, per_token = current_app.extensions["signpost.rest_limits"]
    return per_token if current_token() is not None else anonymous


def _too_many() -> str:
    more = "" if current_token() is not None else " A personal API token (from your account page) has a higher limit."
    return f"Too many requests: the limit is {_limit().replace(';', ' and ')}. Wait a little, then try again.{more}"


limiter.shared_limit(
    _limit,
    scope="signpost-api",
    key_func=rate_limit_key,
    error_message=_too_many,
    cost=request_cost,
    exempt_when=lambda: request.method == "OPTIONS",
)(bp)


@bp.after_request
def _cross_origin_reads(response):
    # Anyone's page may read the directory; writing is for a token holder's own scripts, not browsers elsewhere.
    if request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Authorization"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = (
            "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
        )
        response.headers["Access-Control-Max-Age"] = "3600"
    return response


def _cross_origin_document(response):
    if request.blueprint == "rest-api-docs":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def error_response(error: HTTPException):
    """{"message": ..., "errors": {field: [messages]}} with the error's status and headers."""
    data = getattr(error, "data", None) or {}
    body = {"message": data.get("message") or error.description or error.name}
    messages = data.get("errors") or data.get("messages")
    if messages:
        body["errors"] = field_messages(messages, strip_location=bool(data.get("messages")))
        if error.code == 422 and "message" not in data:
            body["message"] = "Some of the input is not valid: see the message for each field."
    response = jsonify(body)
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if error.code == 401:
        response.headers.update(CHALLENGE)
    response.headers.update(data.get("headers") or {})
    return response


def field_messages(messages, strip_location: bool = False) -> dict[str, list[str]]:
    """marshmallow's nested messages as one list per field, named by its path ("schedules.0.weekday")."""
    if strip_location:  # webargs nests them under where they came from: {"query": {...}, "json": {...}}
        merged: dict = {}
        for part in messages.values():
            merged.update(part if isinstance(part, dict) else {"_schema": part})
        messages = merged
    out: dict[str, list[str]] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path and key != "_schema" else (path or str(key)))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, path)
        else:
            out.setdefault(path or "_schema", []).append(str(value))

    walk(messages, "")
    return out


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return error_response(error)


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception):
    current_app.logger.exception("Unexpected error in the API")
    return error_response(InternalServerError("Something went wrong on our side; it has been logged. Try again later."))


def _answer_routing_errors_in_json(app: Flask) -> None:
    # A wrong address or method under /api is found before any blueprint, so the site's handler
    # would answer with an HTML page: answer in JSON there, and leave every other page as it was.
    site_handler = app.error_handler_spec[None][None].get(HTTPException)

    def handler(error: HTTPException):
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return error_response(error)
        return site_handler(error) if site_handler else error

    app.register_error_handler(HTTPException, handler)
