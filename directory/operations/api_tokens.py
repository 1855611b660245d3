"""Personal API tokens: create (the secret is returned once), list, revoke, and authenticate.

Only sha256(secret) is stored. The secret is 256 random bits, so a plain hash is enough: there is
nothing to guess, and looking a token up by its hash is one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, select, update

from directory.models import ApiToken, User, utcnow
from directory.schemas.api_tokens import ApiTokenInput

from . import InputError, validate

SECRET_PREFIX = "sp_"
MAX_ACTIVE_TOKENS = 20
# Recording every request's time would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    """The stored form of a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(db: Session, user: User, form: Mapping, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for a confirmed account: (the stored token, its secret to show once)."""
    now = now or utcnow()
    if user.email_verified_at is None:
        raise InputError({"name": ["Confirm your email address before creating API tokens."]})
    data = validate(ApiTokenInput(), form)
    expires_at = None
    if data["expires_on"] is not None:
        if data["expires_on"] <= now.date():
            raise InputError(
                {"expires_on": ["Choose a day after today, or leave it blank for a token that does not expire."]}
            )
        expires_at = datetime.combine(data["expires_on"], time.min, tzinfo=UTC)
    if len([t for t in list_api_tokens(db, user) if is_active(t, now)]) >= MAX_ACTIVE_TOKENS:
        raise InputError(
            {"name": [f"You have {MAX_ACTIVE_TOKENS} tokens already: revoke one you no longer use first."]}
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=data["name"],
        token_hash=hash_secret(secret),
        prefix=secret[:10],
        created_at=now,
        expires_at=expires_at,
    )
    db.add(token)
    db.flush()
    return token, secret


def list_api_tokens(db: Session, user: User) -> list[ApiToken]:
    """A person's tokens, newest first."""
    return list(db.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())))


def revoke_api_token(db: Session, user: User, token_id: str, now: datetime | None = None) -> ApiToken:
    """Stop one of the person's own tokens working, for good."""
    try:
        token = db.get(ApiToken, uuid.UUID(str(token_id)))
    except ValueError:
        token = None
    if token is None or token.user_id != user.id:
        raise InputError({"token": ["That token does not exist or is not yours."]})
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.add(token)
        db.flush()
    return token


def status(token: ApiToken, now: datetime) -> str:
    """ "active", "revoked" or "expired"."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and _aware(token.expires_at) <= now:
        return "expired"
    return "active"


def is_active(token: ApiToken, now: datetime) -> bool:
    """Neither revoked nor past its expiry."""
    return status(token, now) == "active"


def authenticate(
    db: Session, secret: str, now: datetime | None = None, record_use: bool = True
) -> tuple[ApiToken, User] | None:
    """The active token with this secret and its enabled owner, recording its use (unless the caller
    records it itself, with use_due and record_token_use); None otherwise."""
    now = now or utcnow()
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = db.exec(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))).first()
    if token is None or not is_active(token, now):
        return None
    user = db.get(User, token.user_id)
    if user is None or user.disabled_at is not None:
        return None
    if record_use and use_due(token, now):
        token.last_used_at = now
        db.add(token)
        db.flush()
    return token, user


def use_due(token: ApiToken, now: datetime) -> bool:
    """Whether this use should be recorded: at most once every LAST_USED_PRECISION."""
    return token.last_used_at is None or now - _aware(token.last_used_at) >= LAST_USED_PRECISION


def record_token_use(db: Session, token_id, now: datetime) -> None:
    """Record a token's use in a unit of work of its own, so it is kept even when the request is refused."""
    db.exec(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def revoke_api_tokens(db: Session, user: User, now: datetime) -> int:
    """Revoke every active token of the person (a password change, a reset, a closed account); how many."""
    active = [t for t in list_api_tokens(db, user) if is_active(t, now)]
    for token in active:
        token.revoked_at = now
        db.add(token)
    db.flush()
    return len(active)
