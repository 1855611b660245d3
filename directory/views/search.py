"""The search page: every filter as a plain GET form, results explained, facets and paging."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template, request, url_for
from marshmallow import ValidationError

from directory import geography
from directory.db import get_session
from directory.operations.taxonomy import category_tree
from directory.presenters import GROUP_LABELS, LANGUAGE_NAMES
from directory.schemas.search import SearchArgs
from directory.views.assets import results_map_data
from search import Near, SearchQuery, search_services

bp = Blueprint("search", __name__)
RADII = (1, 2, 5, 10, 25, 50, 100)


@bp.get("/search")
def search():
    """Search by keyword, place and filters; a bad field is a 400 naming it, never a 500."""
    session = get_session()
    config = current_app.config["SIGNPOST"]
    errors: dict[str, list[str]] = {}
    try:
        args = SearchArgs().load(request.args)
    except ValidationError as exc:
        errors = {name: _flatten(messages) for name, messages in exc.messages.items()}
        args = {**SearchArgs().load({}), **(exc.valid_data or {})}
    place = None
    if args["postcode"] and "postcode" not in errors:
        try:
            place = geography.resolve_postcode(args["postcode"], session)
        except geography.PostcodeError as exc:
            errors["postcode"] = [str(exc)]
    radius = args["radius"] or config.DEFAULT_RADIUS_KM
    page = None
    if not errors and _asked(args):
        query = search_query(args, place, radius, date.today(), config.PAGE_SIZE)
        page = search_services(session, query, venues=True)  # the results map shows them
    context = dict(
        map_data=results_map_data(page, place, radius) if page else None,
        args=args,
        errors=errors,
        place=place,
        radius=radius,
        page=page,
        radii=RADII,
        wider_radius=next((r for r in RADII if r > radius), None),
        categories=category_tree(session),
        groups=GROUP_LABELS,
        languages=sorted(LANGUAGE_NAMES.items(), key=lambda kv: kv[1]),
        link=lambda **changes: _link(changes),
        active_filters=_active_filters(args),
    )
    return render_template("search/search.html", **context), 400 if errors else 200


def _flatten(messages) -> list[str]:
    """marshmallow nests list-field errors by position ({0: [...]}); a person needs just the words."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flatten(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _flatten(value)]
    return [str(messages)]


def _asked(args: dict) -> bool:
    """True when the person asked anything at all (otherwise show the empty form)."""
    return any(args[k] for k in ("q", "postcode", "category", "group", "organisation")) or any(
        args[k] for k in ("self_referral", "free", "wheelchair", "accepting", "in_season", "language")
    ) or args["age"] is not None or args["when"] != "any"


def search_query(args: dict, place, radius: float, today: date, page_size: int) -> SearchQuery:
    """The SearchQuery for validated SearchArgs (the search page and the JSON API ask the same way)."""
    near = None
    if place is not None:
        near = Near(place.latitude, place.longitude, radius, frozenset(geography.area_codes(place)))
    return SearchQuery(
        today=today,
        keywords=args["q"],
        near=near,
        categories=tuple(args["category"]),
        age=args["age"],
        groups=tuple(args["group"]),
        self_referral=args["self_referral"],
        free=args["free"],
        language=args["language"] or None,
        wheelchair=args["wheelchair"],
        runs_on=args["day"] if args["when"] == "day" else None,
        this_week=args["when"] == "week",
        in_season_on=today if args["in_season"] else None,
        accepting=args["accepting"],
        organisation_id=str(args["organisation"]) if args["organisation"] else None,
        include_closed=args["include_closed"],
        order=args["order"] if args["order"] != "nearest" or near else "best",
        offset=(args["page"] - 1) * page_size,
        limit=page_size,
    )


def _link(changes: dict) -> str:
    """This search's URL with some parameters changed (None removes one)."""
    params = request.args.to_dict(flat=False)
    params.pop("page", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value if isinstance(value, list) else [value]
    return url_for("search.search", **params)


FILTER_LABELS = {
    "self_referral": "Self-referral or drop-in",
    "free": "Free",
    "wheelchair": "Wheelchair accessible",
    "accepting": "Accepting referrals",
    "in_season": "In season now",
    "include_closed": "Including temporarily closed",
}


def _active_filters(args: dict) -> list[tuple[str, str]]:
    """(label, parameter) for each filter in use, so the page can offer to drop it."""
    active = [(label, key) for key, label in FILTER_LABELS.items() if args[key]]
    if args["age"] is not None:
        active.append((f"Age {args['age']}", "age"))
    if args["group"]:
        active.append(("For: " + ", ".join(GROUP_LABELS.get(g, g) for g in args["group"]), "group"))
    if args["category"]:
        active.append(("Category", "category"))
    if args["language"]:
        active.append((f"Language: {LANGUAGE_NAMES.get(args['language'], args['language'])}", "language"))
    if args["when"] != "any":
        active.append(("This week" if args["when"] == "week" else "On the chosen day", "when"))
    return active
