"""The moderators' and administrators' pages: what is waiting, accounts and organisations.

Permissions are checked by directory.operations.admin: the landing page is for moderators,
accounts and organisations for administrators only.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from directory.auth import current_actor, login_required
from directory.db import get_session
from directory.models import Organisation, User
from directory.models.account import ROLES
from directory.operations import admin as ops
from directory.operations.accounts import edited_organisations, send
from directory.schemas.organisations import AccessInput, ReasonInput, SearchInput, labeller, listing_errors
from directory.views.errors import on_bad_input

from .manage import _get_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")
NO_STORE = {"Cache-Control": "no-store"}
ROLE_LABELS = {
    "admin": "Site administrator",
    "moderator": "Moderator",
    "link_worker": "Link worker (checked professional)",
}
SOURCES = {"admin": "Changed by an administrator"}


def _query() -> str:
    return SearchInput().load(request.args)["q"][: ops.QUERY_LIMIT]


@bp.get("")
@login_required
def home():
    """What is waiting for moderators, and the way to each list."""
    actor = current_actor()
    return (
        render_template("admin/home.html", waiting=ops.waiting(get_session(), actor), is_admin="admin" in actor.roles),
        200,
        NO_STORE,
    )


# Accounts ---------------------------------------------------------------------------------------


@bp.get("/users")
@login_required
def users():
    """Accounts, searched by name or email address."""
    query = _query()
    return (
        render_template(
            "admin/users.html",
            users=ops.find_users(get_session(), current_actor(), query),
            q=query,
            limit=ops.PAGE,
            role_labels=ROLE_LABELS,
        ),
        200,
        NO_STORE,
    )


def _user_page(user: User, errors=None, archive_errors=None, status: int = 200):
    db = get_session()
    return (
        render_template(
            "admin/user.html",
            user=user,
            history=ops.account_history(db, current_actor(), user),
            organisations=edited_organisations(db, user),
            roles=ROLES,
            role_labels=ROLE_LABELS,
            errors=errors or {},
            archive_errors=archive_errors or {},
            label_for=labeller("user"),
            me=current_actor().user_id,
            sources=SOURCES,
        ),
        status,
        NO_STORE,
    )


@bp.get("/users/<raw_id>")
@login_required
def user(raw_id: str):
    """One account: roles, trust, whether it can sign in, what it edits, and its history."""
    record = _get_or_404(User, raw_id)
    return _user_page(record)


@bp.post("/users/<raw_id>/access")
@login_required
def access(raw_id: str):
    """Grant or revoke roles, and mark the account trusted or not."""
    record = _get_or_404(User, raw_id)
    on_bad_input(lambda messages: _user_page(record, errors=listing_errors(messages, ["roles", "trusted"]), status=400))
    data = AccessInput().load(request.form.to_dict(flat=False) | {"trusted": "trusted" in request.form})
    revision = ops.set_access(get_session(), current_actor(), record, data["roles"], data["trusted"])
    flash(f"Saved: {record.name}'s roles and trust are updated." if revision else "Nothing was changed.")
    return redirect(url_for("admin.user", raw_id=record.id), code=303)


@bp.post("/users/<raw_id>/<any(disable, enable):verb>")
@login_required
def sign_in_access(raw_id: str, verb: str):
    """Disable an account (with a reason) or enable it again."""
    record = _get_or_404(User, raw_id)
    on_bad_input(lambda messages: _user_page(record, archive_errors=listing_errors(messages, []), status=400))
    db = get_session()
    if verb == "disable":
        mails = ops.disable_account(db, current_actor(), record, ReasonInput().load(request.form)["archive_reason"])
        send(db, current_app.config["SIGNPOST"], mails)
    else:
        ops.enable_account(db, current_actor(), record)
    flash(f"{record.name} can no longer sign in." if verb == "disable" else f"{record.name} can sign in again.")
    return redirect(url_for("admin.user", raw_id=record.id), code=303)


# Organisations ----------------------------------------------------------------------------------


@bp.get("/organisations")
@login_required
def organisations():
    """Organisations, searched by name; archived ones when asked."""
    query, archived = _query(), request.args.get("archived") == "1"
    rows = ops.find_organisations(get_session(), current_actor(), query, archived)
    return (
        render_template("admin/organisations.html", rows=rows, q=query, archived=archived, limit=ops.PAGE),
        200,
        NO_STORE,
    )


@bp.get("/organisations/<raw_id>")
@login_required
def organisation(raw_id: str):
    """One organisation: its editors, services, venues and pending claims; archive or bring back."""
    record = _get_or_404(Organisation, raw_id)
    overview = ops.organisation_overview(get_session(), current_actor(), record)
    return (
        render_template(
            "admin/organisation.html", overview=overview, organisation=record, label_for=labeller("organisation")
        ),
        200,
        NO_STORE,
    )
