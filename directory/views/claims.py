"""Claiming an organisation, moderating claims, and managing who edits an organisation.

Every change is a POST form with a CSRF token. Permissions are checked by the operations;
a refusal (PermissionDenied) becomes a 403 page that says what was refused.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import Forbidden

from directory.auth import current_actor, current_user, login_required
from directory.db import get_session
from directory.extensions import limiter
from directory.links import links
from directory.models import Claim, Organisation, User, utcnow
from directory.operations import InputError
from directory.operations import claims as ops
from directory.operations.accounts import send
from directory.permissions import PermissionDenied, can
from directory.schemas.claims import NOTE_MAX_LENGTH, ClaimInput, DecisionInput, InviteInput, RemoveInput
from directory.views.errors import on_bad_input

bp = Blueprint("claims", __name__)
NO_STORE = {"Cache-Control": "no-store"}


class NotAllowed(Forbidden):
    """A 403 whose page heading is plain words."""

    name = "You cannot do this"


@bp.app_errorhandler(PermissionDenied)
def _permission_denied(error: PermissionDenied):
    description = f"You do not have permission to do this. {error}"
    return render_template("errors/error.html", error=NotAllowed(description=description)), 403


@bp.app_context_processor
def _organisation_links() -> dict:
    return {"edits_organisation": _edits_organisation}


def _edits_organisation(organisation: Organisation) -> bool:
    """True for the organisation's editors and moderators (who may see who edits it)."""
    return can(current_actor(), "organisation.editors.view", organisation)


def _get_or_404(model, raw_id: str, missing: str):
    try:
        key = uuid.UUID(raw_id)
    except ValueError:
        abort(404, description=missing)
    record = get_session().get(model, key)
    if record is None:
        abort(404, description=missing)
    return record


def _organisation(raw_id: str) -> Organisation:
    return _get_or_404(Organisation, raw_id, "There is no organisation at this address. It may have been removed.")


def _config():
    return current_app.config["SIGNPOST"]


# Claim an organisation ---------------------------------------------------------------------


@bp.get("/organisations/<raw_id>/claim")
@login_required
def claim(raw_id: str):
    """The form to ask to edit an organisation's listings (or where the request stands)."""
    return _claim_page(_organisation(raw_id))


def _claim_page(organisation: Organisation, errors: dict | None = None, form=None, status: int = 200):
    actor = current_actor()
    page = render_template(
        "claims/claim.html",
        organisation=organisation,
        state=ops.claim_status(get_session(), actor, organisation),
        verified=actor.verified,
        errors=errors or {},
        form=form or {},
        note_max=NOTE_MAX_LENGTH,
    )
    return page, status, NO_STORE


@bp.post("/organisations/<raw_id>/claim")
@limiter.limit("10 per hour")  # each claim emails the moderators
@login_required
def claim_post(raw_id: str):
    """Record a claim; approve it at once when the email domain is the organisation's own."""
    organisation = _organisation(raw_id)
    on_bad_input(lambda messages: _claim_page(organisation, messages, request.form, 400))
    data = ClaimInput().load(request.form)
    session = get_session()
    record = ops.claim_organisation(session, current_actor(), organisation, data)
    claimant = current_user()
    ops.notify_new_claim(session, _config(), record, organisation, claimant, links=links())
    if record.auto_approved:
        ops.notify_claim_decided(session, _config(), record, organisation, claimant, links=links())
        flash(f"{record.reason} You can now edit this organisation's listings.")
        return redirect(url_for("claims.editors", raw_id=organisation.id), code=303)
    flash("Thank you. A Signpost moderator will check your request and reply by email.")
    return redirect(url_for("claims.claim", raw_id=organisation.id), code=303)


# Moderators decide claims ------------------------------------------------------------------


@bp.get("/moderate/claims")
@login_required
def moderate():
    """Claims waiting for a decision, with what a moderator needs to check them."""
    return _moderate_page()


def _moderate_page(errors: dict | None = None, form_for: str | None = None, status: int = 200):
    reviews = ops.pending_claims(get_session(), current_actor())
    page = render_template(
        "claims/moderate.html", reviews=reviews, errors=errors or {}, form_for=form_for, form=request.form
    )
    return page, status, NO_STORE


@bp.post("/moderate/claims/<raw_id>/decide")
@login_required
def decide(raw_id: str):
    """Approve or deny a claim; the claimant is emailed the decision and the reason."""
    record = _get_or_404(Claim, raw_id, "There is no claim with that id. It may have been withdrawn.")
    key = str(record.id)
    on_bad_input(lambda messages: _moderate_page({key: messages}, key, 400))
    data = DecisionInput().load(request.form)
    session = get_session()
    ops.decide_claim(session, current_actor(), record, data["decision"] == "approve", data["reason"])
    organisation = session.get(Organisation, record.organisation_id)
    claimant = session.get(User, record.user_id)
    ops.notify_claim_decided(session, _config(), record, organisation, claimant, links=links())
    verb = "approved" if record.status == "approved" else "denied"
    flash(f"Claim by {claimant.name} for {organisation.name} {verb}. They have been told by email.")
    return redirect(url_for("claims.moderate"), code=303)


# Editors and invitations -------------------------------------------------------------------


@bp.get("/organisations/<raw_id>/editors")
@login_required
def editors(raw_id: str):
    """Who edits the organisation; invite someone, or remove an editor."""
    return _editors_page(_organisation(raw_id))


def _editors_page(organisation: Organisation, errors: dict | None = None, form=None, status: int = 200):
    actor = current_actor()
    page = render_template(
        "claims/editors.html",
        organisation=organisation,
        listing=ops.organisation_editors(get_session(), actor, organisation),
        me=actor.user_id,
        manages=can(actor, "organisation.remove_editor", organisation),
        names_owners=can(actor, "organisation.name_owner", organisation),
        errors=errors or {},
        form=form or {},
    )
    return page, status, NO_STORE


@bp.post("/organisations/<raw_id>/invite")
@limiter.limit("30 per hour")  # each invitation is an email to an address the sender chooses
@login_required
def invite(raw_id: str):
    """Invite someone by email to edit the organisation."""
    organisation = _organisation(raw_id)
    on_bad_input(lambda messages: _editors_page(organisation, messages, request.form, 400))
    data = InviteInput().load(request.form)
    session = get_session()
    invitation, token = ops.invite_editor(session, current_actor(), organisation, data["email"])
    ops.notify_invitation(session, _config(), invitation, organisation, current_user().name, token, links=links())
    flash(f"Invitation sent to {invitation.email}. The link works for {ops.INVITATION_DAYS} days.")
    return redirect(url_for("claims.editors", raw_id=organisation.id), code=303)


def _organisation_and_editor(raw_id: str) -> tuple[Organisation, User]:
    """The organisation and the editor the form names; bad input shows the editors page again."""
    organisation = _organisation(raw_id)
    on_bad_input(lambda messages: _editors_page(organisation, messages, None, 400))
    person = get_session().get(User, RemoveInput().load(request.form)["user_id"])
    if person is None:
        raise InputError({"user_id": ["That person does not edit this organisation's listings."]})
    return organisation, person


@bp.post("/organisations/<raw_id>/editors/remove")
@login_required
def remove(raw_id: str):
    """Stop someone editing the organisation (yourself included)."""
    session = get_session()
    organisation, person = _organisation_and_editor(raw_id)
    send(session, _config(), ops.remove_member(session, current_actor(), organisation, person, utcnow()))
    if person.id == current_actor().user_id:
        return redirect(url_for("public.organisation", raw_id=organisation.id), code=303)
    flash(f"{person.name} no longer edits this organisation's listings.")
    return redirect(url_for("claims.editors", raw_id=organisation.id), code=303)


@bp.post("/organisations/<raw_id>/editors/owner")
@login_required
def name_owner(raw_id: str):
    """Make an editor an owner of the organisation (moderators)."""
    organisation, person = _organisation_and_editor(raw_id)
    ops.name_owner(get_session(), current_actor(), organisation, person)
    flash(f"{person.name} is now an owner of this organisation: they manage who edits it.")
    return redirect(url_for("claims.editors", raw_id=organisation.id), code=303)


@bp.get("/invitations/<token>")
@login_required
def invitation(token: str):
    """What the invitation is for, and a button to accept it (accepting is a POST, never a GET)."""
    return _invitation_page(token)


def _invitation_page(token: str, problem: str | None = None):
    session = get_session()
    record = ops.find_invitation(session, token)
    if record is None:
        abort(404, description="This invitation link is not valid. Check you copied the whole link from the email.")
    problem = problem or ops.invitation_problem(session, record)
    inviter = session.get(User, record.invited_by)
    page = render_template(
        "claims/invitation.html",
        invitation=record,
        organisation=session.get(Organisation, record.organisation_id),
        inviter=inviter.name if inviter else "An editor",
        problem=problem,
        wrong_email=record.email.lower() != current_user().email.lower(),
        verified=current_actor().verified,
        token=token,
    )
    return page, 410 if problem else 200, NO_STORE


@bp.post("/invitations/<token>")
@login_required
def accept(token: str):
    """Accept an invitation sent to the signed-in person's own address."""
    session = get_session()
    on_bad_input(lambda messages: _invitation_page(token, "; ".join(" ".join(m) for m in messages.values())))
    membership = ops.accept_invitation(session, current_actor(), token)
    organisation = session.get(Organisation, membership.organisation_id)
    flash(f"You can now edit the listings of {organisation.name}.")
    return redirect(url_for("claims.editors", raw_id=organisation.id), code=303)
