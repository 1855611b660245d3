"""Reading the directory: search (the search page's filters and search function), listings, postcodes, categories."""

from __future__ import annotations

import uuid

from flask import current_app, jsonify, request, url_for
from flask_smorest import abort
from sqlalchemy.orm import selectinload
from sqlmodel import select

from directory import clock, geography
from directory.db import get_session
from directory.models import Organisation, Service
from directory.operations import browse
from directory.operations.taxonomy import category_tree
from directory.permissions import Actor, route_contact_visible
from directory.schemas import api as schemas
from directory.schemas.search import search_query
from search import search_services

from .rest import bp
from .tokens import reader

ERRORS = {
    "400": "Bad request",
    "401": "The API token is not valid",
    "404": "Not found",
    "410": "Removed from the directory",
    "422": "Invalid input: a message per field",
    "429": "Too many requests: slow down",
}


def error_docs(*codes: int) -> dict:
    """OpenAPI documentation of the JSON errors an endpoint may answer with."""
    return {
        "responses": {
            str(code): {"description": ERRORS[str(code)], "content": {"application/json": {"schema": schemas.ErrorOut}}}
            for code in codes
        }
    }


@bp.get("/search")
@bp.arguments(schemas.ApiSearchArgs, location="query")
@bp.response(200, schemas.SearchPageOut)
@bp.doc(**error_docs(401, 422, 429))
def search(args):
    """Search services with every filter of the search page

    The same filters, validation and ranking as /search. Results come a page at a time.
    """
    reader()
    db = get_session()
    config = current_app.config["SIGNPOST"]
    place = None
    if args["postcode"]:
        try:
            place = geography.resolve_postcode(args["postcode"])
        except geography.PostcodeError as exc:
            abort(422, errors={"postcode": [str(exc)]})
    radius = args["radius"] or config.DEFAULT_RADIUS_KM
    per_page = args["per_page"] or config.PAGE_SIZE
    page = search_services(db, search_query(args, place, radius, clock.local_now(), per_page))
    _load_categories(db, [result.service.id for result in page.results])
    return {
        "total": page.total,
        "page": page.page_number,
        "per_page": per_page,
        "pages": page.page_count,
        "suggestion": page.suggestion,
        "showing_results_for": page.searched_for,
        "search_instead_for": args["q"] if page.searched_for else None,
        "words_not_found": page.not_found,
        "words_ignored": page.ignored,
        "filters_from_words": [
            {
                "words": f.words,
                "filters": dict(_merged(f.filters)),
                "applied": f.applied,
                "not_applied_because": f.why_not or None,
            }
            for f in page.from_words
        ],
        "place": place,
        "radius_km": radius if place else None,
        "facets": page.facets,
        "results": page.results,
        "next": _page_link(page.page_number + 1) if page.page_number < page.page_count else None,
        "previous": _page_link(page.page_number - 1) if page.page_number > 1 else None,
    }


def _merged(filters: tuple[tuple[str, str], ...]) -> dict:
    """Filters as the search's own arguments: {"free": true, "days": ["SA", "SU"], "age": 70}."""
    out: dict = {}
    for name, value in filters:
        if name in ("free", "self_referral", "wheelchair"):
            out[name] = True
        elif name == "age":
            out[name] = int(value)
        elif name == "language":
            out[name] = value
        else:
            out.setdefault(name, []).append(value)
    return out


def _load_categories(db, service_ids: list) -> None:
    # One query for the page's categories, rather than one per result as each is written out.
    if service_ids:
        db.exec(select(Service).where(Service.id.in_(service_ids)).options(selectinload(Service.terms))).all()


def _page_link(number: int) -> str:
    params = request.args.to_dict(flat=False)
    params["page"] = [str(number)]
    return url_for("rest.search", _external=True, **params)


def live_record(model, item_id: uuid.UUID):
    """The record, or a JSON 404 (never stored) or 410 (archived)."""
    record = get_session().get(model, item_id)
    if record is None:
        abort(404, message=f"There is no {model.__name__.lower()} with the id {item_id}.")
    if record.archived_at is not None:
        abort(410, message=f"“{record.name}” has been removed from the directory.")
    return record


def service_json(service: Service, actor: Actor) -> dict:
    """A service in its public shape; contacts for professional routes only for link workers and moderators."""
    data = schemas.ServiceOut().dump(service)
    for route in data["referral_routes"]:
        if not route_contact_visible(actor, route["route_type"]):
            route["contact"] = route["url"] = None
    return data


@bp.get("/services/<uuid:item_id>")
@bp.response(200, schemas.ServiceOut)
@bp.doc(**error_docs(401, 404, 410, 429))
def service(item_id: uuid.UUID):
    """One service: everything its page shows

    `version` is what a change must name (PATCH). Contact details of routes that only a professional
    can use are shown to link workers and moderators, who send their token.
    """
    return jsonify(service_json(live_record(Service, item_id), reader()))


@bp.get("/organisations/<uuid:item_id>")
@bp.response(200, schemas.OrganisationOut)
@bp.doc(**error_docs(401, 404, 410, 429))
def organisation(item_id: uuid.UUID):
    """One organisation with its current services and venues"""
    reader()
    record = live_record(Organisation, item_id)
    db = get_session()
    data = schemas.OrganisationOut(exclude=("services", "locations")).dump(record)
    data["services"] = schemas.ServiceSummaryOut(many=True).dump(browse.organisation_services(db, record))
    data["locations"] = schemas.LocationOut(many=True).dump(browse.organisation_venues(db, record))
    return jsonify(data)


@bp.get("/postcodes/<postcode>")
@bp.response(200, schemas.PostcodeOut)
@bp.doc(**error_docs(401, 404, 422, 429))
def postcode(postcode: str):
    """Where a postcode is: a unit postcode, sector, district or area, and the areas it lies in"""
    reader()
    try:
        place = geography.resolve_postcode(postcode)
    except geography.PostcodeNotFound as exc:
        abort(404, message=str(exc))
    except geography.PostcodeError as exc:
        abort(422, errors={"postcode": [str(exc)]})
    data = schemas.PostcodeOut().dump(place)
    data["areas"] = [{"code": code, "name": geography.area_name(code)} for code in sorted(geography.area_codes(place))]
    return jsonify(data)


@bp.get("/categories")
@bp.response(200, schemas.CategoryOut(many=True))
@bp.doc(**error_docs(401, 429))
def categories():
    """The category tree: themes and their sub-categories (codes for the search's `category`)"""
    reader()
    return [
        {
            "code": top.code,
            "name": top.name,
            "description": top.description,
            "children": [
                {"code": c.code, "name": c.name, "description": c.description, "children": []} for c in children
            ],
        }
        for top, children in category_tree(get_session())
    ]
