"""What one request may cost: the size of its body, and how much it counts against a rate limit.

Rate limits are per computer (or per API token). A request that makes the server do more counts
as several: full records, long pages, wildcard searches and streamed feeds, so twelve parallel
`full=true&per_page=100&search=a*` requests run out of allowance long before they slow the search
page for everyone else.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request

FULL_RECORDS_COST = 4  # full=true / full_service=true nest every related record
WILDCARD_COST = 4  # a * expands to every word it could begin
STREAM_COST = 20  # format=ndjson streams every match without pages
RECORDS_PER_UNIT = 25  # each 25 results a page asks for counts once more (250 for minimal=true)
LARGEST_PAGE = 1000  # a larger per_page is refused anyway: it costs no more than this


def init_app(app: Flask) -> None:
    """Refuse request bodies over MAX_CONTENT_LENGTH (or a view's own limit) with a clear 413.

    Register before CSRF protection, which reads the form.
    """
    app.before_request(_limit_body)


def accepts_body(max_bytes: int):
    """Decorator: this view takes bodies up to max_bytes (a file upload), not the site-wide limit."""

    def mark(view):
        view.signpost_max_body = max_bytes
        return view

    return mark


def too_large_message(limit: int) -> str:
    """What a 413 says: the limit, and what to do instead."""
    return (
        f"This request is larger than Signpost accepts ({limit // 1024:,} KB). Shorten the longest text, "
        "or send fewer records at a time."
    )


def _limit_body():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    limit = getattr(view, "signpost_max_body", None) or current_app.config["MAX_CONTENT_LENGTH"]
    request.max_content_length = limit  # also stops a body sent without a Content-Length
    if request.content_length is not None and request.content_length > limit:
        abort(413, description=too_large_message(limit))


def request_cost() -> int:
    """How many requests this one counts as against its rate limit (1 for an ordinary search)."""
    args = request.args
    minimal = _yes(args.get("minimal"))
    cost = 1 + min(_number(args.get("per_page")), LARGEST_PAGE) // (RECORDS_PER_UNIT * (10 if minimal else 1))
    if _yes(args.get("full")) or _yes(args.get("full_service")):
        cost += FULL_RECORDS_COST
    if any("*" in value for value in args.getlist("search") + args.getlist("q")):
        cost += WILDCARD_COST
    if args.get("format") == "ndjson":
        cost += STREAM_COST
    return cost


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on", "t", "y"}


def _number(value: str | None) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0
