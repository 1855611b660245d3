"""Open Referral UK 3.0: a public, read-only feed of the directory (no key; any website may read it)."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request, stream_with_context, url_for
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from directory import clock, geography
from directory.config import ConfigError
from directory.db import get_session
from directory.extensions import csrf, limiter
from directory.limits import request_cost
from directory.models import Organisation, Taxonomy, TaxonomyTerm
from directory.operations import oruk_queries as queries
from directory.schemas import oruk as shapes
from search import Near

bp = Blueprint("oruk", __name__)
VERSION = "HSDS-UK-3.0"
PROFILE = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
OPENAPI = Path(__file__).with_name("oruk_openapi.json")
csrf.exempt(bp)  # nothing here changes anything: a write method is answered with a JSON 405, not a form error


def _rate_limit() -> str:
    return current_app.config["SIGNPOST"].ORUK_RATE_LIMIT


def _too_many() -> str:
    return (
        f"Too many requests from this computer: the limit is {_rate_limit().replace(';', ' and ')}, and full "
        "records, large pages and wildcard searches count as several. Wait a little, then try again."
    )


# Per computer; full=true, long pages, `*` searches and ndjson streams count as several requests.
limiter.shared_limit(
    _rate_limit,
    scope="signpost-oruk",
    cost=request_cost,
    error_message=_too_many,
    exempt_when=lambda: request.method == "OPTIONS",
)(bp)


def register(app: Flask) -> None:
    """Mount the feed under SIGNPOST_ORUK_PREFIX (default /oruk)."""
    prefix = "/" + app.config["SIGNPOST"].ORUK_PREFIX.strip("/")
    if prefix == "/" or not all(part.replace("-", "").replace("_", "").isalnum() for part in prefix[1:].split("/")):
        raise ConfigError(f"SIGNPOST_ORUK_PREFIX={prefix!r} must be a path such as /oruk (letters, digits, - and _).")
    app.register_blueprint(bp, url_prefix=prefix)


@bp.after_request
def _open_to_every_site(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    if response.status_code == 200:
        response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return jsonify(status=error.code, message=error.description), error.code


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception):
    current_app.logger.exception("Unexpected error in the Open Referral UK feed")
    return jsonify(status=500, message="Something went wrong on our side; try again later."), 500


@bp.errorhandler(ValidationError)
def _bad_parameters(error: ValidationError):
    errors = {name: _words(messages) for name, messages in error.messages.items()}
    names = ", ".join(sorted(errors))
    return jsonify(
        status=400, message=f"Check the query parameter{'s' if len(errors) > 1 else ''}: {names}.", errors=errors
    ), 400


def _words(messages) -> list[str]:
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _words(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _words(value)]
    return [str(messages)]


def _args(schema: Schema) -> dict:
    return schema.load(request.args)


def _shapes(terms=None) -> shapes.Shapes:
    return shapes.Shapes(shapes.web_link, queries.taxonomies(get_session()), terms)


def _not_found(kind: str, raw_id: str):
    return jsonify(status=404, message=f"There is no {kind} with the id '{raw_id[:60]}'."), 404


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _filters(args: dict) -> queries.ServiceFilters:
    return queries.ServiceFilters(
        args["search"], args["taxonomy_term_id"], args["taxonomy_id"], args["organization_id"], args["modified_after"]
    )


@bp.get("/")
def api_details():
    """Which standard this is, and where its definition lives."""
    return jsonify(version=VERSION, profile=PROFILE, openapi_url=url_for("oruk.openapi", _external=True))


@bp.get("/openapi.json")
def openapi():
    """The ORUK 3.0 OpenAPI document, pointed at this server."""
    document = dict(_openapi_document())
    document["components"] = {
        **document["components"],
        "parameters": {**document["components"]["parameters"], "per_page": shapes.PER_PAGE_PARAMETER},
    }
    document["servers"] = [{"url": url_for("oruk.api_details", _external=True).rstrip("/")}]
    return jsonify(document)


@cache
def _openapi_document() -> dict:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


@bp.get("/services")
def services():
    """A page of services; `full` nests everything, `minimal` gives ids, names and change times.

    `format=ndjson` streams every matching service instead, one JSON object a line, without pages.
    """
    args = _args(shapes.ServiceListArgs())
    if args["format"] == "ndjson":
        return Response(stream_with_context(_every_service(args)), mimetype="application/x-ndjson")
    per_page = args["per_page"]
    found, contents = _service_page(args, args["page"], per_page)
    return jsonify(shapes.page_envelope(contents, found.total, args["page"], per_page))


def _service_page(args: dict, page: int, per_page: int) -> tuple[queries.Found, list[dict]]:
    session = get_session()
    find = queries.find_service_stamps if args["minimal"] else queries.find_services
    found = find(session, _filters(args), page, per_page, clock.today())
    if args["minimal"]:
        return found, [shapes.Shapes.service_minimal(s) for s in found.items]
    if args["full"]:
        queries.load_full_services(session, found.items)
        shape = _shapes(queries.service_terms(session, [s.id for s in found.items]))
        return found, [shape.service(s) for s in found.items]
    shape = _shapes()
    return found, [shape.service_summary(s) for s in found.items]


def _every_service(args: dict):
    page = 1
    while True:
        found, contents = _service_page(args, page, shapes.MAX_PER_PAGE)
        yield "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in contents)
        if page * shapes.MAX_PER_PAGE >= found.total:
            return
        page += 1


@bp.get("/services/<raw_id>")
def service(raw_id: str):
    """One fully nested service."""
    session = get_session()
    key = _uuid(raw_id)
    record = queries.published_service(session, key) if key else None
    if record is None:
        return _not_found("service", raw_id)
    return jsonify(_shapes(queries.service_terms(session, [record.id])).service(record))


@bp.get("/service_at_locations")
def services_at_locations():
    """Services at their venues; with a postcode, nearest first (proximity in metres keeps only those within it)."""
    args = _args(shapes.ServiceAtLocationListArgs())
    per_page = args["per_page"]
    session = get_session()
    near = _near(args)
    found = queries.find_services_at_locations(session, _filters(args), args["page"], per_page, clock.today(), near)
    full = args["full"]
    terms = queries.service_terms(session, [link.service_id for link in found.items]) if full else None
    if full:
        queries.load_full_services(session, [link.service for link in found.items])
    shape = _shapes(terms)
    contents = [shape.at_venue(link, full) for link in found.items]
    return jsonify(shapes.page_envelope(contents, found.total, args["page"], per_page))


def _near(args: dict) -> Near | None:
    if not args["postcode"]:
        if args["proximity"] is not None:
            raise ValidationError({"proximity": ["Give a postcode to measure the proximity from."]})
        return None
    try:
        place = geography.resolve_postcode(args["postcode"])
    except geography.PostcodeError as exc:
        raise ValidationError({"postcode": [str(exc)]}) from None
    if args["proximity"] is not None:
        # Within that many metres of the postcode's centre, and nothing else.
        return Near(place.latitude, place.longitude, args["proximity"] / 1000)
    radius = current_app.config["SIGNPOST"].DEFAULT_RADIUS_KM
    return Near(place.latitude, place.longitude, radius, frozenset(geography.area_codes(place)))


@bp.get("/service_at_locations/<raw_id>")
def service_at_location(raw_id: str):
    """One service at one venue, with the full service."""
    session = get_session()
    key = _uuid(raw_id)
    link = queries.published_service_at_location(session, key) if key else None
    if link is None:
        return _not_found("service_at_location", raw_id)
    shape = _shapes(queries.service_terms(session, [link.service_id]))
    return jsonify(shape.at_venue(link))


@bp.get("/organizations")
def organizations():
    """A page of organisations, A to Z (`full=true` adds their charity and company numbers)."""
    args = _args(shapes.OrganizationListArgs())
    per_page = args["per_page"]
    found = queries.organisations(get_session(), args["search"], args["page"], per_page)
    shape = _shapes()
    contents = [shape.organization(org) if args["full"] else shape.organization_summary(org) for org in found.items]
    return jsonify(shapes.page_envelope(contents, found.total, args["page"], per_page))


@bp.get("/organizations/<raw_id>")
def organization(raw_id: str):
    """One organisation with its services (`full_service=true` nests each service fully)."""
    args = _args(shapes.OrganizationArgs())
    session = get_session()
    key = _uuid(raw_id)
    org = session.get(Organisation, key) if key else None
    if org is None or org.archived_at is not None:
        return _not_found("organization", raw_id)
    listed = queries.organisation_services(session, org, clock.today())
    if args["full_service"]:
        shape = _shapes(queries.service_terms(session, [s.id for s in listed]))
        services_out = [shape.service(s) for s in listed]
    else:
        shape = _shapes()
        services_out = [shape.service_summary(s) for s in listed]
    return jsonify(shape.organization(org, services_out))


@bp.get("/taxonomies")
def taxonomy_list():
    args = _args(shapes.ListArgs())
    per_page = args["per_page"]
    found = queries.taxonomy_list(get_session(), args["search"], args["page"], per_page)
    shape = _shapes()
    return jsonify(shapes.page_envelope([shape.taxonomy(t) for t in found.items], found.total, args["page"], per_page))


@bp.get("/taxonomies/<raw_id>")
def taxonomy(raw_id: str):
    session = get_session()
    key = _uuid(raw_id)
    record = session.get(Taxonomy, key) if key else None
    if record is None:
        return _not_found("taxonomy", raw_id)
    return jsonify(_shapes().taxonomy(record, queries.terms_of(session, record)))


@bp.get("/taxonomy_terms")
def taxonomy_term_list():
    args = _args(shapes.TaxonomyTermListArgs())
    per_page = args["per_page"]
    found = queries.taxonomy_terms(
        get_session(), args["search"], args["page"], per_page, args["taxonomy_id"], args["parent_id"], args["top_only"]
    )
    shape = _shapes()
    return jsonify(
        shapes.page_envelope([shape.taxonomy_term(t) for t in found.items], found.total, args["page"], per_page)
    )


@bp.get("/taxonomy_terms/<raw_id>")
def taxonomy_term(raw_id: str):
    session = get_session()
    key = _uuid(raw_id)
    record = session.get(TaxonomyTerm, key) if key else None
    if record is None:
        return _not_found("taxonomy_term", raw_id)
    return jsonify(_shapes().taxonomy_term(record))


@bp.route("/<path:unknown>", methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/", methods=["POST", "PUT", "PATCH", "DELETE"], defaults={"unknown": ""})
def unknown_path(unknown: str):
    """Anything else under the prefix (the router would answer in HTML): JSON saying what to do instead."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return jsonify(status=405, message="This API is read-only: use GET."), 405, {"Allow": "GET, HEAD, OPTIONS"}
    return jsonify(
        status=404,
        message=f"There is no '{unknown[:60]}' in this API; start at {url_for('oruk.api_details', _external=True)}",
    ), 404
