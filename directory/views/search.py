"""The search page: every filter as a plain GET form, results explained, facets and paging."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from marshmallow import ValidationError

from directory import clock, geography
from directory.config import MAX_RADIUS_KM
from directory.db import get_session
from directory.extensions import limiter
from directory.limits import request_cost
from directory.operations import browse
from directory.operations.taxonomy import category_tree
from directory.presenters import ATTENDANCE_LABELS, DAY_NAMES, GROUP_LABELS, LANGUAGE_NAMES
from directory.schemas.search import SearchArgs, search_query
from directory.views.assets import results_map_data
from search import nearest_beyond, search_services

bp = Blueprint("search", __name__)
RADII = (1, 2, 5, 10, 25, 50, 100)


def _rate_limit() -> str:
    return current_app.config["SIGNPOST"].SEARCH_RATE_LIMIT


@bp.get("/search")
@limiter.limit(_rate_limit, cost=request_cost)  # per computer; wildcard searches count more
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
            place = geography.resolve_postcode(args["postcode"])
        except geography.PostcodeError as exc:
            errors["postcode"] = [str(exc)]
    radius = args["radius"] or config.DEFAULT_RADIUS_KM
    page = nearest = None
    wider_radius = next((r for r in RADII if r > radius), None)
    if not errors and _asked(args):
        query = search_query(args, place, radius, clock.local_now(), config.PAGE_SIZE)
        page = search_services(session, query)
        if page.total == 0 and place is not None:
            # Say how far the nearest match is, and offer a wider radius only when it would find it.
            nearest = nearest_beyond(session, query, MAX_RADIUS_KM)
            wider_radius = next((r for r in RADII if nearest and r >= nearest.distance_km), None)
    context = dict(
        map_data=results_map_data(page, place, radius) if page else None,
        args=args,
        errors=errors,
        place=place,
        radius=radius,
        page=page,
        radii=RADII,
        wider_radius=wider_radius,
        nearest=nearest,
        coverage=browse.coverage(session) if page and page.total == 0 and place and not nearest else [],
        max_radius=MAX_RADIUS_KM,
        categories=category_tree(session),
        groups=GROUP_LABELS,
        day_names=DAY_NAMES,
        languages=sorted(LANGUAGE_NAMES.items(), key=lambda kv: kv[1]),
        link=lambda drop="", **changes: _link(changes | dict.fromkeys(drop.split())),
        active_filters=_active_filters(args),
        understood=_understood(page, args) if page else [],
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
    return (
        any(args[k] for k in ("q", "postcode", "category", "group", "person", "how", "organisation"))
        or any(args[k] for k in ("self_referral", "free", "wheelchair", "accepting", "in_season", "language"))
        or args["age"] is not None
        or args["when"] != "any"
        or any(args[k] for k in ("day", "days", "part"))
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


def word_filter_label(filters: tuple[tuple[str, str], ...]) -> str:
    """What filters read from words do, in words: "Free", "Tuesdays", "Age 70", "For women"."""
    parts = []
    for name, value in filters:
        if name in FILTER_LABELS:
            parts.append(FILTER_LABELS[name])
        elif name == "age":
            parts.append(f"Age {value}")
        elif name == "group":
            parts.append("For " + GROUP_LABELS.get(value, value).lower().replace("lgbtq+", "LGBTQ+"))
        elif name == "person":
            parts.append("Suits " + GROUP_LABELS.get(value, value).lower().replace("lgbtq+", "LGBTQ+"))
        elif name == "how":
            parts.append(ATTENDANCE_LABELS.get(value, value))
        elif name == "language":
            parts.append(f"In {LANGUAGE_NAMES.get(value, value)}")
        elif name == "days":
            parts.append(DAY_NAMES.get(value, value) + "s")
        elif name == "part":
            parts.append(value.capitalize() + "s")
    return ", ".join(parts)


def _understood(page, args: dict) -> list[dict]:
    """Each wording read as a filter: its label, and the link searching for it as a plain word instead."""
    return [
        {
            "words": wf.words,
            "label": word_filter_label(wf.filters),
            "applied": wf.applied,
            "why_not": wf.why_not,
            "remove": _link({"plain": [*args["plain"], wf.words]}),
        }
        for wf in page.from_words
    ]


def _active_filters(args: dict) -> list[tuple[str, str]]:
    """(label, parameter) for each filter in use, so the page can offer to drop it."""
    active = [(label, key) for key, label in FILTER_LABELS.items() if args[key]]
    if args["age"] is not None:
        active.append((f"Age {args['age']}", "age"))
    if args["group"]:
        active.append(("For: " + ", ".join(GROUP_LABELS.get(g, g) for g in args["group"]), "group"))
    if args["how"]:
        active.append((" or ".join(ATTENDANCE_LABELS[m] for m in args["how"]), "how"))
    if args["person"]:
        active.append(("Suits: " + ", ".join(GROUP_LABELS.get(g, g) for g in args["person"]), "person"))
    if args["category"]:
        active.append(("Category", "category"))
    if args["language"]:
        active.append((f"Language: {LANGUAGE_NAMES.get(args['language'], args['language'])}", "language"))
    if args["when"] == "week":
        active.append(("This week", "when"))
    elif args["day"] and args["when"] != "week":
        active.append((f"On {args['day']:%A} {args['day'].day} {args['day']:%B}", "day when"))
    if args["days"]:
        active.append(("Days: " + ", ".join(DAY_NAMES[d] for d in args["days"]), "days"))
    if args["part"]:
        active.append(("Time: " + ", ".join(p.capitalize() for p in args["part"]), "part"))
    return active
