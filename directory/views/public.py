"""Public pages: home and search, a service, an organisation."""

from __future__ import annotations

import uuid
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from directory import clock
from directory.auth import current_actor
from directory.db import get_session
from directory.extensions import limiter
from directory.links import links
from directory.models import Organisation, Service
from directory.operations import browse
from directory.operations.freshness import policy_for
from directory.operations.moderation import editor_addresses
from directory.operations.reports import KIND_LABELS, notify_report, report_problem
from directory.permissions import route_contact_visible
from directory.schemas.report import ProblemReportInput
from directory.views.errors import on_bad_input
from search.explain import explain

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """The home page: a simple keyword and postcode search, and where the directory has listings."""
    return render_template("public/home.html", coverage=browse.coverage(get_session()))


def _get_or_404(model, raw_id: str):
    try:
        key = uuid.UUID(raw_id)
    except ValueError:
        abort(404, description=f"There is no listing with the id '{raw_id[:60]}'.")
    record = get_session().get(model, key)
    if record is None:
        abort(404, description="That listing does not exist. It may have been removed.")
    return record


@bp.get("/services/<raw_id>")
def service(raw_id: str):
    """Everything a link worker needs to know about one service."""
    record = _get_or_404(Service, raw_id)
    return _service_page(record)


def _service_page(record: Service, report_errors: dict | None = None, report_form=None) -> str:
    if record.archived_at is not None or record.organisation.archived_at is not None:
        abort(410, description=f"“{record.name}” has been removed from the directory.")
    return render_template(
        "public/service.html",
        service=record,
        view=browse.service_view(get_session(), record),
        explanation=explain(record, clock.local_now(), policy=policy_for(current_app.config["SIGNPOST"])),
        report_kinds=KIND_LABELS,
        contact_visible=partial(route_contact_visible, current_actor()),
        report_errors=report_errors or {},
        report_form=report_form or {},
    )


@bp.post("/services/<raw_id>/report")
@limiter.limit("5 per minute;20 per day")
def report(raw_id: str):
    """Report a problem with a listing: stored, then the organisation and moderators are told."""
    record = _get_or_404(Service, raw_id)
    on_bad_input(lambda messages: (_service_page(record, report_errors=messages, report_form=request.form), 400))
    data = ProblemReportInput().load(request.form)
    session = get_session()
    report = report_problem(session, record, data)
    editors = editor_addresses(session, record.organisation_id)
    notify_report(session, current_app.config["SIGNPOST"], report, record, editors, links=links())
    flash("Thank you. The organisation and Signpost's moderators have been told about the problem.")
    return redirect(url_for("public.service", raw_id=record.id, _anchor="main"), code=303)


@bp.get("/organisations/<raw_id>")
def organisation(raw_id: str):
    """An organisation with its services and venues."""
    record = _get_or_404(Organisation, raw_id)
    if record.archived_at is not None:
        abort(410, description=f"“{record.name}” has been removed from the directory.")
    session = get_session()
    return render_template(
        "public/organisation.html",
        organisation=record,
        services=browse.organisation_services(session, record),
        venues=browse.organisation_venues(session, record),
    )
