"""The client shortlist: add services while searching, note, print, copy as text, save a short link.

The list lives in the signed session cookie (service ids and notes only) until the worker
saves it. Every change is a plain POST form with a CSRF token, answered with a 303 redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from marshmallow import Schema, ValidationError

from directory import clock
from directory.db import get_session
from directory.extensions import limiter
from directory.operations import shortlist as ops
from directory.schemas.shortlist import NOTE_MAX_LENGTH, ShortlistItem, ShortlistMove, ShortlistNote, ShortlistReturn

bp = Blueprint("shortlist", __name__)
ITEMS_KEY = "shortlist"
LINK_KEY = "shortlist_link"  # the slug of the saved copy, while the list is unchanged


@bp.app_context_processor
def _shortlist_in_templates() -> dict:
    items = _items()
    return {"shortlist_count": len(items), "shortlist_ids": frozenset(i["service_id"] for i in items)}


def _items() -> list[dict]:
    return ops.read_items(session.get(ITEMS_KEY))


def _store(items: list[dict]) -> None:
    if items != _items():
        session.pop(LINK_KEY, None)
    if items:
        session[ITEMS_KEY] = items
    else:
        session.pop(ITEMS_KEY, None)


def _load(schema: Schema) -> dict:
    """The posted fields (from the body, or the query string of a button's formaction)."""
    try:
        return schema.load(request.values)
    except ValidationError as exc:
        abort(400, description=_words(exc.messages))


def _words(messages: dict) -> str:
    return " ".join(" ".join(m) if isinstance(m, list) else str(m) for m in messages.values())


def _back(data: dict, anchor: str = ""):
    target = data.get("next") or url_for("shortlist.show")
    return redirect(target + (f"#{anchor}" if anchor else ""), code=303)


def _refused(error: ops.ShortlistError, data: dict):
    return render_template("shortlist/refused.html", message=str(error), back=data.get("next")), 400


@bp.get("/shortlist")
def show():
    """The shortlist with notes to edit, the plain text, print and save."""
    return _render_list()


def _render_list(note_errors: dict | None = None, status: int = 200):
    items = _items()
    entries = ops.shortlist_entries(get_session(), items, clock.local_now())
    link = _link()
    text = ops.plain_text(entries, link)
    response = render_template(
        "shortlist/shortlist.html",
        entries=entries,
        text=text,
        text_messages=ops.text_messages(text),
        link=link,
        note_errors=note_errors or {},
        note_max=NOTE_MAX_LENGTH,
        max_items=ops.MAX_ITEMS,
    )
    return response, status, {"Cache-Control": "no-store"}


def _link() -> str | None:
    slug = session.get(LINK_KEY)
    return url_for("shortlist.saved", slug=slug, _external=True) if isinstance(slug, str) else None


@bp.get("/shortlist/print")
def print_view():
    """The list laid out for paper; ?large=1 for large print."""
    entries = ops.shortlist_entries(get_session(), _items(), clock.local_now())
    page = render_template(
        "shortlist/print.html",
        entries=entries,
        large=request.args.get("large") == "1",
        link=_link(),
        today=clock.today(),
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/shortlist/add")
def add():
    """Add a running service; refuse unknown, removed and closed ones with a clear page."""
    data = _load(ShortlistItem())
    try:
        _store(ops.add_item(get_session(), _items(), data["service_id"]))
    except ops.ShortlistError as error:
        return _refused(error, data)
    return _back(data, f"shortlist-{data['service_id']}" if data.get("next") else "")


@bp.post("/shortlist/remove")
def remove():
    """Take a service off the list."""
    data = _load(ShortlistItem())
    _store(ops.remove_item(_items(), data["service_id"]))
    return _back(data, f"shortlist-{data['service_id']}" if data.get("next") else "")


@bp.post("/shortlist/note")
def note():
    """Replace one item's note; a note that is too long comes back with the text kept."""
    try:
        data = ShortlistNote().load(request.values)
    except ValidationError as exc:
        if set(exc.messages) != {"note"}:
            abort(400, description=_words(exc.messages))
        typed = {request.values.get("service_id", ""): (_words(exc.messages), request.values.get("note", ""))}
        return _render_list(typed, 400)
    try:
        _store(ops.set_note(_items(), data["service_id"], data["note"]))
    except ops.ShortlistError as error:
        if not any(item["service_id"] == str(data["service_id"]) for item in _items()):
            return _refused(error, data)
        return _render_list({str(data["service_id"]): (str(error), data["note"])}, 400)
    return _back(data, f"item-{data['service_id']}")


@bp.post("/shortlist/move")
def move():
    """Move one item up or down."""
    data = _load(ShortlistMove())
    _store(ops.move_item(_items(), data["service_id"], data["direction"]))
    return _back(data, f"item-{data['service_id']}")


@bp.post("/shortlist/clear")
def clear():
    """Empty the list (a saved copy stays at its link)."""
    data = _load(ShortlistReturn())
    _store([])
    return _back(data)


@bp.post("/shortlist/save")
@limiter.limit("30 per hour")  # each save is a database row anyone can create
def save():
    """Store the list behind a short link: the only time the shortlist reaches the database."""
    data = _load(ShortlistReturn())
    if session.get(LINK_KEY):
        return _back(data, "share")  # unchanged since it was saved: the same link still works
    try:
        slug = ops.save_shortlist(get_session(), _items())
    except ops.ShortlistError as error:
        return _refused(error, data)
    session[LINK_KEY] = slug
    return _back(data, "share")


@bp.get("/s/<slug>")
def saved(slug: str):
    """A saved shortlist, read only."""
    record = ops.load_saved(get_session(), slug)
    if record is None:
        abort(404, description="There is no saved shortlist at this link. Check the link is complete.")
    entries = ops.shortlist_entries(get_session(), ops.read_items(record.items), clock.local_now())
    page = render_template(
        "shortlist/saved.html",
        record=record,
        entries=entries,
        large=request.args.get("large") == "1",
        link=url_for("shortlist.saved", slug=record.slug, _external=True),
    )
    return page, 200, {"X-Robots-Tag": "noindex", "Cache-Control": "private, no-cache"}
