"""Keeping listings true: the moderators' dashboard, and the links in review emails.

A review link opens a page with one button: the answer is a POST (with a CSRF token), so a mail
scanner that follows links cannot answer for anyone.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from directory.auth import current_actor, login_required
from directory.db import get_session
from directory.extensions import limiter
from directory.freshness import CODES, LABELS
from directory.links import links
from directory.models import Service, utcnow
from directory.operations import freshness as ops
from directory.operations.moderation import editor_addresses
from directory.operations.reminders import (
    ANSWER_LABELS,
    STAGE_LABELS,
    AlreadyAnswered,
    ReviewLinkError,
    answer_reminder,
    notify_closure,
    read_review_link,
)
from directory.schemas.freshness import NOTE_MAX_LENGTH, ReviewAnswerInput
from directory.views.errors import on_bad_input

bp = Blueprint("freshness", __name__)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PAGE_SIZE = 50


def _config():
    return current_app.config["SIGNPOST"]


def _policy():
    return ops.policy_for(_config())


@bp.get("/moderate/freshness")
@login_required
def dashboard():
    """Counts per flag, and the flagged listings (filtered by flag, or urgent only)."""
    code = request.args.get("flag") or None
    if code is not None and code not in CODES:
        abort(400, description=f"There is no flag called “{code[:40]}”. Choose one from the list.")
    urgent = request.args.get("urgent") == "1"
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(400, description="The page number must be a whole number from 1.")
    session = get_session()
    actor = current_actor()
    listings = ops.flagged_listings(session, actor, code, urgent)
    page = int(page)
    pages = max(1, -(-len(listings) // PAGE_SIZE))
    return render_template(
        "freshness/dashboard.html",
        counts=ops.flag_counts(session, actor),
        labels=LABELS,
        code=code,
        urgent=urgent,
        listings=listings[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(listings),
        page=page,
        pages=pages,
        stage_labels=STAGE_LABELS,
        answer_labels=ANSWER_LABELS,
    )


@bp.get("/moderate/freshness/<raw_id>")
@login_required
def listing(raw_id: str):
    """One listing's flags with their reasons, and the history of reminders and answers."""
    try:
        service = get_session().get(Service, uuid.UUID(raw_id))
    except ValueError:
        service = None
    if service is None:
        abort(404, description="There is no listing at this address.")
    history = ops.listing_history(get_session(), current_actor(), service)
    return render_template(
        "freshness/listing.html",
        service=service,
        history=history,
        labels=LABELS,
        stage_labels=STAGE_LABELS,
        answer_labels=ANSWER_LABELS,
    )


@bp.route("/review/<action>/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def answer(action: str, token: str):
    """The page a review link opens (what the listing is, and one button), and its answer: still
    correct, I will update it, or it has closed."""
    session = get_session()
    try:
        reminder, service, address = read_review_link(session, action, token, _policy(), secret=_config().SECRET_KEY)
    except AlreadyAnswered as exc:
        return _answered(exc.reminder, status=409)
    except ReviewLinkError as exc:
        return render_template("freshness/link_problem.html", message=str(exc)), 400, NO_STORE
    if request.method == "GET":
        return _answer_page(action, token, service, reminder)
    on_bad_input(
        lambda messages: _answer_page(
            action, token, service, reminder, request.form.get("note", ""), " ".join(messages["note"]), 400
        )
    )
    note = ReviewAnswerInput().load(request.form)["note"]
    answer_reminder(session, reminder, service, address, action, utcnow(), note)
    if action == "closed":
        notify_closure(session, _config(), service, address, note, links=links())
    if action == "update":
        editors = editor_addresses(session, service.organisation_id)
        target = (
            url_for("manage.edit_service", raw_id=service.id)
            if editors
            else url_for("claims.claim", raw_id=service.organisation_id)
        )
        return redirect(target, code=303)
    return _answered(reminder, status=200, just_now=True)


def _answer_page(
    action: str, token: str, service: Service, reminder, note: str = "", error: str = "", status: int = 200
):
    page = render_template(
        "freshness/answer.html",
        action=action,
        token=token,
        service=service,
        reasons=reminder.reasons,
        note_max=NOTE_MAX_LENGTH,
        note=note,
        error=error,
    )
    return page, status, NO_STORE


def _answered(reminder, status: int, just_now: bool = False):
    service = get_session().get(Service, reminder.service_id)
    page = render_template(
        "freshness/answered.html", reminder=reminder, service=service, just_now=just_now, answer_labels=ANSWER_LABELS
    )
    return page, status, NO_STORE
