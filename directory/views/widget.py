"""The search widget for partner websites: its script (/widget.js) and the page that explains it (/widget)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, send_from_directory

from directory.config import ROOT
from directory.db import get_session
from directory.operations.taxonomy import category_tree
from directory.schemas.widget import RESULTS, WidgetChoices

bp = Blueprint("widget", __name__)
WIDGET_DIR = ROOT / "directory" / "static" / "widget"
SCRIPT = "signpost-search.js"


@bp.get("/widget.js")
def script():
    """The web component; any site may load it (it reads the public JSON API, which allows any origin)."""
    response = send_from_directory(WIDGET_DIR, SCRIPT, mimetype="text/javascript", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/widget")
def guide():
    """How to put a Signpost search on a website: choose its settings, copy two lines, see it working."""
    categories = category_tree(get_session())
    known = {term.code for top, children in categories for term in (top, *children)}
    choices, errors = WidgetChoices().load_choices(request.args, known)
    return render_template(
        "widget/guide.html", categories=categories, choices=choices, errors=errors, results_choices=RESULTS
    ), 400 if errors else 200
