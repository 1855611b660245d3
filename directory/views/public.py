"""Public pages: home and search, a service, an organisation."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, abort, render_template

from directory.db import get_session
from directory.models import Organisation, Service
from directory.operations import browse
from search.explain import explain

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """The home page: a simple keyword and postcode search."""
    return render_template("public/home.html")


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
    if record.archived_at is not None:
        abort(410, description=f"“{record.name}” has been removed from the directory.")
    return render_template(
        "public/service.html",
        service=record,
        view=browse.service_view(get_session(), record),
        explanation=explain(record, date.today(), None, False),
    )


@bp.get("/organisations/<raw_id>")
def organisation(raw_id: str):
    """An organisation with its services and venues."""
    record = _get_or_404(Organisation, raw_id)
    session = get_session()
    return render_template(
        "public/organisation.html",
        organisation=record,
        services=browse.organisation_services(session, record),
        venues=browse.organisation_venues(session, record),
    )
