"""Editors keep their listings true; moderators review changes, suggestions and reports, and keep history.

Every write goes through directory.operations.moderation or .history, which check permissions:
a refusal is a PermissionDenied (a 403 page) and nothing is written.
"""

from __future__ import annotations

import calendar
import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from directory.auth import current_actor, login_required
from directory.db import get_session
from directory.extensions import limiter
from directory.mail import mail_after_commit
from directory.models import (
    ChangeRequest,
    Location,
    Organisation,
    ProblemReport,
    Revision,
    Service,
    User,
    utcnow,
)
from directory.operations.browse import organisation_venues
from directory.operations.changes import restore_revision, working_snapshot
from directory.operations.changes import review as review_fields
from directory.operations.history import list_history
from directory.operations.moderation import (
    SENSITIVE,
    archive_listing,
    close_report,
    confirm_service,
    decide_change,
    decision_notice,
    diff,
    editor_addresses,
    moderation_queue,
    my_listings,
    one_line,
    pending_changes,
    service_snapshot,
    submit_service_change,
    suggest_edit,
)
from directory.operations.organisations import ALWAYS_REVIEWED, MODELS, listing_snapshot, my_proposals, target_type_of
from directory.operations.reports import KIND_LABELS
from directory.operations.taxonomy import category_tree
from directory.permissions import can, require
from directory.presenters import (
    ATTENDANCE_LABELS,
    DAY_NAMES,
    FUNDING_LABELS,
    GROUP_LABELS,
    METHOD_LABELS,
    ORDINALS,
    REFERRAL_STATUS_LABELS,
    ROUTE_LABELS,
)
from directory.schemas import manage as forms
from directory.schemas.organisations import labeller
from directory.views.errors import on_bad_input

bp = Blueprint("manage", __name__)
SOURCES = {
    "editor": "Published by an editor",
    "moderator": "Published by a moderator",
    "restore": "Restored from an earlier version",
    "import": "Imported",
    "system": "Signpost",
    "demo": "Loaded from the demo directory",
}


def _get_or_404(model, raw_id: str):
    try:
        record = get_session().get(model, uuid.UUID(raw_id))
    except ValueError:
        record = None
    if record is None:
        abort(404, description="That record does not exist. It may have been removed.")
    return record


@bp.get("/manage")
@login_required
def dashboard():
    """The signed-in editor's organisations, their services and their changes waiting for review."""
    actor, db = current_actor(), get_session()
    listings = my_listings(db, actor)
    venues = {organisation.id: organisation_venues(db, organisation) for organisation, _, _ in listings}
    return render_template(
        "manage/dashboard.html",
        listings=listings,
        venues=venues,
        proposals=my_proposals(db, actor),
        is_moderator=actor.has("moderator"),
        can_propose=can(actor, "organisation.create"),
    )


# Editing services -------------------------------------------------------------------------------

_FREQUENCIES = [("weekly", "Every week"), ("monthly", "Once a month")]
_AREA_TYPES = [("local_authority", "Council area"), ("health_board", "Health board"), ("national", "Nation")]


def _choices(locations) -> dict:
    return {
        "weekdays": list(DAY_NAMES.items()),
        "frequencies": _FREQUENCIES,
        "weeks": [(number, word.capitalize()) for number, word in ORDINALS.items()],
        "months": [(number, calendar.month_name[number]) for number in range(1, 13)],
        "routes": list(ROUTE_LABELS.items()),
        "methods": [(key, label.replace("by ", "").capitalize()) for key, label in METHOD_LABELS.items()],
        "area_types": _AREA_TYPES,
        "attendance": list(ATTENDANCE_LABELS.items()),
        "venues": [
            (str(loc.id), (loc.name or "Venue") + (f", {loc.postcode}" if loc.postcode else "")) for loc in locations
        ],
    }


def _targets(locations) -> dict:
    """Where each error in the summary links to, for fields that are a group of controls."""
    first_group = next(iter(GROUP_LABELS))
    return {
        "groups_served": f"groups_served-{first_group}",
        "categories": "categories",
        "base_version": "service-form",
        "location_ids": f"location-{locations[0].id}" if locations else "venues",
    }


def _edit_page(
    organisation: Organisation,
    service: Service | None,
    form: forms.ServiceForm,
    *,
    errors=None,
    base_version=None,
    archive_errors=None,
    status: int = 200,
):
    db = get_session()
    locations = organisation_venues(db, organisation)
    return render_template(
        "manage/edit.html",
        organisation=organisation,
        service=service,
        form=forms.with_blank_rows(form),
        errors=errors or {},
        archive_errors=archive_errors or {},
        base_version=base_version,
        actor=current_actor(),
        locations=locations,
        categories=category_tree(db),
        groups=GROUP_LABELS,
        label_for=forms.label_for,
        pending=pending_changes(db, service.id) if service is not None else [],
        choices=_choices(locations),
        targets=_targets(locations),
    ), status


def _submit(organisation: Organisation, service: Service | None):
    db = get_session()
    form = forms.read_service_form(request.form)
    try:
        base_version = int(request.form.get("base_version", ""))
    except ValueError:
        base_version = None

    def refused(messages: dict):
        errors = forms.form_errors(messages, form)
        stale = service is not None and "base_version" in errors
        # After a clash, the form carries the live version so a deliberate second save goes through.
        shown_version = service.version if stale else base_version
        return _edit_page(
            organisation, service, form, errors=errors, base_version=shown_version, status=409 if stale else 400
        )

    on_bad_input(refused)
    outcome, record = submit_service_change(db, current_actor(), organisation, service, form.data, base_version)
    name = form.data.get("name") or (service.name if service else "the service")
    if outcome == "published":
        flash(f"Saved. The changes to “{name}” are live.")
        return redirect(url_for("manage.edit_service", raw_id=record.target_id), code=303)
    if outcome == "queued":
        flash(
            f"Sent for review. A moderator will check the change to “{name}”; "
            "the listing stays as it is until then, and you will get an email."
        )
    elif outcome == "withdrawn":
        flash(f"Your waiting change to “{name}” is withdrawn: the form matched the live listing.")
    else:
        flash("Nothing was changed, so nothing was saved.")
    return redirect(url_for("manage.dashboard"), code=303)


@bp.route("/manage/organisations/<raw_id>/services/new", methods=["GET", "POST"])
@login_required
def new_service(raw_id: str):
    """Add a service to an organisation the editor edits."""
    organisation = _get_or_404(Organisation, raw_id)
    require(current_actor(), "service.create", organisation)
    if request.method == "POST":
        return _submit(organisation, None)
    return _edit_page(organisation, None, forms.form_values({}))


def _editable_service(raw_id: str) -> Service:
    service = _get_or_404(Service, raw_id)
    require(current_actor(), "service.update", service)
    if service.archived_at is not None:
        abort(410, description=f"“{service.name}” has been archived, so it can no longer be edited.")
    return service


@bp.get("/manage/services/<raw_id>/edit")
@login_required
def edit_service(raw_id: str):
    """One form with every fact about a service."""
    service = _editable_service(raw_id)
    form = forms.form_values(working_snapshot(get_session(), current_actor(), service))
    return _edit_page(service.organisation, service, form, base_version=service.version)


@bp.post("/manage/services/<raw_id>/edit")
@login_required
def save_service(raw_id: str):
    """Publish or queue the edit (organisation and id come from the URL, never the form)."""
    service = _editable_service(raw_id)
    return _submit(service.organisation, service)


@bp.post("/manage/services/<raw_id>/confirm")
@login_required
def confirm(raw_id: str):
    """'This listing is still correct' in one click."""
    service = _editable_service(raw_id)
    confirm_service(get_session(), current_actor(), service)
    flash(f"Thank you. “{service.name}” now shows it was checked today.")
    return redirect(url_for("manage.edit_service", raw_id=service.id), code=303)


@bp.post("/manage/services/<raw_id>/archive")
@login_required
def archive(raw_id: str):
    """Take a service out of the directory, with a reason."""
    service = _editable_service(raw_id)
    require(current_actor(), "service.archive", service)

    def refused(messages: dict):
        form = forms.form_values(service_snapshot(service))
        return _edit_page(
            service.organisation,
            service,
            form,
            base_version=service.version,
            archive_errors=forms.form_errors(messages, form),
            status=400,
        )

    on_bad_input(refused)
    reason = forms.ArchiveInput().load(request.form)["archive_reason"]
    archive_listing(get_session(), current_actor(), service, reason)
    flash(f"“{service.name}” has been archived and no longer appears in the directory.")
    return redirect(url_for("manage.dashboard"), code=303)


# Suggestions from anyone -----------------------------------------------------------------------


@bp.post("/services/<raw_id>/suggest")
@limiter.limit("5 per minute;20 per day")
def suggest(raw_id: str):
    """Anyone may suggest an edit; it goes to the moderators and the organisation's editors are told."""
    service = _get_or_404(Service, raw_id)
    if service.archived_at is not None:
        abort(410, description=f"“{service.name}” has been removed from the directory.")
    on_bad_input(
        lambda messages: (
            render_template(
                "manage/suggest.html",
                suggest_page=True,
                service=service,
                errors=forms.form_errors(messages, forms.ServiceForm({}, {})),
                form=request.form,
            ),
            400,
        )
    )
    db = get_session()
    text = forms.SuggestionInput().load(request.form)["suggestion"]
    change = suggest_edit(db, service, text, current_actor() if current_actor().kind == "user" else None)
    config = current_app.config["SIGNPOST"]
    moderators = config.moderator_addresses
    link = url_for("manage.review", raw_id=change.id, _external=True)
    body = (
        f"Someone suggested an edit to “{service.name}” ({service.organisation.name}) on Signpost:\n\n{text}\n\n"
        f"Moderators can review it here: {link}\nEditors can update the listing under “Manage listings”.\n"
    )
    mail_after_commit(
        db,
        config,
        editor_addresses(db, service.organisation_id) + [service.organisation.email or ""] + moderators,
        f"Suggested edit: {one_line(service.name)}",
        body,
    )
    flash("Thank you. Your suggestion has been sent to the organisation and Signpost's moderators.")
    return redirect(url_for("public.service", raw_id=service.id, _anchor="main"), code=303)


# Moderation -------------------------------------------------------------------------------------


@bp.get("/moderate/changes")
@login_required
def queue():
    """Changes, suggestions and problem reports waiting for a moderator, oldest first."""
    return render_template(
        "moderate/queue.html", items=moderation_queue(get_session(), current_actor()), report_kinds=KIND_LABELS
    )


def _value_names(venues: dict) -> dict:
    """Words for the codes stored in a listing's rows, for the diff and history tables."""
    return {
        "weekday": DAY_NAMES,
        "route_type": ROUTE_LABELS,
        "method": METHOD_LABELS,
        "location_id": venues,
        "status": {**REFERRAL_STATUS_LABELS, **FUNDING_LABELS},
        "week_of_month": {str(k): v for k, v in ORDINALS.items()},
        "area_type": dict(_AREA_TYPES),
        "frequency": dict(_FREQUENCIES),
        "attendance": ATTENDANCE_LABELS,
        "start_month": {str(n): calendar.month_name[n] for n in range(1, 13)},
        "end_month": {str(n): calendar.month_name[n] for n in range(1, 13)},
    }


HISTORY = {
    "service": "manage.history",
    "organisation": "manage.organisation_history",
    "location": "manage.location_history",
}
PUBLIC = {"service": "public.service", "organisation": "public.organisation"}


def _labels(target_type: str):
    label_for = forms.label_for if target_type == "service" else labeller(target_type)
    return lambda name: label_for(name.removeprefix("choice-"))  # a choice between live and proposed values


def _review_page(change: ChangeRequest, errors=None, form=None, status: int = 200):
    db = get_session()
    model = MODELS.get(change.target_type, Service)
    record = db.get(model, change.target_id) if change.target_id else None
    live = listing_snapshot(record) if record is not None else {}
    changes = diff(live, change.proposed) if change.kind in ("create", "update") and record is None else []
    fields = (
        review_fields(change, live)
        if record is not None and (change.kind == "update" or change.kind == "draft" and change.field_names)
        else []
    )
    submitter = db.get(User, change.submitted_by) if change.submitted_by else None
    decider = db.get(User, change.decided_by) if change.decided_by else None
    organisation = db.get(Organisation, change.organisation_id) if change.organisation_id else None
    venues = {
        str(loc.id): loc.name or loc.postcode or "Venue"
        for loc in (organisation_venues(db, organisation) if organisation else [])
    }
    return render_template(
        "moderate/review.html",
        change=change,
        service=record,
        changes=changes,
        fields=fields,
        conflicts=[row for row in fields if row.conflict],
        submitter=submitter,
        decider=decider,
        organisation=organisation,
        names=_value_names(venues),
        errors=errors or {},
        form=form or {},
        label_for=_labels(change.target_type),
        child_labels=forms.CHILD_LABELS,
        sensitive=SENSITIVE if change.target_type == "service" else ALWAYS_REVIEWED,
        stale=record is not None and change.base_version not in (None, record.version) and change.base is None,
        what=TARGET_WORDS.get(change.target_type, change.target_type),
        public_url=_public_url(change.target_type, record),
        history_url=_history_url(change.target_type, record),
    ), status


TARGET_WORDS = {"service": "service", "organisation": "organisation", "location": "venue"}


def _public_url(target_type: str, record) -> str | None:
    if record is None:
        return None
    if target_type == "location":
        return url_for("public.organisation", raw_id=record.organisation_id)
    return url_for(PUBLIC[target_type], raw_id=record.id)


def _history_url(target_type: str, record) -> str | None:
    return url_for(HISTORY[target_type], raw_id=record.id) if record is not None and target_type in HISTORY else None


@bp.get("/moderate/changes/<raw_id>")
@login_required
def review(raw_id: str):
    """A change field by field against the live listing, with approve and reject."""
    change = _get_or_404(ChangeRequest, raw_id)
    require(current_actor(), "change.decide", change)
    return _review_page(change)


@bp.post("/moderate/changes/<raw_id>")
@login_required
def decide(raw_id: str):
    """Approve (publish) or reject with a note; the editor is emailed."""
    change = _get_or_404(ChangeRequest, raw_id)
    require(current_actor(), "change.decide", change)
    on_bad_input(
        lambda messages: _review_page(change, forms.form_errors(messages, forms.ServiceForm({}, {})), request.form, 400)
    )
    db = get_session()
    decision = forms.DecisionInput().load(request.form)
    choices = {name[len("choice-") :]: value for name, value in request.form.items() if name.startswith("choice-")}
    decide_change(db, current_actor(), change, decision["decision"] == "approve", decision["note"], choices=choices)
    notice = decision_notice(db, change)
    if notice:
        mail_after_commit(db, current_app.config["SIGNPOST"], *notice)
    flash(_decision_message(change))
    return redirect(url_for("manage.queue"), code=303)


def _decision_message(change: ChangeRequest) -> str:
    if change.status != "approved":
        return "Rejected: the editor has been told why." if change.kind in ("create", "update") else "Dismissed."
    if change.kind in ("create", "update"):
        return "Approved: the change is live."
    if change.kind == "merge":
        return "Merged into the existing listing."
    return "Marked as done."  # a suggestion or a newsletter draft: the moderator edits the listing themselves


@bp.post("/moderate/reports/<raw_id>")
@login_required
def close(raw_id: str):
    """Mark a problem report resolved or dismissed."""
    report = _get_or_404(ProblemReport, raw_id)

    def refused(messages: dict):
        flash(" ".join(forms.friendly(messages)))
        return redirect(url_for("manage.queue"), code=303)

    on_bad_input(refused)
    close_report(get_session(), current_actor(), report, request.form.get("status", ""))
    flash(f"The report is marked {report.status}.")
    return redirect(url_for("manage.queue"), code=303)


def _history_page(record, errors=None, status: int = 200):
    db = get_session()
    target_type = target_type_of(record)
    revisions = list_history(db, current_actor(), target_type, record.id)
    organisation = record if target_type == "organisation" else record.organisation
    venues = {str(loc.id): loc.name or loc.postcode or "Venue" for loc in organisation_venues(db, organisation)}
    return render_template(
        "moderate/history.html",
        listing=record,
        revisions=revisions,
        errors=errors or {},
        label_for=_labels(target_type),
        child_labels=forms.CHILD_LABELS,
        names=_value_names(venues),
        sources=SOURCES,
        what=TARGET_WORDS[target_type],
        kind=f"{target_type}s",
        public_url=_public_url(target_type, record),
    ), status


@bp.get("/moderate/services/<raw_id>/history")
@login_required
def history(raw_id: str):
    """Every recorded change to a service, newest first, each restorable."""
    return _history_page(_get_or_404(Service, raw_id))


@bp.get("/moderate/organisations/<raw_id>/history")
@login_required
def organisation_history(raw_id: str):
    """Every recorded change to an organisation's details, newest first, each restorable."""
    return _history_page(_get_or_404(Organisation, raw_id))


@bp.get("/moderate/locations/<raw_id>/history")
@login_required
def location_history(raw_id: str):
    """Every recorded change to a venue, newest first, each restorable."""
    return _history_page(_get_or_404(Location, raw_id))


@bp.post("/moderate/revisions/<raw_id>/restore")
@login_required
def restore(raw_id: str):
    """Publish an old version again (itself recorded in the history)."""
    revision = _get_or_404(Revision, raw_id)
    require(current_actor(), "history.restore", revision)
    if revision.target_type not in HISTORY:
        abort(404, description="Only versions of services, organisations and venues can be restored.")
    record = _get_or_404(MODELS[revision.target_type], str(revision.target_id))
    on_bad_input(lambda messages: _history_page(record, {"revision": forms.friendly(messages)}, 400))
    restore_revision(get_session(), current_actor(), revision, utcnow())
    flash(f"Restored the version of “{record.name or 'the venue'}” from {revision.changed_at:%d %B %Y at %H:%M:%S}.")
    return redirect(url_for(HISTORY[revision.target_type], raw_id=record.id), code=303)
