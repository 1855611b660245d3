"""Signing in: password hashes, the session cookie, the current actor, and signed email tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime

from flask import current_app, g, redirect, request, session, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from directory.db import get_session
from directory.models import Membership, User
from directory.operations.sessions import end_session, session_user, start_session
from directory.permissions import ANONYMOUS, Actor

SESSION_KEY = "session_key"
# A hash to compare against when no account exists, so both answers take the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug's default)."""
    return generate_password_hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Check a password in constant time whether or not the account exists."""
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(user.password_hash, password)


def find_user(db: Session, email: str) -> User | None:
    """The account with this email address (case-insensitive)."""
    return db.exec(select(User).where(User.email == email.strip().lower())).first()


def login_user(db: Session, user: User, now: datetime) -> None:
    """Start a fresh session for user, stored server-side (a new session id prevents session fixation)."""
    session.clear()
    session["user_id"] = str(user.id)
    session[SESSION_KEY] = start_session(db, user, now)
    session.permanent = True
    user.last_login_at = now
    g.pop("current_user", None)
    g.pop("current_actor", None)


def logout_user(db: Session, now: datetime) -> None:
    """End this browser's session on the server, so a copy of its cookie stops working too."""
    end_session(db, session.get(SESSION_KEY), now)
    session.clear()


def current_session_key() -> str | None:
    """The secret naming this browser's session (to keep it when ending the others)."""
    return session.get(SESSION_KEY)


def current_user() -> User | None:
    """The signed-in user for this request, or None (disabled accounts and ended sessions are out)."""
    if "current_user" not in g:
        g.current_user = session_user(get_session(), session.get(SESSION_KEY)) if SESSION_KEY in session else None
    return g.current_user


def actor_for(db: Session, user: User | None) -> Actor:
    """The Actor that operations check permissions against."""
    if user is None:
        return ANONYMOUS
    memberships = db.exec(
        select(Membership.organisation_id, Membership.role).where(Membership.user_id == user.id)
    ).all()
    organisations = frozenset(org for org, _role in memberships)
    owned = frozenset(org for org, role in memberships if role == "owner")
    return Actor(
        "user",
        user.name,
        frozenset(user.roles),
        organisations,
        owned,
        user_id=user.id,
        trusted=user.trusted,
        verified=user.email_verified_at is not None,
    )


def current_actor() -> Actor:
    """The Actor for this request."""
    if "current_actor" not in g:
        g.current_actor = actor_for(get_session(), current_user())
    return g.current_actor


def login_required(view):
    """Send anonymous visitors to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"signpost.{purpose}")


def make_token(purpose: str, data: dict) -> str:
    """A signed, timestamped token for one purpose (verify-email, reset-password, ...)."""
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, max_age_seconds: int) -> dict | None:
    """The token's data, or None when it is forged, for another purpose, or too old."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None


def fingerprint(text: str) -> str:
    """A short stable digest, e.g. of a password hash, so a token dies when the password changes."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]
