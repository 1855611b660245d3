"""Accounts: register, confirm an address, sign in and out, reset a password, the account page.

Answers never say whether an address has an account: registering a taken address and asking
for a reset give the same page as any other address, and a failed sign-in says the same thing
either way. Links sent by email carry signed tokens; their pages are never cached and send no
Referer. Sign-in, reset and registration are rate limited.
"""

from __future__ import annotations

import functools
import logging
import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from directory.after_response import after_response
from directory.auth import current_session_key, current_user, login_required, login_user, logout_user
from directory.db import get_db, get_session
from directory.extensions import limiter
from directory.links import links
from directory.models import User, utcnow
from directory.operations import accounts as ops
from directory.operations import api_tokens, validate
from directory.schemas.accounts import PASSWORD_MIN_LENGTH, EmailInput
from directory.views.errors import on_bad_input

bp = Blueprint("accounts", __name__, url_prefix="/account")
# The client shortlist lives in the session cookie and holds nothing about a person: signing in keeps it.
KEPT_ON_SIGN_IN = ("shortlist", "shortlist_link")
PRIVATE = {"Cache-Control": "no-store"}
LINK_PAGE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}  # the token is in the address
_TOKEN_IN_PATH = re.compile(r"(/account/(?:verify|reset|email)/)[^\s/?#\"]+")


class RedactLinkTokens(logging.Filter):
    """Take the tokens out of emailed links in log lines, such as the web server's request log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_PATH.sub(r"\1[token]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_PATH.sub(r"\1[token]", a) if isinstance(a, str) else a for a in record.args)
        return True


@bp.record_once
def _redact_request_logs(_state) -> None:
    server_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactLinkTokens) for f in server_log.filters):
        server_log.addFilter(RedactLinkTokens())


@bp.teardown_app_request
def _forget_this_request(_exc: BaseException | None) -> None:
    # The signed-in user and the CSRF token are cached in g. When one app context outlives a
    # request (a test holding a database session, a script), the next request must still see
    # whoever its own cookie names, and a token that is in its own session. Forgotten when the
    # request ends, with its database session, so nothing that runs before the next request's
    # own hooks (a refused CSRF token's error page) sees a user from a closed session.
    for key in ("current_user", "current_actor", current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
        g.pop(key, None)


@bp.app_context_processor
def _account_in_templates() -> dict:
    return {"signed_in_user": _signed_in_user()}


def _signed_in_user():
    if not current_session_key():
        return None
    try:
        return current_user()
    except SQLAlchemyError:  # an error page must still render when the database is the error
        current_app.logger.exception("Could not load the signed-in user")
        return None


def safe_next(target: str | None, default: str | None = None) -> str:
    """A path on this site to go to after signing in; anything else (other sites, //host, \\) gives default."""
    default = default or url_for("accounts.account")
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return default
    if target.startswith("//") or "\\" in target or any(ord(c) < 33 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _address_and_computer() -> str:
    """Rate-limit key: this computer signing in to this address. Nobody else's tries can lock its owner out."""
    return f"sign-in:{get_remote_address()}:{_submitted_email()}"


def _signed_in_post(view):
    """For the account page's forms: anonymous visitors sign in, then come back to the account page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = current_user()
        if user is None:
            return redirect(url_for("accounts.login", next=url_for("accounts.account")), code=303)
        return view(user, *args, **kwargs)

    return wrapper


def _config():
    return current_app.config["SIGNPOST"]


def _check_email_page(kind: str, email: str):
    return render_template("accounts/check_email.html", kind=kind, email=email), 200, PRIVATE


def _link_problem(message: str, kind: str):
    return render_template("accounts/link_problem.html", message=message, kind=kind), 400, LINK_PAGE


# Registering and confirming an address


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    """Create an account; a confirmation link is emailed (the same answer for a taken address)."""
    if request.method == "GET":
        return _register_page({}, {})
    on_bad_input(lambda messages: _register_page(messages, request.form, 400))
    prepared = ops.prepare_registration(request.form)
    after_response(
        functools.partial(_look_up_and_send, lambda db: ops.register_user(db, prepared, utcnow(), links=links()))
    )
    return _check_email_page("register", prepared["email"])


def _look_up_and_send(make_mails) -> None:
    """After the response: make_mails(db) looks up an address and says what to send, sent once
    its unit of work commits.

    Whether the address has an account must not change how long the answer takes, so this work
    (and any SMTP round trip) happens once the answer has gone.
    """
    try:
        with get_db().unit_of_work() as db:
            ops.send(db, _config(), make_mails(db))
    except IntegrityError:  # the same address registered a moment ago, in another request
        pass


def _register_page(errors: dict, form, status: int = 200):
    page = render_template("accounts/register.html", errors=errors, form=form, min_length=PASSWORD_MIN_LENGTH)
    return page, status, PRIVATE


@bp.get("/verify/<token>")
def verify(token: str):
    """Follow the link in the confirmation email."""
    db = get_session()
    try:
        user = ops.verify_email(db, token)
    except ops.LinkError as exc:
        return _link_problem(str(exc), "verify")
    flash("Thank you: your email address is confirmed.")
    signed_in = current_user()
    if signed_in is not None and signed_in.id == user.id:
        return redirect(url_for("accounts.account"), code=303)
    return redirect(url_for("accounts.login"), code=303)


@bp.post("/verify")
@limiter.limit("5 per hour")
@_signed_in_post
def resend_verification(user):
    """Send the confirmation link again."""
    if user.email_verified_at is None:
        ops.send(get_session(), _config(), [ops.verification_mail(user, links=links())])
        flash(f"We have sent a new confirmation link to {user.email}.")
    else:
        flash("Your email address is already confirmed.")
    return redirect(url_for("accounts.account"), code=303)


# Signing in and out


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"], key_func=_address_and_computer)
def login():
    """Sign in with email and password, then go back where the visitor was."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(target, code=303)
        return _login_page({}, {}, target)

    def refused(messages: dict):
        if messages.get("_schema") == [ops.SIGN_IN_REFUSED]:
            email = _submitted_email()  # counted after the answer, so it takes as long for any address
            after_response(
                functools.partial(
                    _look_up_and_send, lambda db: ops.record_failed_sign_in(db, email, utcnow(), links=links())
                )
            )
        return _login_page(messages, request.form, target, 400)

    on_bad_input(refused)
    db = get_session()
    user = ops.authenticate(db, request.form)
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    login_user(db, user, utcnow())
    session.update(kept)
    if user.email_verified_at is None:
        flash(
            "Please confirm your email address: open the link we emailed you. "
            "Until then you cannot claim or add organisations."
        )
    return redirect(target, code=303)


def _login_page(errors: dict, form, target: str, status: int = 200):
    next_field = target if target != url_for("accounts.account") else ""
    page = render_template("accounts/login.html", errors=errors, form=form, next=next_field)
    return page, status, PRIVATE


@bp.post("/logout")
def logout():
    """Sign out of this browser: its session ends on the server, so a copy of the cookie stops working too."""
    logout_user(get_session(), utcnow())
    flash("You have signed out.")
    return redirect(url_for("accounts.login"), code=303)


# A forgotten password


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def reset_request():
    """Ask for a reset link; the same answer whether or not the address has an account."""
    if request.method == "GET":
        return render_template("accounts/reset_request.html", errors={}, form={}), 200, PRIVATE
    on_bad_input(
        lambda messages: (
            render_template("accounts/reset_request.html", errors=messages, form=request.form),
            400,
            PRIVATE,
        )
    )
    email = validate(EmailInput(), request.form)["email"]
    after_response(
        functools.partial(_look_up_and_send, lambda db: ops.request_password_reset(db, email, links=links()))
    )
    return _check_email_page("reset", email)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link (once, within an hour)."""
    db = get_session()
    on_bad_input(lambda messages: _reset_page(token, messages, 400))
    try:
        if request.method == "GET":
            ops.reset_link_user(db, token)
            return _reset_page(token, {})
        _user, mails = ops.reset_password(db, token, request.form, utcnow())
    except ops.LinkError as exc:
        return _link_problem(str(exc), "reset")
    logout_user(db, utcnow())
    ops.send(db, _config(), mails)
    flash("Your password has been changed and you have been signed out everywhere. Sign in with your new password.")
    return redirect(url_for("accounts.login"), code=303)


def _reset_page(token: str, errors: dict, status: int = 200):
    page = render_template("accounts/reset_password.html", token=token, errors=errors, min_length=PASSWORD_MIN_LENGTH)
    return page, status, LINK_PAGE


# The account page


@bp.get("")
@login_required
def account():
    """Name, email address, roles and organisations, with forms to change them."""
    return _account_page(current_user())


def _account_page(user, errors: dict | None = None, form=None, status: int = 200, new_token: str | None = None):
    organisations = ops.edited_organisations(get_session(), user)
    roles = [ops.ROLE_LABELS.get(role, role) for role in user.roles] + (
        ["Organisation editor"] if organisations else []
    )
    page = render_template(
        "accounts/account.html",
        user=user,
        organisations=organisations,
        roles=roles,
        errors=errors or {},
        form=form or {},
        min_length=PASSWORD_MIN_LENGTH,
        api_tokens=api_tokens.list_api_tokens(get_session(), user),
        new_token=new_token,
        token_status=functools.partial(api_tokens.status, now=utcnow()),
    )
    return page, status, PRIVATE


@bp.post("/tokens")
@limiter.limit("20 per hour")
@_signed_in_post
def create_api_token(user):
    """A personal API token: its secret is on this page once, and never again (only its hash is kept)."""
    on_bad_input(
        lambda messages: _account_page(user, {f"token_{k}": v for k, v in messages.items()}, request.form, 400)
    )
    form = {"name": request.form.get("token_name", ""), "expires_on": request.form.get("token_expires_on", "")}
    _token, secret = api_tokens.create_api_token(get_session(), user, form)
    return _account_page(user, new_token=secret)


@bp.post("/tokens/<token_id>/revoke")
@_signed_in_post
def revoke_api_token(user, token_id: str):
    """Stop a token working at once."""
    on_bad_input(lambda messages: _account_page(user, {"token_name": messages["token"]}, status=404))
    token = api_tokens.revoke_api_token(get_session(), user, token_id)
    flash(f"The token “{token.name}” is revoked: it no longer works.")
    return redirect(url_for("accounts.account", _anchor="api-tokens"), code=303)


@bp.post("/name")
@_signed_in_post
def change_name(user):
    """Change the name shown to moderators and other editors."""
    on_bad_input(lambda messages: _account_page(user, messages, request.form, 400))
    ops.change_name(get_session(), user, request.form)
    flash("Your name has been changed.")
    return redirect(url_for("accounts.account"), code=303)


@bp.post("/password")
@limiter.limit("10 per hour")
@_signed_in_post
def change_password(user):
    """Change the password; other devices are signed out, this one stays signed in."""
    on_bad_input(lambda messages: _account_page(user, messages, request.form, 400))
    db = get_session()
    mails = ops.change_password(db, user, request.form, utcnow(), keep=current_session_key())
    ops.send(db, _config(), mails)
    flash("Your password has been changed. Any other devices have been signed out, and your API tokens revoked.")
    return redirect(url_for("accounts.account"), code=303)


@bp.post("/email")
@limiter.limit("10 per hour")
@_signed_in_post
def change_email(user):
    """Ask to move the account to a new address: a link goes there, and nothing changes until it is followed."""
    on_bad_input(lambda messages: _account_page(user, messages, request.form, 400))
    new_email = ops.check_email_change(user, request.form)
    user_id = user.id
    after_response(
        functools.partial(
            _look_up_and_send, lambda db: ops.email_change_mails(db, db.get(User, user_id), new_email, links=links())
        )
    )
    flash(f"We have sent a link to {new_email}. Your email address will change when you open it.")
    return redirect(url_for("accounts.account"), code=303)


@bp.route("/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm a new email address from the link sent to it."""
    db = get_session()
    try:
        if request.method == "GET":
            user, new_email = ops.email_change_for(db, token)
            page = render_template("accounts/confirm_email.html", token=token, user=user, new_email=new_email)
            return page, 200, LINK_PAGE
        user, mails = ops.confirm_email_change(db, token)
    except ops.LinkError as exc:
        return _link_problem(str(exc), "email")
    ops.send(db, _config(), mails)
    flash(f"Your email address is now {user.email}.")
    signed_in = current_user()
    if signed_in is not None and signed_in.id == user.id:
        return redirect(url_for("accounts.account"), code=303)
    return redirect(url_for("accounts.login"), code=303)


@bp.post("/sign-out-everywhere")
@_signed_in_post
def sign_out_everywhere(user):
    """End every session of this account, this one included."""
    db = get_session()
    mails = ops.sign_out_everywhere(db, user, utcnow())
    logout_user(db, utcnow())
    ops.send(db, _config(), mails)
    flash("You have been signed out on every device, including this one.")
    return redirect(url_for("accounts.login"), code=303)
