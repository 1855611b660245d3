"""Flask extensions and cross-cutting request behaviour: CSRF and security headers."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# Counters live in Redis when SIGNPOST_REDIS_URL is set, so every web process shares them.
limiter = Limiter(key_func=get_remote_address)

# No inline scripts or styles anywhere: scripts and stylesheets are files Signpost serves itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_extensions(app: Flask) -> None:
    """Register CSRF protection, rate limits and the security headers on every response."""
    config = app.config["SIGNPOST"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", config.REDIS_URL or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_security_headers)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.endpoint != "static":
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response
