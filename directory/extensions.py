"""Flask extensions and cross-cutting request behaviour: CSRF and security headers."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# No inline scripts or styles anywhere: scripts and stylesheets are files Signpost serves itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_extensions(app: Flask) -> None:
    """Register CSRF protection and the security headers on every response."""
    csrf.init_app(app)
    app.after_request(_security_headers)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.endpoint != "static":
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response
