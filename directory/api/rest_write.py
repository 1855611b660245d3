"""Changing listings with a personal API token, through the same operations and moderation as the edit form."""

from __future__ import annotations

import uuid

from flask import jsonify, request
from flask_smorest import abort
from werkzeug.exceptions import Conflict

from directory.db import get_session
from directory.models import ChangeRequest, Organisation, Service
from directory.operations import InputError
from directory.operations.changes import working_snapshot
from directory.operations.moderation import EDITABLE, confirm_service, submit_service_change
from directory.permissions import PermissionDenied, require
from directory.schemas import api as schemas

from .rest import bp, error_response, field_messages
from .rest_read import error_docs, live_record, service_json
from .tokens import reader, writer

WRITABLE = frozenset(EDITABLE)
TOKEN = [{"token": []}]
REFUSED = "Your token can change only the listings of organisations you edit."
OUTCOMES = {
    "published": "Saved: the change is live.",
    "queued": "Sent for review: a moderator will check the change, and the listing stays as it is until then.",
    "unchanged": "Nothing was changed, so nothing was saved.",
    "withdrawn": "Your waiting change is withdrawn: this puts the listing back as it is.",
}


def _body_doc(schema) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@bp.errorhandler(PermissionDenied)
def _refused(_error):
    return jsonify({"message": REFUSED}), 403


@bp.errorhandler(InputError)
def _invalid(error: InputError):
    service = get_session().get(Service, request.view_args["item_id"]) if "base_version" in error.messages else None
    if service is not None:  # an edit based on an older version
        sent = (request.get_json(silent=True) or {}).get("version")
        return error_response(
            Conflict(
                f"This listing changed since version {sent}: it is now version {service.version}. "
                "Nothing was saved. Fetch it again, reapply your change and send it with the new version."
            )
        )
    return jsonify(
        {
            "message": "Some of the input is not valid: see the message for each field.",
            "errors": field_messages(error.messages),
        }
    ), 422


def _body(*, with_version: bool) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, message="Send a JSON object, with the header Content-Type: application/json.")
    allowed = WRITABLE | ({"version"} if with_version else set())
    unknown = sorted(set(data) - allowed)
    if unknown:
        abort(422, errors={name: ["Unknown field: it cannot be set through the API."] for name in unknown})
    return dict(data)  # a copy: the request's own body stays as sent (its version names a clash, _invalid)


def _answer(outcome: str, record, service: Service | None):
    db = get_session()
    db.flush()
    db.expire_all()  # the answer shows the listing as stored (the request commits it as it returns)
    if outcome == "published":
        service = db.get(Service, record.target_id)
    body = schemas.ChangeOut(exclude=("service",)).dump(
        {"outcome": outcome, "message": OUTCOMES[outcome], "change_id": record.id if outcome == "queued" else None}
    )
    body["service"] = service_json(service, reader()) if service is not None else None
    return jsonify(body), 202 if outcome == "queued" else 200


@bp.patch("/services/<uuid:item_id>")
@bp.response(200, schemas.ChangeOut)
@bp.doc(
    security=TOKEN,
    **_body_doc(schemas.ServiceChangeIn),
    **{
        "responses": {
            "202": {
                "description": "Queued for a moderator",
                "content": {"application/json": {"schema": schemas.ChangeOut}},
            },
            "409": {
                "description": "The listing changed since `version`",
                "content": {"application/json": {"schema": schemas.ErrorOut}},
            },
            **error_docs(400, 401, 404, 410, 422, 429)["responses"],
            "403": {
                "description": "Not one of your organisations' services",
                "content": {"application/json": {"schema": schemas.ErrorOut}},
            },
        }
    },
)
def update_service(item_id: uuid.UUID):
    """Change a service of an organisation you edit

    Send `version` (from GET /api/services/{id}) and only the fields to change; a list (schedules,
    referral_routes, categories, ...) replaces the whole list. As with the edit form, changes from
    editors who are not yet trusted, and changes to the name, eligibility or referral routes, wait
    for a moderator (202); others are live at once (200). A change based on an older version is
    refused with 409.
    """
    actor = writer()
    service = live_record(Service, item_id)
    require(actor, "service.update", service)
    body = _body(with_version=True)
    version = body.pop("version", None)
    if isinstance(version, bool) or not isinstance(version, int):
        abort(
            422,
            errors={
                "version": [
                    "Send the listing's current version as a number (from GET /api/services/{id}), "
                    "so that a change someone made meanwhile is not overwritten."
                ]
            },
        )
    db = get_session()
    organisation = db.get(Organisation, service.organisation_id)
    outcome, record = submit_service_change(
        db, actor, organisation, service, working_snapshot(db, actor, service) | body, version
    )  # an older version is a 409 (_invalid)
    return _answer(outcome, record, service)


@bp.post("/organisations/<uuid:item_id>/services")
@bp.response(202, schemas.ChangeOut)
@bp.doc(
    security=TOKEN,
    **_body_doc(schemas.NewServiceIn),
    **{
        "responses": {
            **error_docs(400, 401, 404, 410, 422, 429)["responses"],
            "403": {
                "description": "Not an organisation you edit",
                "content": {"application/json": {"schema": schemas.ErrorOut}},
            },
        }
    },
)
def create_service(item_id: uuid.UUID):
    """Add a service to an organisation you edit

    The body is the whole listing (`name` is required). As on the website, a new service waits for a
    moderator, who checks its name and eligibility: the answer is 202 with the change's id, and
    GET /api/changes/{id} tells you when it is decided and the new service's id.
    """
    actor = writer()
    organisation = live_record(Organisation, item_id)
    require(actor, "service.create", organisation)
    outcome, record = submit_service_change(get_session(), actor, organisation, None, _body(with_version=False), None)
    return _answer(outcome, record, None)


@bp.post("/services/<uuid:item_id>/confirm")
@bp.response(200, schemas.ServiceOut)
@bp.doc(
    security=TOKEN,
    **{
        "responses": {
            **error_docs(401, 404, 410, 429)["responses"],
            "403": {
                "description": "Not one of your organisations' services",
                "content": {"application/json": {"schema": schemas.ErrorOut}},
            },
        }
    },
)
def confirm(item_id: uuid.UUID):
    """Confirm a service of an organisation you edit is still correct (it shows as checked today)"""
    actor = writer()
    service = live_record(Service, item_id)
    db = get_session()
    confirm_service(db, actor, service)
    return jsonify(service_json(service, reader()))


@bp.get("/changes/<uuid:item_id>")
@bp.response(200, schemas.ChangeStatusOut)
@bp.doc(security=TOKEN, **error_docs(401, 404, 429))
def change(item_id: uuid.UUID):
    """A change you sent: waiting, approved (with the service's id) or rejected (with the moderator's note)"""
    actor = writer()
    record = get_session().get(ChangeRequest, item_id)
    if (
        record is None
        or record.kind not in ("create", "update")
        or record.organisation_id not in actor.organisation_ids
    ):
        abort(404, message=f"There is no change with the id {item_id} for an organisation you edit.")
    return record
