"""Who is calling the JSON API: a bearer token names a person, or nobody does.

Cookie sessions never count here, so a page on another site cannot make a signed-in browser
write through the API (and the API needs no CSRF token).
"""

from __future__ import annotations

import dataclasses

from flask import abort, request
from flask_limiter.util import get_remote_address

from directory.auth import actor_for
from directory.db import get_db, get_session
from directory.models import ApiToken, utcnow
from directory.operations.api_tokens import authenticate, record_token_use, use_due
from directory.permissions import ANONYMOUS, Actor

BAD_TOKEN = "The API token is not valid: it may be mistyped, revoked or expired. Create a new one on your account page."
NO_TOKEN = "This needs an API token: send it as 'Authorization: Bearer <token>'. Create one on your account page."
_KEY = "signpost.api_caller"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="Signpost API"'}


def bearer_secret() -> str | None:
    """The token in the Authorization header, or None when there is no bearer token."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def _caller() -> tuple[ApiToken | None, Actor]:
    # Kept in the request's environ rather than g: an app context can outlive one request.
    if _KEY not in request.environ:
        caller = (None, ANONYMOUS)
        secret = bearer_secret()
        if secret is not None:
            db, now = get_session(), utcnow()
            found = authenticate(db, secret, now, record_use=False)
            if found is None:
                abort(401, description=BAD_TOKEN)
            token, user = found
            if use_due(token, now):  # kept even when the request itself is refused and rolled back
                with get_db().unit_of_work() as own:
                    record_token_use(own, token.id, now)
            caller = (token, actor_for(db, user))
        request.environ[_KEY] = caller
    return request.environ[_KEY]


def current_token() -> ApiToken | None:
    """The request's valid token (authenticated once per request); aborts 401 for a bad one."""
    return _caller()[0]


def reader() -> Actor:
    """The caller for reading: the token's owner with their roles, or the public."""
    return _caller()[1]


def writer() -> Actor:
    """The caller for writing: the token's owner acting only as an editor of their own organisations."""
    token, actor = _caller()
    if token is None:
        abort(401, description=NO_TOKEN)
    # A token is scoped to its owner's memberships: moderator and admin powers stay on the website.
    return dataclasses.replace(actor, roles=frozenset())


def rate_limit_key() -> str:
    """Count requests per token, or per computer for anonymous use."""
    token = current_token()
    return f"api-token:{token.id}" if token is not None else f"api-ip:{get_remote_address()}"
