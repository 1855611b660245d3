"""Editors keep their organisation's details and venues true; anyone signed in may propose a new organisation.

Organisations and venues come from the URL, never the form. Every write goes through
directory.operations.organisations, which checks permissions (a refusal is a 403 page).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from directory.auth import current_actor, login_required
from directory.db import get_session
from directory.extensions import limiter
from directory.mail import mail_after_commit
from directory.models import Location, Organisation, Service
from directory.operations.changes import working_snapshot
from directory.operations.moderation import one_line, pending_changes
from directory.operations.organisations import (
    FIELDS,
    archive_record,
    listing_snapshot,
    propose_organisation,
    require_proposer,
    submit_listing_change,
    unarchive_record,
    venue_in_use,
)
from directory.permissions import require
from directory.schemas.organisations import (
    ReasonInput,
    labeller,
    listing_errors,
    listing_values,
    read_listing_form,
)
from directory.views.errors import on_bad_input

from .manage import HISTORY, _get_or_404

bp = Blueprint("organisations", __name__)
WORDS = {"organisation": "organisation", "location": "venue", "service": "service"}


def _page(
    target_type: str,
    organisation: Organisation | None,
    record,
    values: dict,
    *,
    errors=None,
    archive_errors=None,
    base_version=None,
    status: int = 200,
):
    db = get_session()
    return render_template(
        f"organisations/{target_type}.html",
        organisation=organisation,
        record=record,
        values=values,
        errors=errors or {},
        archive_errors=archive_errors or {},
        base_version=base_version,
        label_for=labeller(target_type),
        actor=current_actor(),
        pending=pending_changes(db, record.id) if record is not None else [],
        in_use=venue_in_use(db, record) if target_type == "location" and record is not None else [],
    ), status


def _version(form) -> int | None:
    try:
        return int(form.get("base_version", ""))
    except ValueError:
        return None


def _submit(target_type: str, organisation: Organisation, record):
    db = get_session()
    data, values = read_listing_form(request.form, FIELDS[target_type])
    base_version = _version(request.form)

    def refused(messages: dict):
        errors = listing_errors(messages, FIELDS[target_type])
        stale = record is not None and "base_version" in errors
        return _page(
            target_type,
            organisation,
            record,
            values,
            errors=errors,
            base_version=record.version if stale else base_version,
            status=409 if stale else 400,
        )

    on_bad_input(refused)
    outcome, result = submit_listing_change(db, current_actor(), target_type, organisation, record, data, base_version)
    name = data.get("name") or (record.name if record is not None else "") or f"the {WORDS[target_type]}"
    if outcome == "published":
        flash(f"Saved. The changes to “{name}” are live.")
    elif outcome == "queued":
        flash(
            f"Sent for review. A moderator will check the change to “{name}”; "
            "what is shown stays as it is until then, and you will get an email."
        )
    elif outcome == "withdrawn":
        flash(f"Your waiting change to “{name}” is withdrawn: the form matched what is live.")
    else:
        flash("Nothing was changed, so nothing was saved.")
    return redirect(url_for("manage.dashboard"), code=303)


# Organisations ----------------------------------------------------------------------------------


def _editable(model, raw_id: str, action: str):
    record = _get_or_404(model, raw_id)
    require(current_actor(), action, record)
    if record.archived_at is not None:
        abort(410, description=f"“{record.name or 'This venue'}” has been archived, so it can no longer be edited.")
    return record


@bp.route("/organisations/new", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])  # each proposal is a moderator's time
@login_required
def propose():
    """Propose a new organisation: a moderator checks it, then the proposer edits its listings."""
    require_proposer(current_actor())
    if request.method == "GET":
        return _page("organisation", None, None, {})
    db = get_session()
    data, values = read_listing_form(request.form, FIELDS["organisation"])
    on_bad_input(
        lambda messages: _page(
            "organisation", None, None, values, errors=listing_errors(messages, FIELDS["organisation"]), status=400
        )
    )
    change = propose_organisation(db, current_actor(), data)
    config = current_app.config["SIGNPOST"]
    moderators = config.moderator_addresses
    link = url_for("manage.review", raw_id=change.id, _external=True)
    mail_after_commit(
        db,
        config,
        moderators,
        f"New organisation to review: {one_line(change.proposed['name'])}",
        f"{current_actor().name} proposed a new organisation, “{change.proposed['name']}”.\n\n"
        f"Please approve or reject it: {link}\n",
    )
    flash(
        f"Thank you. A moderator will check “{change.proposed['name']}”; you will get an email, "
        "and once it is approved you can add its services and venues here."
    )
    return redirect(url_for("manage.dashboard"), code=303)


@bp.route("/manage/organisations/<raw_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(raw_id: str):
    """The organisation's own details: name, description, contact details, registered numbers."""
    organisation = _editable(Organisation, raw_id, "organisation.update")
    if request.method == "POST":
        return _submit("organisation", organisation, organisation)
    return _page(
        "organisation",
        organisation,
        organisation,
        listing_values(working_snapshot(get_session(), current_actor(), organisation), FIELDS["organisation"]),
        base_version=organisation.version,
    )


# Venues -----------------------------------------------------------------------------------------


@bp.route("/manage/organisations/<raw_id>/locations/new", methods=["GET", "POST"])
@login_required
def new_location(raw_id: str):
    """Add a venue: its address and postcode (which places it on the map) and how to get in."""
    organisation = _editable(Organisation, raw_id, "location.create")
    if request.method == "POST":
        return _submit("location", organisation, None)
    return _page("location", organisation, None, {"location_type": "physical"})


@bp.route("/manage/locations/<raw_id>/edit", methods=["GET", "POST"])
@login_required
def edit_location(raw_id: str):
    """Change a venue's address, postcode, travel notes or accessibility."""
    location = _editable(Location, raw_id, "location.update")
    if request.method == "POST":
        return _submit("location", location.organisation, location)
    return _page(
        "location",
        location.organisation,
        location,
        listing_values(working_snapshot(get_session(), current_actor(), location), FIELDS["location"]),
        base_version=location.version,
    )


# Archive (editors and moderators) and unarchive (moderators) ----------------------------------

ARCHIVABLE = {"organisations": (Organisation, "organisation"), "locations": (Location, "location")}
UNARCHIVABLE = {**ARCHIVABLE, "services": (Service, "service")}


@bp.post("/manage/<any(organisations, locations):kind>/<raw_id>/archive")
@login_required
def archive(kind: str, raw_id: str):
    """Take an organisation or venue out of the directory, with a reason kept in its history."""
    model, target_type = ARCHIVABLE[kind]
    record = _editable(model, raw_id, f"{target_type}.archive")
    organisation = record if target_type == "organisation" else record.organisation
    on_bad_input(
        lambda messages: _page(
            target_type,
            organisation,
            record,
            listing_values(listing_snapshot(record), FIELDS[target_type]),
            archive_errors=listing_errors(messages, []),
            base_version=record.version,
            status=400,
        )
    )
    reason = ReasonInput().load(request.form)["archive_reason"]
    archive_record(get_session(), current_actor(), record, reason)
    flash(f"“{record.name or 'The venue'}” has been archived and no longer appears in the directory.")
    return redirect(url_for("manage.dashboard"), code=303)


@bp.post("/moderate/<any(organisations, locations, services):kind>/<raw_id>/unarchive")
@login_required
def unarchive(kind: str, raw_id: str):
    """Bring an archived listing back (moderators only); recorded in its history."""
    model, target_type = UNARCHIVABLE[kind]
    record = _get_or_404(model, raw_id)
    require(current_actor(), "listing.unarchive", record)
    history = url_for(HISTORY[target_type], raw_id=record.id)

    def refused(messages: dict):
        flash(" ".join(listing_errors(messages, []).get("archive_reason", [])))
        return redirect(history, code=303)

    on_bad_input(refused)
    unarchive_record(get_session(), current_actor(), record)
    flash(f"“{record.name or 'The venue'}” is back in the directory.")
    return redirect(history, code=303)
